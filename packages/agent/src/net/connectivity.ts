import net from 'node:net';
import type { z } from 'zod';
import type { ConnectivityCheck } from '@gnm/protocol';
import {
  connectTcpForUser,
  fetchForUser,
  statusClassOf,
  toOutboundError,
  type OutboundError,
  type OutboundPolicy,
} from '@gnm/protocol/outbound';
import type { OperationContext } from '../operations/registry.js';
import { agentOutboundPolicy } from './outbound-policy.js';

/**
 * net.check: connectivity from this host, the way the Gonka services will dial — a TCP connect, or a
 * GET of one of the fixed Gonka paths — each with a sentence saying what failed and what it usually
 * means. The agent dials only what the closed schema allows (no free URL, no body, no redirect), and
 * only where this host's outbound policy lets it (GNM_AGENT_OUTBOUND_ALLOW): the targets come from the
 * control plane, so the answer is a fixed class, never what the far side said.
 */
type Check = z.infer<typeof ConnectivityCheck>;

export interface CheckResult {
  id: string;
  target: string;
  ok: boolean;
  ms: number;
  status: number | null;
  /**
   * The error class: refused (nothing listens), unreachable (no route or a firewall rejects),
   * timeout, http (an error status), policy (this host's outbound policy refuses the address).
   */
  failure: 'refused' | 'unreachable' | 'timeout' | 'http' | 'policy' | 'other' | null;
  detail: string;
}

const TIMEOUT_MS = 5000;

export async function runChecks(
  p: { checks: Check[] },
  ctx: OperationContext,
): Promise<{ results: CheckResult[]; ok: boolean }> {
  const policy = agentOutboundPolicy();
  const results = await Promise.all(p.checks.map((c) => runCheck(c, ctx.signal, policy)));
  for (const r of results) ctx.emit({ log: `${r.ok ? 'ok' : 'FAIL'} ${r.id} ${r.target}: ${r.detail}` });
  return { results, ok: results.every((r) => r.ok) };
}

export async function runCheck(
  c: Check,
  signal: AbortSignal,
  policy: OutboundPolicy = agentOutboundPolicy(),
): Promise<CheckResult> {
  const host = net.isIP(c.host) === 6 ? `[${c.host}]` : c.host;
  const target = c.kind === 'http' ? `http://${host}:${c.port}${c.path ?? '/'}` : `${host}:${c.port}`;
  const started = Date.now();
  const done = (r: Omit<CheckResult, 'id' | 'target' | 'ms'>): CheckResult => ({
    id: c.id,
    target,
    ms: Date.now() - started,
    ...r,
  });
  try {
    if (c.kind === 'tcp') {
      await connectTcpForUser(c.host, c.port, policy, { timeoutMs: TIMEOUT_MS, signal });
      return done({ ok: true, status: null, failure: null, detail: 'TCP connect ok' });
    }
    const res = await fetchForUser(
      target,
      { timeoutMs: TIMEOUT_MS, signal, maxRedirects: 0, headers: { accept: 'application/json' } },
      policy,
    );
    const status = res.status;
    return status >= 200 && status < 300
      ? done({ ok: true, status, failure: null, detail: `answered ${status}` })
      : done({
          ok: false,
          status,
          failure: 'http',
          detail: `answered ${statusClassOf(status)}: the service is reached but not ready (see its logs)`,
        });
  } catch (e) {
    return done({ ok: false, status: null, ...classify(toOutboundError(e), target) });
  }
}

function classify(e: OutboundError, target: string): Pick<CheckResult, 'failure' | 'detail'> {
  if (e.reason === 'refused-by-policy')
    return {
      failure: 'policy',
      detail: `not dialled: this host's outbound policy refuses the address (metadata addresses always; loopback and link-local unless GNM_AGENT_OUTBOUND_ALLOW lists them)`,
    };
  if (e.reason === 'timeout')
    return {
      failure: 'timeout',
      detail: `no answer within ${TIMEOUT_MS / 1000} s: a firewall drops it, the address is wrong, or the host is down`,
    };
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
    default:
      return { failure: 'other', detail: `${e.label}: ${e.message}` };
  }
}
