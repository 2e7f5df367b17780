import { describe, expect, it } from 'vitest';
import { applyServingOverrides, validateServingOverrides } from './overrides.js';
import type { RecommendInput } from './recommend.js';
import { gpusOf, QWEN, SIM_MODELS } from './test-hardware.js';
import { argValue } from './vllm-args.js';

const h200: RecommendInput = { gpus: gpusOf('h200-8x', 8), allowedModels: [...SIM_MODELS] };
const h100x4: RecommendInput = { gpus: gpusOf('h100-sxm-8x', 4), allowedModels: [...SIM_MODELS] };
const fields = (errs: { field: string }[]): string[] => errs.map((e) => e.field);

describe('validateServingOverrides', () => {
  it('accepts no overrides and the recommended values given back', () => {
    expect(validateServingOverrides(h200, {})).toEqual([]);
    expect(
      validateServingOverrides(h200, {
        model: 'moonshotai/Kimi-K2.6',
        tensorParallelSize: 8,
        gpuMemoryUtilization: 0.9,
      }),
    ).toEqual([]);
  });

  it('refuses 0.99 memory utilisation with the reason and the bound', () => {
    expect(validateServingOverrides(h200, { gpuMemoryUtilization: 0.99 })).toEqual([
      {
        field: 'gpuMemoryUtilization',
        message:
          '0.99 leaves no room for activations and CUDA graphs (0.99 is the value operators report OOMing under load); use at most 0.95',
      },
    ]);
    expect(validateServingOverrides(h200, { gpuMemoryUtilization: 0.5 })[0]?.message).toMatch(/above 0\.5/);
    expect(validateServingOverrides(h200, { gpuMemoryUtilization: 0.95 })).toEqual([]);
  });

  it('tensor parallelism must be a power of two dividing the GPU count, and hold the weights', () => {
    expect(validateServingOverrides(h200, { tensorParallelSize: 3 })[0]?.message).toBe(
      '3 is not usable on 8 GPUs: it must be a power of two that divides the GPU count (one of 1, 2, 4, 8)',
    );
    expect(fields(validateServingOverrides(h200, { tensorParallelSize: 16 }))).toEqual([
      'tensorParallelSize',
    ]);
    expect(fields(validateServingOverrides(h200, { tensorParallelSize: 0 }))).toEqual(['tensorParallelSize']);
    // Kimi-K2.6 (554 GiB) on 4 H200s: 4 × 140 GiB at 0.90 = 505 GiB.
    expect(validateServingOverrides(h200, { tensorParallelSize: 4 })).toEqual([
      {
        field: 'tensorParallelSize',
        message:
          "4 × 140 GiB at 0.9 = 505 GiB cannot hold Kimi-K2.6's 554 GiB of weights; use tensorParallelSize 8 or more",
      },
    ]);
  });

  it('max-model-len must be positive, within the model’s limit and leave KV room', () => {
    expect(fields(validateServingOverrides(h200, { maxModelLen: 0 }))).toEqual(['maxModelLen']);
    expect(validateServingOverrides(h200, { maxModelLen: 300000 })[0]?.message).toBe(
      "300000 exceeds Kimi-K2.6's context limit of 262144 tokens; the network serves 240000",
    );
    // MiniMax-M2.7 on 4×H100 at 0.72: 229 GiB usable leaves 14 GiB after the weights.
    const tight = validateServingOverrides(h100x4, { gpuMemoryUtilization: 0.72 });
    expect(tight).toEqual([
      {
        field: 'maxModelLen',
        message: expect.stringMatching(
          /leaves 14 GiB after the weights; 180000 tokens need about 24 GiB.*lower maxModelLen/,
        ),
      },
    ]);
    expect(validateServingOverrides(h100x4, { gpuMemoryUtilization: 0.72, maxModelLen: 32768 })).toEqual([]);
    expect(validateServingOverrides(h100x4, { gpuMemoryUtilization: 0.6 })[0]?.message).toMatch(
      /cannot hold MiniMax-M2\.7's 215 GiB of weights; this host cannot hold them at all/,
    );
  });

  it('kv-cache-dtype: one of auto/fp8/fp8_e4m3/fp8_e5m2, FP8 only with FP8 support or an official profile using it', () => {
    expect(validateServingOverrides(h200, { kvCacheDtype: 'fp16' })[0]?.message).toBe(
      '"fp16" is not one of auto, fp8, fp8_e4m3, fp8_e5m2',
    );
    expect(validateServingOverrides(h200, { kvCacheDtype: 'fp8_e4m3' })).toEqual([]);
    const a100: RecommendInput = {
      gpus: gpusOf('a100-sxm4-80gb-4x', 8),
      allowedModels: [...SIM_MODELS, QWEN],
    };
    expect(validateServingOverrides(a100, { model: QWEN, kvCacheDtype: 'fp8' })).toEqual([
      {
        field: 'kvCacheDtype',
        message:
          'fp8 needs FP8 support (compute capability 8.9 or newer) and no official Qwen3-235B-A22B-FP8 profile uses it on ampere; A100 80GB is 8.0: use auto',
      },
    ]);
    // MiniMax-M2.7's official A100 profile runs an FP8 KV cache: allowed there.
    expect(validateServingOverrides(a100, { model: 'MiniMaxAI/MiniMax-M2.7', kvCacheDtype: 'fp8' })).toEqual(
      [],
    );
  });

  it('the model must be allowed by the chain now and run on this hardware', () => {
    expect(validateServingOverrides(h200, { model: QWEN })).toEqual([
      {
        field: 'model',
        message: `${QWEN} is not allowed by the chain now (GET /v1/models); choose one of: ${SIM_MODELS.join(', ')}`,
      },
    ]);
    const a100 = { gpus: gpusOf('a100-sxm4-80gb-4x', 8), allowedModels: [...SIM_MODELS] };
    expect(validateServingOverrides(a100, { model: 'moonshotai/Kimi-K2.6' })[0]?.message).toMatch(
      /^Kimi-K2\.6 cannot run here: needs compute capability 9\.0 or newer .*A100 80GB is 8\.0$/,
    );
  });

  it('extra arguments: no --quantization fp8 on MoE, no managed flag twice', () => {
    expect(validateServingOverrides(h200, { extraArgs: ['--quantization', 'fp8'] })).toEqual([
      {
        field: 'extraArgs',
        message:
          "--quantization fp8 breaks Kimi-K2.6's MoE layers and its weights already ship quantized; remove it",
      },
    ]);
    expect(fields(validateServingOverrides(h200, { extraArgs: ['--quantization=fp8'] }))).toEqual([
      'extraArgs',
    ]);
    expect(validateServingOverrides(h200, { extraArgs: ['--tensor-parallel-size', '4'] })[0]?.message).toBe(
      '--tensor-parallel-size is set by its own field; remove it from the extra arguments',
    );
    expect(fields(validateServingOverrides(h200, { maxConcurrent: 0 }))).toEqual(['maxConcurrent']);
  });
});

describe('applyServingOverrides', () => {
  it('rebuilds the args and says what the operator changed', () => {
    const r = applyServingOverrides(h100x4, { maxModelLen: 65536, maxConcurrent: 200 });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const rec = r.recommendation;
    expect(rec.model).toBe('MiniMaxAI/MiniMax-M2.7');
    expect(argValue(rec.args, '--max-model-len')).toBe('65536');
    expect(argValue(rec.args, '--tensor-parallel-size')).toBe('4');
    expect(argValue(rec.args, '--moe-backend')).toBe('triton'); // the profile's other flags stay
    expect(rec.maxConcurrent).toBe(200);
    expect(rec.reasons.find((x) => x.field === 'maxModelLen')?.reason).toBe(
      'set by the operator (recommended: 180000)',
    );
    expect(rec.reasons.find((x) => x.field === 'maxConcurrent')?.reason).toBe(
      'set by the operator (recommended: 500)',
    );
    expect(rec.reasons.find((x) => x.field === 'tensorParallelSize')?.reason).toMatch(/^4 × 80 GiB/);
  });

  it('returns the errors instead of a recommendation', () => {
    const r = applyServingOverrides(h100x4, { gpuMemoryUtilization: 0.99 });
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : fields(r.errors)).toEqual(['gpuMemoryUtilization']);
  });
});
