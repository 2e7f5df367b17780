import { fmtGiB, summarizeHardware } from './hardware.js';
import { chooseMlnodeImage } from './mlnode-image.js';
import { KV_CACHE_DTYPES, modelFacts, type KvCacheDtype } from './model-catalog.js';
import {
  MAX_CONCURRENT,
  MAX_GPU_MEMORY_UTILIZATION,
  MIN_GPU_MEMORY_UTILIZATION,
  planModel,
  profileValues,
  tpCandidates,
  unmanagedArgs,
  usableGiB,
  type Plan,
} from './plan.js';
import {
  normalizeAllowed,
  planReasons,
  recommendServing,
  type RecommendInput,
  type ServingRecommendation,
} from './recommend.js';
import { buildVllmArgs, MANAGED_FLAGS, quantizesFp8 } from './vllm-args.js';

/**
 * Operator overrides of a recommendation. Each one is checked against the same facts the recommender
 * uses, and a refusal names the field and what to do instead: a wrong value here becomes an ML node
 * that OOMs or never loads, found only hours later as lost weight.
 */
export interface ServingOverrides {
  model?: string;
  tensorParallelSize?: number;
  gpuMemoryUtilization?: number;
  maxModelLen?: number;
  kvCacheDtype?: string;
  maxConcurrent?: number;
  /** Replaces the profile's other flags (parsers, backends, batch tuning). */
  extraArgs?: string[];
}

export interface OverrideError {
  field: string;
  message: string;
}

interface Resolved {
  errors: OverrideError[];
  plan?: Plan;
  base?: Plan;
}

function resolve(input: RecommendInput, o: ServingOverrides): Resolved {
  const errors: OverrideError[] = [];
  const err = (field: string, message: string): Resolved => ({ errors: [...errors, { field, message }] });
  const hw = summarizeHardware(input.gpus, input.nvlink);
  if (!hw) return err('gpus', 'the probe found no NVIDIA GPU: an ML node cannot run on this host');
  const allowed = normalizeAllowed(input.allowedModels);

  let model = o.model;
  if (model === undefined) {
    const rec = recommendServing(input);
    if (!rec.viable) return err('model', `name a model: nothing allowed fits by default (${rec.reason})`);
    model = rec.model;
  }
  const entry = allowed.find((a) => a.id === model);
  if (!entry)
    return err(
      'model',
      `${model} is not allowed by the chain now (GET /v1/models); choose one of: ${allowed.map((a) => a.id).join(', ') || '(none)'}`,
    );
  const facts = modelFacts(model);
  if (!facts)
    return err(
      'model',
      `no facts known for ${model}, so its settings cannot be checked; the recommender catalog needs an entry first`,
    );
  const image = chooseMlnodeImage(input.mlnodeImage, hw.spec.architecture).image;
  const planned = planModel(facts, entry, hw, image);
  if (!planned.ok && (hw.cc < facts.minComputeCapability || /ML node/.test(planned.reason)))
    return err('model', `${facts.label} cannot run here: ${planned.reason}`);
  const base = planned.ok ? planned.plan : undefined;

  const tp = o.tensorParallelSize ?? base?.tensorParallelSize ?? hw.count;
  const util = o.gpuMemoryUtilization ?? base?.gpuMemoryUtilization ?? facts.defaultGpuMemoryUtilization;
  const maxModelLen = o.maxModelLen ?? base?.maxModelLen ?? facts.servedMaxModelLen;
  const kv = o.kvCacheDtype ?? base?.kvCacheDtype ?? 'auto';
  const extraArgs = o.extraArgs ?? (base ? unmanagedArgs(base.template) : facts.baseArgs);

  if (!Number.isInteger(tp) || tp < 1)
    errors.push({ field: 'tensorParallelSize', message: `must be a whole number ≥ 1, got ${tp}` });
  else if ((tp & (tp - 1)) !== 0 || tp > hw.count || hw.count % tp !== 0)
    errors.push({
      field: 'tensorParallelSize',
      message: `${tp} is not usable on ${hw.count} GPU${hw.count === 1 ? '' : 's'}: it must be a power of two that divides the GPU count (one of ${tpCandidates(hw.count).join(', ')})`,
    });

  if (typeof util !== 'number' || !Number.isFinite(util))
    errors.push({ field: 'gpuMemoryUtilization', message: 'must be a number in (0.5, 0.95]' });
  else if (util > MAX_GPU_MEMORY_UTILIZATION)
    errors.push({
      field: 'gpuMemoryUtilization',
      message: `${util} leaves no room for activations and CUDA graphs${util >= 0.99 ? ' (0.99 is the value operators report OOMing under load)' : ''}; use at most ${MAX_GPU_MEMORY_UTILIZATION}`,
    });
  else if (util <= MIN_GPU_MEMORY_UTILIZATION)
    errors.push({
      field: 'gpuMemoryUtilization',
      message: `${util} leaves most of the memory unused; use a value above ${MIN_GPU_MEMORY_UTILIZATION} (${facts.label}'s profiles use ${facts.defaultGpuMemoryUtilization})`,
    });

  if (!Number.isInteger(maxModelLen) || maxModelLen < 1)
    errors.push({
      field: 'maxModelLen',
      message: `must be a positive whole number of tokens, got ${maxModelLen}`,
    });
  else if (maxModelLen > facts.contextMax)
    errors.push({
      field: 'maxModelLen',
      message: `${maxModelLen} exceeds ${facts.label}'s context limit of ${facts.contextMax} tokens; the network serves ${facts.servedMaxModelLen}`,
    });

  if (!(KV_CACHE_DTYPES as readonly string[]).includes(kv))
    errors.push({ field: 'kvCacheDtype', message: `"${kv}" is not one of ${KV_CACHE_DTYPES.join(', ')}` });
  else if (kv !== 'auto' && !hw.spec.fp8) {
    // FP8 KV cache without FP8 tensor cores only where an official profile of this architecture uses it
    // (MiniMax-M2.7 on A100): vLLM then stores FP8 and computes in 16 bits, as tested there.
    const cls = facts.archProfile[hw.spec.architecture];
    const profile = cls ? facts.profiles[cls] : undefined;
    if (!profile || profileValues(facts, profile).kvCacheDtype === 'auto')
      errors.push({
        field: 'kvCacheDtype',
        message: `${kv} needs FP8 support (compute capability 8.9 or newer) and no official ${facts.label} profile uses it on ${hw.spec.architecture}; ${hw.spec.label} is ${hw.cc.toFixed(1)}: use auto`,
      });
  }

  if (
    o.maxConcurrent !== undefined &&
    (!Number.isInteger(o.maxConcurrent) || o.maxConcurrent < 1 || o.maxConcurrent > 10_000)
  )
    errors.push({
      field: 'maxConcurrent',
      message: `must be a whole number from 1 to 10000 (the official examples use ${MAX_CONCURRENT})`,
    });

  if (!Array.isArray(extraArgs) || extraArgs.some((a) => typeof a !== 'string'))
    errors.push({ field: 'extraArgs', message: 'must be a list of strings, one vLLM argument each' });
  else {
    for (const flag of MANAGED_FLAGS)
      if (extraArgs.some((a) => a === flag || a.startsWith(`${flag}=`)))
        errors.push({
          field: 'extraArgs',
          message: `${flag} is set by its own field${flag === '--revision' ? ' (the chain pins the revision)' : ''}; remove it from the extra arguments`,
        });
    if (facts.moe && quantizesFp8(extraArgs))
      errors.push({
        field: 'extraArgs',
        message: `--quantization fp8 breaks ${facts.label}'s MoE layers and its weights already ship quantized; remove it`,
      });
  }

  // Fit, with the values as they stand (only meaningful once TP and utilisation are valid).
  if (!errors.some((e) => e.field === 'tensorParallelSize' || e.field === 'gpuMemoryUtilization')) {
    const usable = usableGiB(hw, tp, util);
    const free = usable - facts.weightsGiB;
    // The catalog's headroom is for the served context; scale it with the context asked for, keeping a
    // quarter of it for activations whatever the context.
    const needed = facts.headroomGiB * Math.max(0.25, maxModelLen / facts.servedMaxModelLen);
    if (free < 0) {
      const minTp = tpCandidates(hw.count).find((t) => usableGiB(hw, t, util) > facts.weightsGiB);
      errors.push({
        field: 'tensorParallelSize',
        message:
          `${tp} × ${fmtGiB(hw.memGiB)} GiB at ${util} = ${fmtGiB(usable)} GiB cannot hold ${facts.label}'s ` +
          `${fmtGiB(facts.weightsGiB)} GiB of weights; ` +
          (minTp ? `use tensorParallelSize ${minTp} or more` : `this host cannot hold them at all`),
      });
    } else if (free < needed)
      errors.push({
        field: 'maxModelLen',
        message:
          `${tp} × ${fmtGiB(hw.memGiB)} GiB at ${util} leaves ${fmtGiB(free)} GiB after the weights; ` +
          `${maxModelLen} tokens need about ${fmtGiB(needed)} GiB for KV cache and activations: lower maxModelLen or raise tensorParallelSize`,
      });
  }
  if (errors.length) return { errors };

  const revision = entry.hfCommit ?? facts.revision;
  const plan: Plan = {
    facts,
    tensorParallelSize: tp,
    instances: Math.floor(hw.count / tp),
    gpuMemoryUtilization: util,
    maxModelLen,
    kvCacheDtype: kv as KvCacheDtype,
    ...(revision ? { revision } : {}),
    // Without extra arguments of their own the operator keeps the profile's layout (and its order).
    template: o.extraArgs ? [...o.extraArgs] : (base?.template ?? [...facts.baseArgs]),
    args: buildVllmArgs(o.extraArgs ?? base?.template ?? facts.baseArgs, {
      tensorParallelSize: tp,
      gpuMemoryUtilization: util,
      maxModelLen,
      kvCacheDtype: kv as KvCacheDtype,
      ...(revision ? { revision } : {}),
    }),
    ...(base?.profile ? { profile: { ...base.profile, exact: false } } : {}),
    freeGiB: usableGiB(hw, tp, util) - facts.weightsGiB,
  };
  return { errors: [], plan, ...(base ? { base } : {}) };
}

/** Every problem with the overrides, each naming its field and what to do; empty when they are fine. */
export function validateServingOverrides(
  input: RecommendInput,
  overrides: ServingOverrides,
): OverrideError[] {
  return resolve(input, overrides).errors;
}

/** The recommendation with the operator's overrides applied, or the errors; reasons say what was overridden. */
export function applyServingOverrides(
  input: RecommendInput,
  overrides: ServingOverrides,
): { ok: true; recommendation: ServingRecommendation } | { ok: false; errors: OverrideError[] } {
  const r = resolve(input, overrides);
  const hw = summarizeHardware(input.gpus, input.nvlink);
  if (!r.plan || !hw) return { ok: false, errors: r.errors };
  const p = r.plan;
  const image = chooseMlnodeImage(input.mlnodeImage, hw.spec.architecture);
  const maxConcurrent = overrides.maxConcurrent ?? MAX_CONCURRENT;
  const set: Record<string, unknown> = {
    model: overrides.model,
    tensorParallelSize: overrides.tensorParallelSize,
    gpuMemoryUtilization: overrides.gpuMemoryUtilization,
    maxModelLen: overrides.maxModelLen,
    kvCacheDtype: overrides.kvCacheDtype,
    maxConcurrent: overrides.maxConcurrent,
    args: overrides.extraArgs,
  };
  const base = r.base;
  const recommended: Record<string, string | undefined> = base
    ? {
        model: base.facts.id,
        tensorParallelSize: String(base.tensorParallelSize),
        gpuMemoryUtilization: base.gpuMemoryUtilization.toFixed(2),
        maxModelLen: String(base.maxModelLen),
        kvCacheDtype: base.kvCacheDtype,
        maxConcurrent: String(MAX_CONCURRENT),
        args: base.args.join(' '),
      }
    : {};
  const whyModel = overrides.model ? 'chosen by the operator' : 'the recommended model';
  const reasons = planReasons(p, hw, whyModel, []).map((x) => {
    if (set[x.field] === undefined) return x;
    const value = x.field === 'maxConcurrent' ? String(maxConcurrent) : x.value;
    const rec = recommended[x.field];
    // The memory arithmetic still explains a TP the operator chose; other values are theirs alone.
    const tail = x.field === 'tensorParallelSize' ? `; ${x.reason}` : '';
    return {
      field: x.field,
      value,
      reason: `set by the operator${rec !== undefined && rec !== value ? ` (recommended: ${rec})` : ''}${tail}`,
    };
  });
  return {
    ok: true,
    recommendation: {
      viable: true,
      model: p.facts.id,
      tensorParallelSize: p.tensorParallelSize,
      instances: p.instances,
      gpuMemoryUtilization: p.gpuMemoryUtilization,
      maxModelLen: p.maxModelLen,
      kvCacheDtype: p.kvCacheDtype,
      maxConcurrent,
      args: p.args,
      sizeGb: Math.round(p.facts.weightsGiB * 1.073741824),
      mlnodeImage: image.image,
      reasons: [...reasons, { field: 'mlnodeImage', value: image.image, reason: image.reason }],
      alternatives: [],
      notViable: [],
    },
  };
}
