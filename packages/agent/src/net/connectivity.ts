import http from 'node:http';
import net from 'node:net';
import type { z } from 'zod';
import type { ConnectivityCheck } from '@gnm/protocol';
import type { OperationContext } from '../operations/registry.js';

/**
 * net.check: connectivity from this host, the way the Gonka services will dial — a TCP connect, or a
 * GET of one of the fixed Gonka paths — each with a sentence saying what failed and what it usually
 * means. The agent dials only what the closed schema allows (no free URL, no body, no redirect).
 */
type Check = z.infer<typeof ConnectivityCheck>;

export interface CheckResult {
  id: string;
  target: string;
  ok: boolean;
  ms: number;
  status: number | null;
  /** The error class: refused (nothing listens), unreachable (no route or a firewall rejects), timeout, http. */
  failure: 'refused' | 'unreachable' | 'timeout' | 'http' | 'other' | null;
  detail: string;
}

const TIMEOUT_MS = 5000;

export async function runChecks(
  p: { checks: Check[] },
  ctx: OperationContext,
): Promise<{ results: CheckResult[]; ok: boolean }> {
  const results = await Promise.all(p.checks.map((c) => runCheck(c, ctx.signal)));
  for (const r of results) ctx.emit({ log: `${r.ok ? 'ok' : 'FAIL'} ${r.id} ${r.target}: ${r.detail}` });
  return { results, ok: results.every((r) => r.ok) };
}

export function runCheck(c: Check, signal: AbortSignal): Promise<CheckResult> {
  const host = net.isIP(c.host) === 6 ? `[${c.host}]` : c.host;
  const target = c.kind === 'http' ? `http://${host}:${c.port}${c.path ?? '/'}` : `${host}:${c.port}`;
  const started = Date.now();
  const done = (r: Omit<CheckResult, 'id' | 'target' | 'ms'>): CheckResult => ({
    id: c.id,
    target,
    ms: Date.now() - started,
    ...r,
  });
  return new Promise((resolve) => {
    const fail = (e: NodeJS.ErrnoException) =>
      resolve(done({ ok: false, status: null, ...classify(e, target) }));
    if (c.kind === 'tcp') {
      const s = net.connect({ host: c.host, port: c.port, timeout: TIMEOUT_MS, signal });
      s.once('connect', () => {
        s.destroy();
        resolve(done({ ok: true, status: null, failure: null, detail: 'TCP connect ok' }));
      });
      s.once('timeout', () => {
        s.destroy();
        fail(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
      });
      s.once('error', fail);
      return;
    }
    const req = http.get(
      target,
      { timeout: TIMEOUT_MS, signal, headers: { accept: 'application/json' } },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(
          status >= 200 && status < 300
            ? done({ ok: true, status, failure: null, detail: `answered ${status}` })
            : done({
                ok: false,
                status,
                failure: 'http',
                detail: `answered ${status}: the service is reached but not ready (see its logs)`,
              }),
        );
      },
    );
    req.once('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.once('error', fail);
  });
}

function classify(e: NodeJS.ErrnoException, target: string): Pick<CheckResult, 'failure' | 'detail'> {
  switch (e.code) {
    case 'ECONNREFUSED':
      return {
        failure: 'refused',
        detail: `connection refused: nothing listens on ${target} (not started, or bound to another address)`,
      };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return {
        failure: 'unreachable',
        detail: `unreachable (${e.code}): no route to the address, or a firewall on the way rejects it`,
      };
    case 'ETIMEDOUT':
      return {
        failure: 'timeout',
        detail: `no answer within ${TIMEOUT_MS / 1000} s: a firewall drops it, the address is wrong, or the host is down`,
      };
    default:
      return { failure: 'other', detail: `${e.code ?? 'error'}: ${e.message}` };
  }
}
