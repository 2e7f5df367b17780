import type { AllowedModel } from './allowed-models.js';
import type { ProbedGpu } from './gpu-catalog.js';
import { fmtGiB, summarizeHardware, type Hardware } from './hardware.js';
import { chooseMlnodeImage, type MlnodeImages } from './mlnode-image.js';
import { modelFacts, type KvCacheDtype } from './model-catalog.js';
import { MAX_CONCURRENT, planModel, type Plan } from './plan.js';

/**
 * The serving-config recommender (issue #7): from the probed GPUs and the models the chain allows now,
 * the model, tensor-parallel size, memory utilisation, context, KV-cache dtype, ML node image and
 * max_concurrent, each with a one-line reason for the operator. "Not viable on this hardware" is an
 * answer, with the reason for every allowed model.
 *
 * Choice among the models that fit: a model with an official profile for this very card first (tested
 * by the Gonka team on it), then the largest model (big hosts serve what small hosts cannot).
 */

export interface RecommendInput {
  gpus: readonly ProbedGpu[];
  /** All GPU pairs joined by NVLink (`nvidia-smi topo -m`); unknown: assumed for data-centre boards. */
  nvlink?: boolean;
  /** What the chain allows now (`fetchAllowedModels` / `allowedModelsFrom`), or plain ids. */
  allowedModels: readonly (string | AllowedModel)[];
  /** The bundle's ML node image(s); default: the official v0.2.14 image. */
  mlnodeImage?: string | MlnodeImages;
}

export interface Reason {
  field: string;
  value: string;
  reason: string;
}

export interface ServingChoice {
  model: string;
  tensorParallelSize: number;
  /** vLLM instances the ML node starts: floor(GPUs / TP). */
  instances: number;
  gpuMemoryUtilization: number;
  maxModelLen: number;
  kvCacheDtype: KvCacheDtype;
  maxConcurrent: number;
  /** node-config.json `models.<id>.args`. */
  args: string[];
  /** Size of the weights in GB (the disk-space check before the download). */
  sizeGb: number;
  /** The official node-config profile used as is, when there is one for this card. */
  officialProfile?: string;
}

export interface ServingRecommendation extends ServingChoice {
  viable: true;
  mlnodeImage: string;
  reasons: Reason[];
  /** Other allowed models that also fit, best first. */
  alternatives: (ServingChoice & { reasons: Reason[] })[];
  /** Allowed models that do not fit, each with why. */
  notViable: { model: string; reason: string }[];
}

export interface NotViable {
  viable: false;
  /** "not viable on this hardware: …" with the reason for each allowed model. */
  reason: string;
  notViable: { model: string; reason: string }[];
}

export type Recommendation = ServingRecommendation | NotViable;

export function normalizeAllowed(list: readonly (string | AllowedModel)[]): AllowedModel[] {
  const seen = new Set<string>();
  const out: AllowedModel[] = [];
  for (const m of list) {
    const a = typeof m === 'string' ? { id: m } : m;
    if (!a.id || seen.has(a.id)) continue;
    seen.add(a.id);
    out.push(a);
  }
  return out;
}

export function recommendServing(input: RecommendInput): Recommendation {
  const hw = summarizeHardware(input.gpus, input.nvlink);
  if (!hw)
    return {
      viable: false,
      reason:
        'not viable on this hardware: the probe found no NVIDIA GPU; this host can run a network node only',
      notViable: [],
    };
  const allowed = normalizeAllowed(input.allowedModels);
  if (!allowed.length)
    return {
      viable: false,
      reason: 'not viable: the chain allows no model right now (GET /v1/models is empty)',
      notViable: [],
    };
  const image = chooseMlnodeImage(input.mlnodeImage, hw.spec.architecture);

  const fits: Plan[] = [];
  const notViable: { model: string; reason: string }[] = [];
  for (const a of allowed) {
    const facts = modelFacts(a.id);
    if (!facts) {
      notViable.push({
        model: a.id,
        reason:
          'no facts known for this model (not in the recommender catalog); set its serving values by hand',
      });
      continue;
    }
    const r = planModel(facts, a, hw, image.image);
    if (r.ok) fits.push(r.plan);
    else notViable.push({ model: a.id, reason: r.reason });
  }
  if (!fits.length)
    return {
      viable: false,
      reason: `not viable on this hardware (${hw.describe}): ${notViable.map((n) => `${n.model}: ${n.reason}`).join('; ')}`,
      notViable,
    };

  fits.sort(
    (a, b) =>
      Number(b.profile?.exact ?? false) - Number(a.profile?.exact ?? false) ||
      b.facts.weightsGiB - a.facts.weightsGiB,
  );
  const [best, ...rest] = fits as [Plan, ...Plan[]];
  const choice = (p: Plan): ServingChoice => ({
    model: p.facts.id,
    tensorParallelSize: p.tensorParallelSize,
    instances: p.instances,
    gpuMemoryUtilization: p.gpuMemoryUtilization,
    maxModelLen: p.maxModelLen,
    kvCacheDtype: p.kvCacheDtype,
    maxConcurrent: MAX_CONCURRENT,
    args: p.args,
    sizeGb: Math.round(p.facts.weightsGiB * 1.073741824),
    ...(p.profile?.exact ? { officialProfile: p.profile.source } : {}),
  });
  const exactCount = fits.filter((p) => p.profile?.exact).length;
  const why = (p: Plan, chosen: boolean): string => {
    const card = hw.spec.label;
    if (p.profile?.exact)
      return (
        `official profile for ${card}` +
        (chosen && exactCount > 1 ? '; the largest allowed model with one' : '')
      );
    if (!chosen) return `fits by memory; no official profile for ${card}`;
    return fits.length > 1
      ? `the largest allowed model that fits; no official profile for ${card}`
      : `the only allowed model that fits; no official profile for ${card}`;
  };
  return {
    viable: true,
    ...choice(best),
    mlnodeImage: image.image,
    reasons: [
      ...planReasons(best, hw, why(best, true), rest),
      { field: 'mlnodeImage', value: image.image, reason: image.reason },
    ],
    alternatives: rest.map((p) => ({ ...choice(p), reasons: planReasons(p, hw, why(p, false), []) })),
    notViable,
  };
}

/** The one-line reasons of a plan, in the order an operator reads a node-config entry. */
export function planReasons(p: Plan, hw: Hardware, whyModel: string, others: readonly Plan[]): Reason[] {
  const f = p.facts;
  const tpMem = p.tensorParallelSize * hw.memGiB;
  const mixed = hw.mixed ? '; mixed GPUs: sized by the smallest card' : '';
  const reasons: Reason[] = [
    {
      field: 'model',
      value: f.id,
      reason:
        `allowed by the chain now; ${whyModel}` +
        (others.length ? `; also fits: ${others.map((o) => o.facts.label).join(', ')}` : '') +
        mixed,
    },
    {
      field: 'tensorParallelSize',
      value: String(p.tensorParallelSize),
      reason:
        `${p.tensorParallelSize} × ${fmtGiB(hw.memGiB)} GiB = ${fmtGiB(tpMem)} GiB at ${p.gpuMemoryUtilization.toFixed(2)} ` +
        `holds ${f.label}'s weights (${f.weightsNote} = ${fmtGiB(f.weightsGiB)} GiB) with ${fmtGiB(p.freeGiB)} GiB ` +
        `left for KV cache; ${p.instances} vLLM instance${p.instances === 1 ? '' : 's'} on ${hw.count} GPU${hw.count === 1 ? '' : 's'}` +
        (p.tensorParallelSize > 1 && !hw.nvlink
          ? '; no NVLink: tensor parallelism runs over PCIe, slower'
          : ''),
    },
    {
      field: 'gpuMemoryUtilization',
      value: p.gpuMemoryUtilization.toFixed(2),
      reason:
        `${p.profile ? `as in ${p.profile.source}` : `${f.label}'s default`}; ` +
        'never 0.99, which leaves no room for activations and OOMs under load',
    },
    {
      field: 'maxModelLen',
      value: String(p.maxModelLen),
      reason: `the context the official ${f.label} profiles serve (model limit ${f.contextMax})`,
    },
    {
      field: 'kvCacheDtype',
      value: p.kvCacheDtype,
      reason: kvReason(p, hw),
    },
    {
      field: 'maxConcurrent',
      value: String(MAX_CONCURRENT),
      reason:
        "the official examples' value: DAPI's routing-queue ceiling for this ML node, not the GPU batch size",
    },
  ];
  if (p.revision)
    reasons.push({
      field: 'revision',
      value: p.revision,
      reason:
        'the Hugging Face commit pinned for this model, so the ML node loads the weights validators expect',
    });
  reasons.push({
    field: 'args',
    value: p.args.join(' '),
    reason:
      (p.profile
        ? `${f.label}'s flags from ${p.profile.source}`
        : `${f.label}'s own flags (parsers, remote code)`) +
      (f.moe
        ? '; no --quantization: the MoE weights ship quantized and fp8 quantization breaks MoE layers'
        : ''),
  });
  return reasons;
}

function kvReason(p: Plan, hw: Hardware): string {
  if (p.kvCacheDtype === 'auto')
    return hw.spec.fp8
      ? `the model's dtype, as ${p.profile ? p.profile.source : 'its profiles'} set it`
      : `the model's dtype: ${hw.spec.label} (compute capability ${hw.cc.toFixed(1)}) has no FP8 tensor cores`;
  if (hw.spec.fp8)
    return `FP8 halves the KV cache, leaving room for more sequences; ${hw.spec.label} has FP8 tensor cores (compute capability ${hw.cc.toFixed(1)})`;
  return (
    `FP8 as the official ${p.profile?.cls ?? ''} profile sets it: ${hw.spec.label} has no FP8 tensor cores, ` +
    'so vLLM stores the cache in FP8 and computes in 16 bits, halving its size'
  );
}
