import http from 'node:http';
import https from 'node:https';
import { OutboundError, statusClassOf, toOutboundError } from './outbound-error.js';
import type { OutboundPolicy } from './policy.js';
import { pinnedLookup, vetHost, type Resolver } from './resolve.js';

export interface UserFetchInit {
  method?: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** For the whole exchange, every redirect hop included (default 10 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Redirects followed, each hop checked again (default 3; 0: a 3xx is the answer). */
  maxRedirects?: number;
  /** A larger body is a `bad-answer` (default 1 MiB). */
  maxBytes?: number;
  /** The resolver (tests); the system's by default. */
  resolve?: Resolver;
}

/**
 * Fetches a URL a user chose, under the outbound policy: http(s) only, no credentials in the URL,
 * the host resolved once with every address checked and the connection made to a checked address
 * (no DNS rebinding between check and connect), each redirect hop checked the same way. Answers a
 * standard Response (any status; the caller judges it) or throws an OutboundError with a fixed
 * reason.
 */
export async function fetchForUser(
  url: string,
  init: UserFetchInit,
  policy: OutboundPolicy,
): Promise<Response> {
  const signal = AbortSignal.any([
    AbortSignal.timeout(init.timeoutMs ?? 10_000),
    ...(init.signal ? [init.signal] : []),
  ]);
  let target = parse(url);
  let method = init.method ?? 'GET';
  let body = init.body;
  for (let hop = 0; ; hop++) {
    const res = await once(target, { ...init, method, body }, policy, signal);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || !location || (init.maxRedirects ?? 3) === 0) return res;
    if (hop >= (init.maxRedirects ?? 3)) throw new OutboundError('http-status', '3xx');
    try {
      target = parse(new URL(location, target).toString());
    } catch {
      throw new OutboundError('refused-by-policy');
    }
    if (res.status !== 307 && res.status !== 308) {
      method = 'GET';
      body = undefined;
    }
  }
}

function parse(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OutboundError('refused-by-policy');
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || !u.hostname)
    throw new OutboundError('refused-by-policy');
  return u;
}

async function once(
  u: URL,
  init: UserFetchInit & { method: string },
  policy: OutboundPolicy,
  signal: AbortSignal,
): Promise<Response> {
  if (signal.aborted) throw new OutboundError('timeout');
  const addresses = await vetHost(u.hostname, policy, init.resolve);
  const lib = u.protocol === 'https:' ? https : http;
  const maxBytes = init.maxBytes ?? 1024 * 1024;
  return new Promise<Response>((resolve, reject) => {
    const req = lib.request(
      {
        protocol: u.protocol,
        host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: u.port || undefined,
        path: `${u.pathname}${u.search}`,
        method: init.method,
        headers: { ...init.headers, host: u.host },
        lookup: pinnedLookup(addresses),
        signal,
        // No pooled socket may carry a request to an address that was not checked for it.
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            res.destroy();
            reject(new OutboundError('bad-answer'));
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e) => reject(toOutboundError(e)));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) for (const x of [v].flat()) headers.append(k, x);
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 599) {
            reject(new OutboundError('bad-answer'));
            return;
          }
          const nullBody = status === 204 || status === 205 || status === 304 || init.method === 'HEAD';
          resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, headers }));
        });
      },
    );
    req.on('error', (e) => reject(signal.aborted ? new OutboundError('timeout') : toOutboundError(e)));
    req.end(init.body);
  });
}

/** The fixed label of a failed fetch: `timeout`, `http-status 5xx`… */
export function outboundLabel(e: unknown): string {
  return toOutboundError(e).label;
}

/** A Response's status as an OutboundError when it is not a success (`http-status 4xx`). */
export function requireSuccess(res: Response): Response {
  if (!res.ok) throw new OutboundError('http-status', statusClassOf(res.status));
  return res;
}
