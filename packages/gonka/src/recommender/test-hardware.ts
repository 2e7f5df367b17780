import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@gnm/testkit';
import type { ProbedGpu } from './gpu-catalog.js';

/**
 * Test-only: the table's hardware, with GPU names, memory and compute capability exactly as nvidia-smi
 * reports them, taken from the sim's real captures (packages/sim/nvidia-smi/profiles/<profile>/gpus.csv).
 * B300 has no capture there: NVIDIA B300 SXM6 AC, 275040 MiB, 10.3 as published captures show it.
 */
export function profileGpus(profile: string): ProbedGpu[] {
  const csv = fs.readFileSync(
    path.join(REPO_ROOT, 'packages/sim/nvidia-smi/profiles', profile, 'gpus.csv'),
    'utf8',
  );
  return csv
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const f = l.split(',').map((x) => x.trim());
      return { name: f[1] ?? '', memoryMiB: Number(f[2]), computeCapability: f[5] ?? '' };
    });
}

/** `count` GPUs of the profile's model (a capture of 2 RTX 3090s stands for 8 of them). */
export function gpusOf(profile: string, count: number): ProbedGpu[] {
  const one = profileGpus(profile)[0];
  if (!one) throw new Error(`no GPU in profile ${profile}`);
  return Array.from({ length: count }, () => ({ ...one }));
}

export const B300: ProbedGpu = { name: 'NVIDIA B300 SXM6 AC', memoryMiB: 275040, computeCapability: '10.3' };

/** The table: 1×RTX 4090, 8×3090, 8×A100 40 GB, 8×A100 80 GB, 4×H100, 8×H200, 2×B200, 8×B300. */
export function tableHardware(): Record<string, ProbedGpu[]> {
  return {
    '1x RTX 4090': gpusOf('rtx4090-8x', 1),
    '8x RTX 3090': gpusOf('rtx3090-2x', 8),
    '8x A100 40GB': gpusOf('a100-sxm4-40gb-1x', 8),
    '8x A100 80GB': gpusOf('a100-sxm4-80gb-4x', 8),
    '4x H100 80GB': gpusOf('h100-sxm-8x', 4),
    '8x H200': gpusOf('h200-8x', 8),
    '2x B200': gpusOf('b200-8x', 2),
    '8x B300': Array.from({ length: 8 }, () => ({ ...B300 })),
  };
}

export const SIM_MODELS = [
  'MiniMaxAI/MiniMax-M2.7',
  'moonshotai/Kimi-K2.6',
  'deepseek-ai/DeepSeek-V4-Flash-0731',
] as const;
export const QWEN = 'Qwen/Qwen3-235B-A22B-Instruct-2507-FP8';
