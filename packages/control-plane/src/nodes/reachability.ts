import net from 'node:net';

export interface Reachability {
  publicUrl: { url: string; ok: boolean; detail: string };
  p2p: { address: string; ok: boolean; detail: string };
}

/**
 * Checks, from the control plane (outside the host), that the node's PUBLIC_URL answers the public
 * API and that its P2P port accepts connections, before registration writes the URL on chain:
 * changing it later costs a cold-key transaction.
 */
export async function checkReachable(
  publicUrl: string,
  p2pAddress: string,
  timeoutMs = 5000,
): Promise<Reachability> {
  const [api, p2p] = await Promise.all([checkApi(publicUrl, timeoutMs), checkTcp(p2pAddress, timeoutMs)]);
  return { publicUrl: { url: publicUrl, ...api }, p2p: { address: p2pAddress, ...p2p } };
}

async function checkApi(publicUrl: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  const url = `${publicUrl.replace(/\/+$/, '')}/v1/status`;
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (r.status !== 200)
      return {
        ok: false,
        detail: `${url} answered ${r.status}: is the proxy running and the node's API up?`,
      };
    await r.json();
    return { ok: true, detail: `${url} answers` };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    return {
      ok: false,
      detail: `${url} did not answer (${cause}): open or forward the API port to this host, and check the public address`,
    };
  }
}

function checkTcp(address: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(address);
  if (!m?.[1] || !m[2]) return Promise.resolve({ ok: false, detail: `${address} is not tcp://host:port` });
  const [host, port] = [m[1], Number(m[2])];
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean, detail: string) => {
      s.destroy();
      resolve({ ok, detail });
    };
    s.setTimeout(timeoutMs, () =>
      done(
        false,
        `${host}:${port} did not accept a connection within ${timeoutMs / 1000} s: open or forward the P2P port (host port 5000)`,
      ),
    );
    s.on('connect', () => done(true, `${host}:${port} accepts connections`));
    s.on('error', (e: NodeJS.ErrnoException) =>
      done(
        false,
        `${host}:${port} refused (${e.code ?? e.message}): open or forward the P2P port (host port 5000)`,
      ),
    );
  });
}
