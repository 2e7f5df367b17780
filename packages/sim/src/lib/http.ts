import http from 'node:http';

/**
 * A small JSON-over-HTTP toolkit for the sim's servers. The sim deliberately depends on nothing of the
 * product (it must not share the product's Gonka schemas), and on no HTTP framework, so its single
 * bundled file stays small.
 */
export interface Req {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  body: unknown;
  rawBody: string;
  remoteAddress: string;
  headers: http.IncomingHttpHeaders;
}

export interface Res {
  status: number;
  body?: unknown;
  /** Send this text as is (with its content type) instead of JSON. */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (req: Req) => Promise<Res> | Res;

interface Route {
  method: string;
  re: RegExp;
  keys: string[];
  handler: Handler;
}

export class Router {
  private routes: Route[] = [];
  private fallbackHandler: Handler | undefined;

  /** Adds a route; `:name` matches one segment, `*name` matches the rest of the path. */
  on(method: string, pattern: string, handler: Handler): this {
    const keys: string[] = [];
    const re = new RegExp(
      '^' +
        pattern
          .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
          .replace(/\/:([a-zA-Z_]+)/g, (_m, k: string) => {
            keys.push(k);
            return '/([^/]+)';
          })
          .replace(/\/\*([a-zA-Z_]+)/g, (_m, k: string) => {
            keys.push(k);
            return '/(.*)';
          }) +
        '/?$',
    );
    this.routes.push({ method, re, keys, handler });
    return this;
  }
  get(p: string, h: Handler): this {
    return this.on('GET', p, h);
  }
  post(p: string, h: Handler): this {
    return this.on('POST', p, h);
  }
  put(p: string, h: Handler): this {
    return this.on('PUT', p, h);
  }
  delete(p: string, h: Handler): this {
    return this.on('DELETE', p, h);
  }
  fallback(h: Handler): this {
    this.fallbackHandler = h;
    return this;
  }

  async handle(req: Req): Promise<Res> {
    let methodMismatch = false;
    for (const r of this.routes) {
      const m = r.re.exec(req.path);
      if (!m) continue;
      if (r.method !== req.method && r.method !== 'ANY') {
        methodMismatch = true;
        continue;
      }
      r.keys.forEach((k, i) => (req.params[k] = decodeURIComponent(m[i + 1] ?? '')));
      return r.handler(req);
    }
    if (this.fallbackHandler) return this.fallbackHandler(req);
    return methodMismatch
      ? { status: 405, body: { message: 'Method Not Allowed' } }
      : { status: 404, body: { message: 'Not Found' } };
  }
}

export function readBody(req: http.IncomingMessage, limit = 64 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function send(res: http.ServerResponse, r: Res): void {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let payload: string;
  if (r.text !== undefined) {
    payload = r.text;
    headers['content-type'] = r.contentType ?? 'text/plain; charset=utf-8';
  } else {
    payload = r.body === undefined ? '' : JSON.stringify(r.body);
    headers['content-type'] = 'application/json; charset=UTF-8';
  }
  res.writeHead(r.status, headers);
  res.end(payload);
}

/** Starts an HTTP server for a router on a port (all interfaces). */
export function serve(port: number, router: Router, name: string, host = '0.0.0.0'): http.Server {
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://sim');
      const raw = await readBody(req);
      let body: unknown = undefined;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          send(res, { status: 400, body: { message: 'invalid JSON body' } });
          return;
        }
      }
      const r = await router.handle({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        params: {},
        body,
        rawBody: raw,
        remoteAddress: req.socket.remoteAddress ?? '',
        headers: req.headers,
      });
      send(res, r);
    } catch (e) {
      log(name, `handler error: ${(e as Error).stack ?? String(e)}`);
      send(res, { status: 500, body: { message: (e as Error).message } });
    }
  });
  server.listen(port, host, () => log(name, `listening on ${host}:${port}`));
  return server;
}

export function log(who: string, msg: string): void {
  process.stdout.write(`${new Date().toISOString()} [${who}] ${msg}\n`);
}

export interface FetchResult {
  status: number;
  body: unknown;
  text: string;
}

/** HTTP request with a timeout; status 0 means unreachable. */
export async function request(
  method: string,
  url: string,
  body?: unknown,
  timeoutMs = 5000,
): Promise<FetchResult> {
  const ctl = new AbortController();
  const t = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const r = await fetch(url, {
      method,
      signal: ctl.signal,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: r.status, body: parsed, text };
  } catch (e) {
    return { status: 0, body: undefined, text: (e as Error).message };
  } finally {
    clearTimeout(t);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
