import { outboundPolicy, type OutboundPolicy } from '@gnm/protocol/outbound';

/**
 * Where this agent goes on a user's word (net.check targets, the seed URLs of a node's
 * configuration): the host's own setting, GNM_AGENT_OUTBOUND_ALLOW, never the control plane's, which
 * may be compromised. Default `private`: attachments join hosts on a private network by design, and
 * a seed is often on one. Loopback and link-local (this host's own services, other containers'
 * published ports) only when the operator lists them; metadata addresses never.
 */
export const AGENT_OUTBOUND_DEFAULT = 'private';

export function agentOutboundPolicy(env: NodeJS.ProcessEnv = process.env): OutboundPolicy {
  return outboundPolicy(env.GNM_AGENT_OUTBOUND_ALLOW ?? AGENT_OUTBOUND_DEFAULT);
}
