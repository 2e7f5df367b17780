import { z } from 'zod';
import { intish, loose } from '../schemas/common.js';

/**
 * The models the chain allows now. Governance adds and retires PoC models (Qwen3-235B was retired by
 * proposal 78), and DAPI drops a node-config model the chain does not know (reference §3), so the
 * recommender proposes only what `GET /v1/models` lists at the time of asking; the bundle's list is the
 * fallback when the network cannot be reached.
 */

/** One governance model as `GET /v1/models` (and `/v1/governance/models`) lists it (reference §5). */
export const GovernanceModel = loose({
  id: z.string().min(1),
  hf_repo: z.string().optional(),
  hf_commit: z.string().optional(),
  model_args: z.array(z.string()).nullable().optional(),
  v_ram: intish.optional(),
  units_of_compute_per_token: intish.optional(),
  throughput_per_nonce: intish.optional(),
});
export const GovernanceModels = loose({ models: z.array(GovernanceModel).nullable() });
export type GovernanceModels = z.infer<typeof GovernanceModels>;

export interface AllowedModel {
  id: string;
  hfRepo?: string;
  /** The commit the chain pins; served with `--revision` so the ML node loads what validators expect. */
  hfCommit?: string;
  /** The chain's own vLLM args for the model (DAPI merges them with node-config's). */
  modelArgs?: string[];
}

export class AllowedModelsError extends Error {
  override name = 'AllowedModelsError';
}

/**
 * Parses a `/v1/models` body into allowed models. Accepts a plain list of ids too (a bundle's list).
 * Throws AllowedModelsError naming what is wrong, so a caller can fall back to the bundle's list.
 */
export function allowedModelsFrom(body: unknown): AllowedModel[] {
  if (Array.isArray(body) && body.every((x) => typeof x === 'string'))
    return [...new Set(body as string[])].filter(Boolean).map((id) => ({ id }));
  const r = GovernanceModels.safeParse(body);
  if (!r.success)
    throw new AllowedModelsError(
      `not a /v1/models answer: ${r.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; ')}`,
    );
  const seen = new Set<string>();
  const out: AllowedModel[] = [];
  for (const m of r.data.models ?? []) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    out.push({
      id: m.id,
      ...(m.hf_repo ? { hfRepo: m.hf_repo } : {}),
      ...(m.hf_commit ? { hfCommit: m.hf_commit } : {}),
      ...(m.model_args?.length ? { modelArgs: m.model_args } : {}),
    });
  }
  return out;
}

/**
 * The bundle's fallback list: the PoC models active on mainnet in August 2026 (reference §3:
 * MiniMax-M2.7, Kimi-K2.6, DeepSeek-V4-Flash-0731). Used only when the live list cannot be read.
 */
export const BUNDLE_FALLBACK_MODELS: readonly string[] = [
  'MiniMaxAI/MiniMax-M2.7',
  'moonshotai/Kimi-K2.6',
  'deepseek-ai/DeepSeek-V4-Flash-0731',
];

export interface AllowedModelsResult {
  models: AllowedModel[];
  source: 'live' | 'bundle';
  /**
   * Why the bundle's list was used, from a fixed list (`timeout`, `connect-failed`, `http-status 5xx`,
   * `bad-answer`…): never the far side's body or error text, which a user-chosen URL could aim at
   * anything.
   */
  fallbackReason?: string;
}

/** A fixed failure label: an error's own `label` when it is one (the outbound policy's), else a class. */
function failureLabel(e: unknown): string {
  const label = (e as { label?: unknown } | null)?.label;
  if (typeof label === 'string' && /^[a-z]+(-[a-z]+)*( [1-5]xx)?$/.test(label)) return label;
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'connect-failed';
}

/**
 * Reads the allowed models from a Gonka public API (a seed node, or the node's own proxy), falling back
 * to `bundleModels` with a fixed reason when the call fails or the answer is not understood. A caller
 * reaching a URL a user chose passes the outbound policy's fetch as `fetchImpl`.
 */
export async function fetchAllowedModels(
  apiBaseUrl: string,
  opts: {
    bundleModels?: readonly (string | AllowedModel)[];
    timeoutMs?: number;
    fetchImpl?: (
      url: string,
      init: { signal: AbortSignal; headers: Record<string, string> },
    ) => Promise<Response>;
  } = {},
): Promise<AllowedModelsResult> {
  const fallback = (why: string): AllowedModelsResult => ({
    models: (opts.bundleModels ?? BUNDLE_FALLBACK_MODELS).map((m) => (typeof m === 'string' ? { id: m } : m)),
    source: 'bundle',
    fallbackReason: why,
  });
  const url = `${apiBaseUrl.replace(/\/+$/, '')}/v1/models`;
  let res: Response;
  try {
    res = await (opts.fetchImpl ?? fetch)(url, {
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      headers: { accept: 'application/json' },
    });
  } catch (e) {
    return fallback(failureLabel(e));
  }
  if (!res.ok) return fallback(`http-status ${Math.min(5, Math.max(1, Math.floor(res.status / 100)))}xx`);
  try {
    // An empty live list stays empty: proposing the bundle's models then would serve what the chain
    // does not allow.
    return { models: allowedModelsFrom(await res.json()), source: 'live' };
  } catch {
    return fallback('bad-answer');
  }
}
