import http from 'node:http';
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import type { DockerApi } from '../compose/docker-api.js';

/**
 * JSON over HTTP to a service of the `join` stack at its address on the compose network: how the
 * agent reaches internal ports (26657, 9000, 9200, 8080) without publishing them. node:http rather
 * than fetch: it is already loaded, undici is not (the idle agent's memory budget).
 */
export async function containerJson(
  docker: DockerApi,
  service: string,
  port: number,
  path: string,
  signal: AbortSignal,
  o: RequestOptions = {},
): Promise<unknown> {
  return requestJson(`http://${await containerAddress(docker, service, signal)}:${port}${path}`, signal, o);
}

/** The address of a running service's container on the compose network. */
export async function containerAddress(
  docker: DockerApi,
  service: string,
  signal: AbortSignal,
): Promise<string> {
  const c = (await docker.inspectProject('join', signal)).find((x) => x.service === service);
  const address = Object.values(c?.addresses ?? {})[0];
  if (!c || c.state !== 'running' || !address)
    throw new Error(`no running ${service} container with an address`);
  return address;
}

export function getJson(url: string, signal: AbortSignal, timeoutMs = 5000): Promise<unknown> {
  return requestJson(url, signal, { timeoutMs });
}

/** A service answered with an error status: not worth retrying as if it were down. */
export class HttpStatusError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${url} answered ${status}: ${body}`);
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  timeoutMs?: number;
  /** Error statuses whose JSON body is still the answer (the ML node's 503 "unhealthy" health). */
  acceptStatus?: number[];
}

/** One JSON request; a status of 400 or more rejects with the status and the start of the body. */
export function requestJson(url: string, signal: AbortSignal, o: RequestOptions = {}): Promise<unknown> {
  const timeoutMs = o.timeoutMs ?? 5000;
  const body = o.body === undefined ? undefined : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: o.method ?? 'GET',
        signal,
        timeout: timeoutMs,
        headers: body
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
          : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 400 && !o.acceptStatus?.includes(res.statusCode ?? 0))
            return reject(new HttpStatusError(url, res.statusCode ?? 0, text.slice(0, 300)));
          try {
            resolve(JSON.parse(text) as unknown);
          } catch {
            reject(new Error(`${url} did not answer JSON`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${url} did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Retries `probe` every second until it resolves, the deadline passes (a failure naming the last error) or the task ends. */
export async function waitFor<T>(
  ctx: OperationContext,
  ms: number,
  what: string,
  probe: () => Promise<T>,
): Promise<T> {
  const end = Date.now() + ms;
  let last = '';
  for (;;) {
    try {
      return await probe();
    } catch (e) {
      last = (e as Error).message;
    }
    if (ctx.signal.aborted) throw new OperationFailure('cancelled', `${what}: the task was cancelled`);
    if (Date.now() > end)
      throw new OperationFailure(
        'not-ready',
        `${what} within ${Math.round(ms / 1000)} s (last error: ${last}); its logs: gnm-agent logs <service> on the host`,
      );
    await new Promise((r) => setTimeout(r, 1000));
  }
}
