/**
 * Protocol versions. The control plane speaks the current and the previous version; an agent offers
 * every version it speaks in its hello and the highest common one is used.
 */
export const PROTOCOL_VERSION = 1;
export const SUPPORTED_VERSIONS: readonly number[] = [PROTOCOL_VERSION];

export type Negotiation = { ok: true; version: number } | { ok: false; message: string };

export function negotiateVersion(
  offered: readonly number[],
  supported: readonly number[] = SUPPORTED_VERSIONS,
): Negotiation {
  const common = offered.filter((v) => supported.includes(v));
  if (common.length) return { ok: true, version: Math.max(...common) };
  const newest = Math.max(...supported);
  const agentNewest = offered.length ? Math.max(...offered) : 0;
  return {
    ok: false,
    message:
      agentNewest < newest
        ? `this agent speaks protocol ${offered.join(', ') || 'none'}, the control plane needs ${supported.join(' or ')}: upgrade the agent (re-run the install command shown for this host)`
        : `this agent speaks protocol ${offered.join(', ')}, newer than the control plane (${supported.join(', ')}): upgrade the control plane first`,
  };
}
