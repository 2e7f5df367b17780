import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { peerCertificate, type PeerCertificate } from '@gnm/protocol';
import { checkTransport, type Connection } from './config.js';
import { CliFailure, EXIT } from './output.js';
import { SseParser, type SseMessage } from './sse.js';

/** RFC 9457 problem details, as the control plane sends every error. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field: string; message: string }[];
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EPIPE',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'GNM_TIMEOUT',
]);

class TimeoutError extends Error {
  readonly code = 'GNM_TIMEOUT';
}

/** Thrown (inside the request) when the server's TLS key is not the pinned one. */
class PinMismatch extends Error {
  constructor(readonly got: string) {
    super(`TLS key mismatch (got ${got})`);
  }
}

/**
 * How a request must check the server: the pinned key, or nothing (only for requests without a token);
 * `plain` is the development flag, without which an http:// URL is refused before anything is sent.
 */
type Verify = ({ pin: string | null } | { unverified: true }) & { plain: boolean };

export interface RequestOptions {
  token?: string;
  body?: Buffer;
  contentType?: string;
  accept?: string;
  /** Idle time after which the request fails (ms). */
  timeoutMs?: number;
}

function classify(e: unknown, url: string, pin: string | null): CliFailure {
  if (e instanceof CliFailure) return e;
  if (e instanceof PinMismatch)
    return new CliFailure(
      `refused to talk to ${url}: its TLS key is not the pinned one (nothing was sent)`,
      [
        `pinned:    ${pin ?? '(none)'}`,
        `presented: ${e.got}`,
        'something may be intercepting the connection; or the control plane got a new TLS key (e.g. a new data folder or certificate)',
        'if you know the key changed, compare the new pin with the console or GET /api/v1/instance on the server itself, then run `gnm login --tls-pin <new pin>` (or set GNM_TLS_PIN)',
      ],
      EXIT.usage,
    );
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? '';
  if (UNREACHABLE.has(code) || code.startsWith('ERR_SSL') || err instanceof TimeoutError) {
    const hint =
      code === 'EPROTO' || code.startsWith('ERR_SSL')
        ? 'is the server speaking plain HTTP? use http:// only for a development control plane'
        : code === 'ECONNRESET' && url.startsWith('http:')
          ? 'the control plane serves https:// unless it runs in development plain-HTTP mode: check the URL'
          : 'check the URL, that the control plane is running, and the network between you';
    return new CliFailure(
      `cannot reach ${url} (${code || 'error'}: ${err.message})`,
      [hint],
      EXIT.unreachable,
    );
  }
  return new CliFailure(`request to ${url} failed: ${err.message}`, [], EXIT.failed);
}

/**
 * Opens one HTTP(S) request to the control plane. Over HTTPS the certificate chain is not checked (the
 * control plane is usually self-signed); its public key is compared with the pin as soon as the TLS
 * handshake ends, and only then are the Authorization header and the body written. A fresh connection
 * per request (no agent) makes sure every request is checked.
 */
function open(
  base: string,
  verify: Verify,
  method: string,
  path: string,
  o: RequestOptions = {},
): Promise<{ res: http.IncomingMessage; req: http.ClientRequest; peer: PeerCertificate | null }> {
  const u = new URL(path, base);
  const isHttps = u.protocol === 'https:';
  const pin = 'pin' in verify ? verify.pin : null;
  if ('unverified' in verify && o.token)
    return Promise.reject(new Error('internal: a token must never go to an unverified server'));
  if (!isHttps)
    try {
      checkTransport(u.origin, null, verify.plain);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  if (isHttps && 'pin' in verify && !pin)
    return Promise.reject(new CliFailure(`no TLS pin for ${base}`, ['run `gnm login` first'], EXIT.usage));
  const headers: Record<string, string> = {
    accept: o.accept ?? 'application/json',
    'user-agent': 'gnm-cli',
  };
  if (o.body) {
    headers['content-type'] = o.contentType ?? 'application/json';
    headers['content-length'] = String(o.body.length);
  }
  return new Promise((resolve, reject) => {
    let peer: PeerCertificate | null = null;
    const req = (isHttps ? https : http).request(
      u,
      { method, headers, agent: false, ...(isHttps ? { rejectUnauthorized: false } : {}) },
      (res) => resolve({ res, req, peer }),
    );
    req.setTimeout(o.timeoutMs ?? 30_000, () =>
      req.destroy(new TimeoutError(`no answer within ${Math.round((o.timeoutMs ?? 30_000) / 1000)} s`)),
    );
    req.on('error', (e) => reject(classify(e, base, pin)));
    const send = () => {
      if (o.token) req.setHeader('authorization', `Bearer ${o.token}`);
      req.end(o.body);
    };
    if (!isHttps) return send();
    req.once('socket', (socket) => {
      (socket as TLSSocket).once('secureConnect', () => {
        try {
          peer = peerCertificate(socket as TLSSocket);
        } catch (e) {
          return req.destroy(e as Error);
        }
        if (pin && peer.spkiPin !== pin) return req.destroy(new PinMismatch(peer.spkiPin));
        send();
      });
    });
  });
}

function readBody(res: http.IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) res.destroy(new Error('the answer is too large'));
      else chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('the connection closed mid-answer')));
  });
}

function parseJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The problem document of an error answer, as a failure with exit code 1. */
export function problemFailure(status: number, body: unknown, hint?: string): CliFailure {
  const p = (body && typeof body === 'object' ? body : {}) as Problem;
  const title = p.title ?? `HTTP ${status}`;
  const detail = p.detail ?? (typeof body === 'string' ? body : '');
  const details = (p.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  if (hint) details.push(hint);
  return new CliFailure(detail ? `${title}: ${detail}` : title, details, EXIT.failed, body ?? { status });
}

const AUTH_HINT =
  'the API token is not accepted: create a new one and run `gnm login --token …` again (or set GNM_TOKEN)';

/** The API client of one logged-in connection. */
export class Api {
  constructor(readonly conn: Connection) {}

  private verify(): Verify {
    return { pin: this.conn.tlsPin, plain: this.conn.devPlainHttp };
  }

  async request<T = unknown>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    o: Omit<RequestOptions, 'token'> = {},
  ): Promise<T> {
    const payload = o.body ?? (body !== undefined ? Buffer.from(JSON.stringify(body)) : undefined);
    const { url } = this.conn;
    let status: number;
    let raw: Buffer;
    try {
      const { res } = await open(url, this.verify(), method, path, {
        ...o,
        body: payload,
        token: this.conn.token,
      });
      status = res.statusCode ?? 0;
      raw = await readBody(res);
    } catch (e) {
      throw classify(e, url, this.conn.tlsPin);
    }
    const json = parseJson(raw);
    if (status >= 400)
      throw problemFailure(status, json ?? raw.toString('utf8'), status === 401 ? AUTH_HINT : undefined);
    if (status === 204) return undefined as T;
    if (json === undefined)
      throw new CliFailure(`unexpected answer from ${url}${path} (HTTP ${status}, not JSON)`, [
        'is this URL a Gonka Node Manager control plane?',
      ]);
    return json as T;
  }

  /**
   * Follows a Server-Sent Events stream, calling `onMessage` for each message; resolves when the server
   * ends the stream. An error answer (before the stream starts) throws its problem.
   */
  async stream(path: string, onMessage: (m: SseMessage) => void): Promise<void> {
    const { url } = this.conn;
    try {
      const { res } = await open(url, this.verify(), 'GET', path, {
        token: this.conn.token,
        accept: 'text/event-stream',
        // The control plane writes a keep-alive comment every 15 s.
        timeoutMs: 60_000,
      });
      const status = res.statusCode ?? 0;
      if (status >= 400) {
        const raw = await readBody(res);
        throw problemFailure(
          status,
          parseJson(raw) ?? raw.toString('utf8'),
          status === 401 ? AUTH_HINT : undefined,
        );
      }
      const parser = new SseParser();
      res.setEncoding('utf8');
      await new Promise<void>((resolve, reject) => {
        res.on('data', (chunk: string) => {
          try {
            for (const m of parser.push(chunk)) onMessage(m);
          } catch (e) {
            res.destroy();
            reject(e as Error);
          }
        });
        res.on('end', resolve);
        res.on('error', reject);
        res.on('aborted', () =>
          reject(Object.assign(new Error('the stream was cut'), { code: 'ECONNRESET' })),
        );
      });
    } catch (e) {
      throw classify(e, url, this.conn.tlsPin);
    }
  }
}

/**
 * An unauthenticated GET, for `gnm login` before anything is trusted: checks the pin when given,
 * otherwise checks nothing and reports the key the server presented. Never carries a token.
 */
export async function publicGet(
  base: string,
  pin: string | null,
  path: string,
  o: { plain?: boolean } = {},
): Promise<{ status: number; json: unknown; peer: PeerCertificate | null }> {
  const plain = o.plain === true;
  try {
    const { res, peer } = await open(base, pin ? { pin, plain } : { unverified: true, plain }, 'GET', path);
    const raw = await readBody(res, 1024 * 1024);
    return { status: res.statusCode ?? 0, json: parseJson(raw), peer };
  } catch (e) {
    throw classify(e, base, pin);
  }
}
