import type { AllowedModel } from './allowed-models.js';
import type { ProfileClass } from './gpu-catalog.js';
import { fmtGiB, type Hardware } from './hardware.js';
import { mlnodeVersion, versionAtLeast } from './mlnode-image.js';
import type { KvCacheDtype, ModelFacts, ServingProfile } from './model-catalog.js';
import { buildVllmArgs, managedValues, unmanagedArgs, type ManagedValues } from './vllm-args.js';

/**
 * How one allowed model would be served on one host, or why it cannot be. Pure arithmetic over the
 * catalogs: an official profile for the card is taken as is; otherwise the smallest tensor-parallel
 * size whose memory holds the weights plus the model's KV headroom, with the tuning flags of the
 * nearest official profile of the same architecture.
 */

/** DAPI's routing-queue ceiling per ML node in every official example; not the GPU batch size. */
export const MAX_CONCURRENT = 500;

/** Memory utilisation bounds: 0.99 OOMs under load (operators' reports); below 0.5 wastes the card. */
export const MAX_GPU_MEMORY_UTILIZATION = 0.95;
export const MIN_GPU_MEMORY_UTILIZATION = 0.5;

export interface Plan {
  facts: ModelFacts;
  tensorParallelSize: number;
  instances: number;
  gpuMemoryUtilization: number;
  maxModelLen: number;
  kvCacheDtype: KvCacheDtype;
  revision?: string;
  /** The args the managed values are written into (an official profile's, or the model's own flags). */
  template: string[];
  args: string[];
  /** The official profile used as is, or the one whose flags were borrowed. */
  profile?: { cls: ProfileClass; source: string; exact: boolean };
  /** GiB left per instance for KV cache and activations. */
  freeGiB: number;
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; reason: string };

/** Powers of two up to the GPU count that divide it: the tensor-parallel sizes vLLM and MLNode accept here. */
export function tpCandidates(count: number): number[] {
  const out: number[] = [];
  for (let tp = 1; tp <= count; tp *= 2) if (count % tp === 0) out.push(tp);
  return out;
}

export function usableGiB(hw: Hardware, tp: number, util: number): number {
  return tp * hw.memGiB * util;
}

export function planModel(
  facts: ModelFacts,
  allowed: AllowedModel,
  hw: Hardware,
  mlnodeImage: string,
): PlanResult {
  if (hw.cc < facts.minComputeCapability)
    return {
      ok: false,
      reason: `needs compute capability ${facts.minComputeCapability.toFixed(1)} or newer (${facts.minComputeReason}); ${hw.spec.label} is ${hw.cc.toFixed(1)}`,
    };
  const v = mlnodeVersion(mlnodeImage);
  if (v && !versionAtLeast(v, facts.minMlnodeVersion))
    return {
      ok: false,
      reason: `needs ML node ${facts.minMlnodeVersion} or newer; this bundle runs ${mlnodeImage}`,
    };
  const revision = allowed.hfCommit ?? facts.revision;
  const cls = hw.mixed ? undefined : hw.spec.profileClass;
  const own = cls ? facts.profiles[cls] : undefined;
  const ownValues = own ? profileValues(facts, own) : undefined;
  if (
    cls &&
    own &&
    ownValues &&
    ownValues.tensorParallelSize <= hw.count &&
    hw.count % ownValues.tensorParallelSize === 0
  )
    return {
      ok: true,
      plan: fromValues(
        facts,
        hw,
        own.args,
        { ...ownValues, ...(revision ? { revision } : {}) },
        {
          cls,
          source: own.source,
          exact: true,
        },
      ),
    };

  // No official profile for this card (or its TP does not fit the GPU count): borrow the flags of the
  // architecture's profile and size TP by memory.
  const borrowCls = facts.archProfile[hw.spec.architecture];
  const borrowed = borrowCls ? facts.profiles[borrowCls] : undefined;
  const bv = borrowed ? profileValues(facts, borrowed) : undefined;
  const util = Math.min(
    bv?.gpuMemoryUtilization ?? facts.defaultGpuMemoryUtilization,
    MAX_GPU_MEMORY_UTILIZATION,
  );
  const kv: KvCacheDtype =
    bv?.kvCacheDtype ?? (facts.defaultKvCacheDtype !== 'auto' && hw.spec.fp8 ? 'fp8' : 'auto');
  const tp = tpCandidates(hw.count).find(
    (t) => usableGiB(hw, t, util) - facts.weightsGiB >= facts.headroomGiB,
  );
  if (tp === undefined) {
    const best = usableGiB(hw, hw.count, util);
    return {
      ok: false,
      reason:
        `${hw.count} × ${fmtGiB(hw.memGiB)} GiB = ${fmtGiB(hw.count * hw.memGiB)} GiB ` +
        `(${fmtGiB(best)} GiB usable at ${util.toFixed(2)}); ${facts.label} needs ${fmtGiB(facts.weightsGiB)} GiB ` +
        `of weights (${facts.weightsNote}) + ${facts.headroomGiB} GiB of KV cache at ${facts.servedMaxModelLen} tokens`,
    };
  }
  return {
    ok: true,
    plan: fromValues(
      facts,
      hw,
      borrowed?.args ?? facts.baseArgs,
      {
        tensorParallelSize: tp,
        gpuMemoryUtilization: util,
        maxModelLen: bv?.maxModelLen ?? facts.servedMaxModelLen,
        kvCacheDtype: kv,
        ...(revision ? { revision } : {}),
      },
      borrowCls && borrowed ? { cls: borrowCls, source: borrowed.source, exact: false } : undefined,
    ),
  };
}

/** The managed values of an official profile, with the model's served context where a file omits it. */
export function profileValues(facts: ModelFacts, p: ServingProfile): ManagedValues {
  const v = managedValues(p.args);
  return {
    tensorParallelSize: v.tensorParallelSize ?? 1,
    gpuMemoryUtilization: v.gpuMemoryUtilization ?? facts.defaultGpuMemoryUtilization,
    maxModelLen: v.maxModelLen ?? facts.servedMaxModelLen,
    kvCacheDtype: v.kvCacheDtype ?? 'auto',
  };
}

export { unmanagedArgs };

function fromValues(
  facts: ModelFacts,
  hw: Hardware,
  template: readonly string[],
  v: ManagedValues,
  profile: Plan['profile'],
): Plan {
  return {
    facts,
    tensorParallelSize: v.tensorParallelSize,
    instances: Math.floor(hw.count / v.tensorParallelSize),
    gpuMemoryUtilization: v.gpuMemoryUtilization,
    maxModelLen: v.maxModelLen,
    kvCacheDtype: v.kvCacheDtype,
    ...(v.revision ? { revision: v.revision } : {}),
    template: [...template],
    args: buildVllmArgs(template, v),
    ...(profile ? { profile } : {}),
    freeGiB: usableGiB(hw, v.tensorParallelSize, v.gpuMemoryUtilization) - facts.weightsGiB,
  };
}
