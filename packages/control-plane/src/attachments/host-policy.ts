import type { FirewallPolicy } from '@gnm/protocol';

/**
 * What the attachments of a host mean for it, pure: its firewall policy and the bind values its next
 * deploy carries. The secure layout of issue #8 (reference §11.2 CASE 2):
 *
 * - an attached ML host publishes 8080 (PORT) and 5050 (INFERENCE_PORT) on the address chosen for it,
 *   and only its network node's address may reach them;
 * - the network host publishes the DAPI ML callback 9100 on the address its ML nodes reach it at, and
 *   only those ML hosts may reach it; 9200 (Admin API) and 26657 (CometBFT RPC) from nobody outside,
 *   whatever they are bound to; the callback URL the DAPI hands its ML nodes is that address.
 */
export interface ActiveAttachment {
  id: string;
  networkHostId: string;
  mlHostId: string;
  networkAddress: string;
  mlAddress: string;
  callbackUrl: string;
  /** The ML node's published ports (its PORT and INFERENCE_PORT values). */
  mlPorts: { poc: number; inference: number };
}

export const CALLBACK_PORT = 9100;

export function mlPortsOf(extraValues: Record<string, string> | undefined): {
  poc: number;
  inference: number;
} {
  return {
    poc: Number(extraValues?.PORT ?? 8080) || 8080,
    inference: Number(extraValues?.INFERENCE_PORT ?? 5050) || 5050,
  };
}

/** The firewall policy of a host from the attachments it takes part in; null when it takes part in none. */
export function hostPolicy(hostId: string, active: ActiveAttachment[]): FirewallPolicy | null {
  const asMl = active.filter((a) => a.mlHostId === hostId);
  const asNetwork = active.filter((a) => a.networkHostId === hostId);
  if (!asMl.length && !asNetwork.length) return null;
  const rules: FirewallPolicy['rules'] = [];
  const seen = new Set<number>();
  for (const a of asMl) {
    for (const [port, what] of [
      [a.mlPorts.poc, 'ML node API'],
      [a.mlPorts.inference, 'ML node inference'],
    ] as const) {
      if (seen.has(port)) continue;
      seen.add(port);
      const from = [...new Set(asMl.map((x) => x.networkAddress))];
      rules.push({ port, protocol: 'tcp', allowFrom: from, purpose: `${what} (network node only)` });
    }
  }
  if (asNetwork.length) {
    rules.push({
      port: CALLBACK_PORT,
      protocol: 'tcp',
      allowFrom: [...new Set(asNetwork.map((a) => a.mlAddress))].sort(),
      purpose: 'DAPI ML callback (attached ML nodes only)',
    });
    for (const [port, what] of [
      [9200, 'DAPI Admin API (nobody)'],
      [26657, 'CometBFT RPC (nobody)'],
    ] as const)
      if (!seen.has(port)) rules.push({ port, protocol: 'tcp', allowFrom: [], purpose: what });
  }
  return { rules };
}

/** Bundle values a node's deploy carries because of its attachments (none: the product's defaults). */
export function bindingValues(
  node: { hostId: string; role: 'network' | 'mlnode' | 'full' },
  active: ActiveAttachment[],
): Record<string, string> {
  if (node.role === 'mlnode') {
    const a = active.find((x) => x.mlHostId === node.hostId);
    return a ? { MLNODE_BIND_ADDRESS: a.mlAddress } : {};
  }
  const a = active.find((x) => x.networkHostId === node.hostId);
  return a ? { DAPI_CALLBACK_BIND_ADDRESS: a.networkAddress, DAPI_API__POC_CALLBACK_URL: a.callbackUrl } : {};
}

/** Private (RFC 1918, CGNAT, link-local, ULA) or loopback: the addresses ML traffic should use. */
export function isPrivateAddress(a: string): boolean {
  if (a.includes(':')) return /^(fc|fd)/i.test(a) || /^fe80:/i.test(a) || a === '::1';
  const o = a.split('.').map(Number);
  const [x = -1, y = -1] = o;
  return (
    x === 10 ||
    x === 127 ||
    (x === 172 && y >= 16 && y <= 31) ||
    (x === 192 && y === 168) ||
    (x === 100 && y >= 64 && y <= 127) ||
    (x === 169 && y === 254)
  );
}
