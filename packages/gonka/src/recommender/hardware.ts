import { ccNumber, gib, gpuSpec, type GpuSpec, type ProbedGpu } from './gpu-catalog.js';

/**
 * The probed GPUs summed up as the ML node sees them: it starts `floor(visible GPUs / TP)` vLLM
 * instances over all of them, so the smallest card and the lowest compute capability bound what fits.
 */
export interface Hardware {
  count: number;
  /** The spec of the weakest card (all of them when the host is uniform). */
  spec: GpuSpec;
  /** GiB of the smallest card. */
  memGiB: number;
  cc: number;
  mixed: boolean;
  nvlink: boolean;
  /** "8 × H200, 140 GiB each" */
  describe: string;
}

export function summarizeHardware(gpus: readonly ProbedGpu[], nvlink?: boolean): Hardware | undefined {
  if (!gpus.length) return undefined;
  const weakest = [...gpus].sort(
    (a, b) => a.memoryMiB - b.memoryMiB || ccNumber(a.computeCapability) - ccNumber(b.computeCapability),
  )[0];
  if (!weakest) return undefined;
  const spec = gpuSpec(weakest);
  const names = new Set(gpus.map((g) => g.name));
  const cc = Math.min(...gpus.map((g) => ccNumber(gpuSpec(g).computeCapability)));
  const memGiB = gib(weakest.memoryMiB);
  const mixed = names.size > 1;
  return {
    count: gpus.length,
    spec,
    memGiB,
    cc,
    mixed,
    // Unknown topology: data-centre boards come as NVLink systems, consumer cards do not.
    nvlink: gpus.length > 1 && (nvlink ?? spec.nvlinkTypical),
    describe: mixed
      ? `${gpus.length} mixed GPUs, smallest ${spec.label} with ${fmtGiB(memGiB)} GiB`
      : `${gpus.length} × ${spec.label}, ${fmtGiB(memGiB)} GiB each`,
  };
}

export function fmtGiB(v: number): string {
  return String(Math.round(v));
}
