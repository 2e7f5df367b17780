import { OutboundError, fetchForUser, requireSuccess } from '@gnm/protocol/outbound';
import { agentOutboundPolicy } from './outbound-policy.js';

/**
 * A JSON read of the network's seed (its CometBFT RPC through the proxy): the URL is the node
 * configuration's, so it goes through this host's outbound policy, and a failure is a fixed reason
 * (`timeout`, `http-status 5xx`, `refused-by-policy`…), never the seed's body or error text.
 */
export async function seedJson(url: string, signal: AbortSignal, timeoutMs = 5000): Promise<unknown> {
  const res = requireSuccess(
    await fetchForUser(
      url,
      { signal, timeoutMs, headers: { accept: 'application/json' } },
      agentOutboundPolicy(),
    ),
  );
  try {
    return (await res.json()) as unknown;
  } catch {
    throw new OutboundError('bad-answer');
  }
}
