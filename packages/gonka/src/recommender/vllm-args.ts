import type { KvCacheDtype } from './model-catalog.js';

/**
 * The vLLM argument list of a node-config.json model entry (reference §3: `models.<id>.args`). Built
 * from a template (an official profile's args, or a model's own flags) by writing the managed values
 * in place, so an official profile used as is comes out exactly as its file lists it. Never
 * `--quantization`: the served models ship quantized weights, and `--quantization fp8` breaks MoE.
 */
export interface ManagedValues {
  tensorParallelSize: number;
  gpuMemoryUtilization: number;
  maxModelLen: number;
  kvCacheDtype: KvCacheDtype;
  revision?: string;
}

/** Flags the recommender sets itself; an extra argument may not set them a second time. */
export const MANAGED_FLAGS = [
  '--tensor-parallel-size',
  '--gpu-memory-utilization',
  '--max-model-len',
  '--kv-cache-dtype',
  '--revision',
] as const;
type ManagedFlag = (typeof MANAGED_FLAGS)[number];

function isManaged(a: string): a is ManagedFlag {
  return (MANAGED_FLAGS as readonly string[]).includes(a);
}

export function buildVllmArgs(template: readonly string[], v: ManagedValues): string[] {
  const want: Record<ManagedFlag, string | undefined> = {
    '--tensor-parallel-size': String(v.tensorParallelSize),
    '--revision': v.revision,
    '--gpu-memory-utilization': v.gpuMemoryUtilization.toFixed(2),
    '--max-model-len': String(v.maxModelLen),
    // `auto` is vLLM's default: leaving it out keeps the list as the official files write it.
    '--kv-cache-dtype': v.kvCacheDtype === 'auto' ? undefined : v.kvCacheDtype,
  };
  const placed = new Set<ManagedFlag>();
  const body: string[] = [];
  for (let i = 0; i < template.length; i++) {
    const a = template[i] ?? '';
    const flag = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (!isManaged(flag)) {
      body.push(a);
      continue;
    }
    if (flag === a) i++; // skip the template's value
    if (placed.has(flag)) continue;
    placed.add(flag);
    const value = want[flag];
    if (value !== undefined) body.push(flag, value);
  }
  const missing = (f: ManagedFlag): string[] => {
    const value = want[f];
    return placed.has(f) || value === undefined ? [] : [f, value];
  };
  return [
    ...missing('--tensor-parallel-size'),
    ...missing('--revision'),
    ...body,
    ...missing('--gpu-memory-utilization'),
    ...missing('--max-model-len'),
    ...missing('--kv-cache-dtype'),
  ];
}

/** The managed values an argument list sets (vLLM's defaults where it sets none). */
export function managedValues(args: readonly string[]): Partial<ManagedValues> {
  const tp = argValue(args, '--tensor-parallel-size');
  const util = argValue(args, '--gpu-memory-utilization');
  const len = argValue(args, '--max-model-len');
  const kv = argValue(args, '--kv-cache-dtype');
  const revision = argValue(args, '--revision');
  return {
    ...(tp ? { tensorParallelSize: Number(tp) } : {}),
    gpuMemoryUtilization: util ? Number(util) : VLLM_DEFAULT_GPU_MEMORY_UTILIZATION,
    ...(len ? { maxModelLen: Number(len) } : {}),
    kvCacheDtype: (kv ?? 'auto') as KvCacheDtype,
    ...(revision ? { revision } : {}),
  };
}

/** vLLM's own default, what a profile without the flag runs with. */
export const VLLM_DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

/** An argument list without the managed flags: what an operator's `extraArgs` replaces. */
export function unmanagedArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const flag = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (isManaged(flag)) {
      if (flag === a) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** The value of a flag in an argument list (`--flag value` or `--flag=value`); the last one wins, as in argparse. */
export function argValue(args: readonly string[], flag: string): string | undefined {
  let found: string | undefined;
  for (const [i, a] of args.entries()) {
    if (a === flag) found = args[i + 1];
    else if (a.startsWith(`${flag}=`)) found = a.slice(flag.length + 1);
  }
  return found;
}

/** Whether an argument list asks vLLM to quantize to FP8 (`--quantization fp8`, `-q fp8`, `--quantization=fp8`). */
export function quantizesFp8(args: readonly string[]): boolean {
  const q = argValue(args, '--quantization') ?? argValue(args, '-q');
  return q !== undefined && /^fp8/i.test(q);
}
