import { controlPlaneTransport, type Transport } from '@gnm/protocol';

/** How the operator allows plain HTTP on the agent's side; named in every refusal. */
export const AGENT_PLAIN_FLAG =
  '--dev-plain-http to `gnm-agent enroll` (or GNM_AGENT_DEV_PLAIN_HTTP=1); an agent enrolled with it keeps the flag in its state';

/** `GNM_AGENT_DEV_PLAIN_HTTP`: only `1` or `true` turn it on (an empty or `0` value does not). */
export function agentPlainHttpFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.GNM_AGENT_DEV_PLAIN_HTTP?.trim().toLowerCase();
  return v === '1' || v === 'true';
}

/**
 * The one transport decision for everything the agent sends to the control plane (enrollment, the
 * link, bundle downloads): pinned TLS for https, plain only for http with the agent's own flag.
 */
export function agentTransport(url: string, c: { tlsPin: string | null; devPlainHttp?: boolean }): Transport {
  return controlPlaneTransport(url, {
    tlsPin: c.tlsPin,
    devPlainHttp: c.devPlainHttp === true,
    allowWith: AGENT_PLAIN_FLAG,
  });
}

export const PLAIN_WARNING =
  'DEVELOPMENT MODE: this agent talks to its control plane over PLAIN HTTP — no TLS, no key pin; anyone on the network path can read and change its traffic. Never use this on a real host.';
