import type { Recommendation } from '@gnm/gonka/recommender';
import { describeOutbound, fetchForUser, type OutboundPolicy } from '@gnm/protocol/outbound';
import { DomainError } from '../errors.js';
import type { Serving } from './node-config.js';

/** What the host's last report says about its GPUs (the agent's full probe). */
interface ProbeGpus {
  gpus?: { name: string; memoryMiB: number; computeCapability: string }[];
  nvlink?: { allPairsNvlink: boolean } | null;
}

export type HostRecommendation = Recommendation & {
  allowedModels: { source: 'live' | 'bundle'; ids: string[]; fallbackReason?: string };
};

/**
 * The serving configuration proposed for a host: its probed GPUs against the models the chain allows
 * now, read live from the network's public API (the seed), with the bundle's list as the fallback
 * when the network does not answer (and a fixed reason shown). The seed URL may be the user's: it is
 * read under the outbound policy, and an address the policy refuses is an error, not a fallback.
 */
export async function recommendForHost(
  lastReport: string | null,
  seedApiUrl: string,
  outbound: OutboundPolicy,
): Promise<HostRecommendation> {
  const report = lastReport ? (JSON.parse(lastReport) as { probe?: ProbeGpus }) : null;
  const probe = report?.probe;
  if (!probe?.gpus)
    throw new DomainError(
      'conflict',
      'No probe yet',
      'the host has not reported its GPUs yet: wait for its agent to connect (or run host.probe), then ask again',
    );
  const { fetchAllowedModels, recommendServing } = await import('@gnm/gonka/recommender');
  const allowed = await fetchAllowedModels(seedApiUrl, {
    timeoutMs: 5000,
    fetchImpl: (url, init) => fetchForUser(url, { ...init, timeoutMs: 5000 }, outbound),
  });
  if (allowed.fallbackReason === 'refused-by-policy')
    throw new DomainError(
      'invalid',
      'Seed address refused',
      `the seed API was not asked: refused-by-policy — ${describeOutbound('refused-by-policy')}`,
    );
  const rec = recommendServing({
    gpus: probe.gpus,
    ...(probe.nvlink ? { nvlink: probe.nvlink.allPairsNvlink } : {}),
    allowedModels: allowed.models,
  });
  return {
    ...rec,
    allowedModels: {
      source: allowed.source,
      ids: allowed.models.map((m) => m.id),
      ...(allowed.fallbackReason ? { fallbackReason: allowed.fallbackReason } : {}),
    },
  };
}

/** The node configuration's `serving` from a viable recommendation. */
export function servingOf(rec: HostRecommendation): Serving {
  if (!rec.viable)
    throw new DomainError(
      'invalid',
      'No viable model',
      `${rec.reason}; set serving by hand or deploy a network node only`,
    );
  return {
    model: rec.model,
    args: rec.args,
    maxConcurrent: rec.maxConcurrent,
    sizeGb: rec.sizeGb,
    reasons: rec.reasons.map((r) => ({ field: r.field, value: r.value, reason: r.reason })),
  };
}
