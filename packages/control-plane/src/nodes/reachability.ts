import {
  OutboundError,
  connectTcpForUser,
  describeOutbound,
  fetchForUser,
  requireSuccess,
  toOutboundError,
  type OutboundPolicy,
  type OutboundReason,
} from '@gnm/protocol/outbound';

/** One check's outcome: reachable or not, with a reason from the fixed list and a sentence. */
export interface ReachabilityCheck {
  ok: boolean;
  /** Why not (absent when ok): `refused-by-policy`, `connect-failed`, `timeout`, `http-status 4xx`… */
  reason?: string;
  detail: string;
}

export interface Reachability {
  publicUrl: { url: string } & ReachabilityCheck;
  p2p: { address: string } & ReachabilityCheck;
}

/**
 * Checks, from the control plane (outside the host), that the node's PUBLIC_URL answers the public
 * API and that its P2P port accepts connections, before registration writes the URL on chain:
 * changing it later costs a cold-key transaction. The address is the user's, so both checks go
 * through the outbound policy and say only reachable or not, with a fixed reason.
 */
export async function checkReachable(
  publicUrl: string,
  p2pAddress: string,
  outbound: OutboundPolicy,
  timeoutMs = 5000,
): Promise<Reachability> {
  const [api, p2p] = await Promise.all([
    checkApi(publicUrl, outbound, timeoutMs),
    checkTcp(p2pAddress, outbound, timeoutMs),
  ]);
  return { publicUrl: { url: publicUrl, ...api }, p2p: { address: p2pAddress, ...p2p } };
}

const HINT = {
  api: "open or forward the API port to this host, check the public address, and that the proxy and the node's API are up",
  p2p: 'open or forward the P2P port (host port 5000)',
};

function failed(what: string, e: unknown, hint: string): ReachabilityCheck {
  const err = toOutboundError(e);
  const reason: OutboundReason = err.reason;
  return {
    ok: false,
    reason: err.label,
    detail: `${what} not reachable (${err.label}): ${describeOutbound(reason)}${reason === 'refused-by-policy' ? '' : `; ${hint}`}`,
  };
}

async function checkApi(
  publicUrl: string,
  outbound: OutboundPolicy,
  timeoutMs: number,
): Promise<ReachabilityCheck> {
  const url = `${publicUrl.replace(/\/+$/, '')}/v1/status`;
  try {
    const r = requireSuccess(
      await fetchForUser(url, { timeoutMs, headers: { accept: 'application/json' } }, outbound),
    );
    try {
      await r.json();
    } catch {
      throw new OutboundError('bad-answer');
    }
    return { ok: true, detail: `${url} answers` };
  } catch (e) {
    return failed(url, e, HINT.api);
  }
}

async function checkTcp(
  address: string,
  outbound: OutboundPolicy,
  timeoutMs: number,
): Promise<ReachabilityCheck> {
  const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(address);
  if (!m?.[1] || !m[2])
    return { ok: false, reason: 'bad-answer', detail: `${address} is not tcp://host:port` };
  const [host, port] = [m[1], Number(m[2])];
  try {
    await connectTcpForUser(host, port, outbound, { timeoutMs });
    return { ok: true, detail: `${host}:${port} accepts connections` };
  } catch (e) {
    return failed(`${host}:${port}`, e, HINT.p2p);
  }
}
