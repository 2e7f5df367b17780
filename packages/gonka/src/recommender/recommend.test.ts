import { describe, expect, it } from 'vitest';
import { MODEL_CATALOG } from './model-catalog.js';
import { recommendServing, type Recommendation, type ServingRecommendation } from './recommend.js';
import { B300, gpusOf, QWEN, SIM_MODELS, tableHardware } from './test-hardware.js';
import { argValue, quantizesFp8 } from './vllm-args.js';

const CUDA13 = 'ghcr.io/gonka-ai/mlnode:3.0.16';
const viable = (r: Recommendation): ServingRecommendation => {
  if (!r.viable) throw new Error(`expected a recommendation, got: ${r.reason}`);
  return r;
};
const reason = (r: ServingRecommendation, field: string): string =>
  r.reasons.find((x) => x.field === field)?.reason ?? '';

describe('recommendServing', () => {
  it('never proposes 0.99 memory utilisation or --quantization fp8, on any hardware, for any catalog model', () => {
    const all = MODEL_CATALOG.map((m) => m.id);
    let seen = 0;
    for (const gpus of Object.values(tableHardware()))
      for (const image of [undefined, CUDA13])
        for (const id of all) {
          const r = recommendServing({ gpus, allowedModels: [id], mlnodeImage: image });
          if (!r.viable) continue;
          for (const c of [r, ...r.alternatives]) {
            seen++;
            expect(c.gpuMemoryUtilization).toBeLessThanOrEqual(0.95);
            expect(Number(argValue(c.args, '--gpu-memory-utilization'))).toBe(c.gpuMemoryUtilization);
            expect(quantizesFp8(c.args), c.args.join(' ')).toBe(false);
            expect(c.args).not.toContain('--quantization');
          }
        }
    expect(seen).toBeGreaterThan(20);
  });

  it('a model retired from the allowed list is never proposed, even where it is the best fit', () => {
    const gpus = gpusOf('b200-8x', 2);
    // With Qwen3-235B allowed it wins on 2×B200: an official B200 profile and the largest weights.
    const withQwen = viable(
      recommendServing({ gpus, allowedModels: [...SIM_MODELS, QWEN], mlnodeImage: CUDA13 }),
    );
    expect(withQwen.model).toBe(QWEN);
    expect(withQwen.tensorParallelSize).toBe(2);
    // Retired (as on mainnet since proposal 78): gone from the answer entirely.
    const live = viable(recommendServing({ gpus, allowedModels: [...SIM_MODELS], mlnodeImage: CUDA13 }));
    expect(live.model).toBe('MiniMaxAI/MiniMax-M2.7');
    expect(JSON.stringify(live)).not.toContain('Qwen');
    expect(live.alternatives.map((a) => a.model)).toEqual(['deepseek-ai/DeepSeek-V4-Flash-0731']);
  });

  it('without Kimi-K2.6 in the list, 8×H200 takes MiniMax-M2.7’s official H200 profile (TP 2, 4 instances)', () => {
    const r = viable(
      recommendServing({ gpus: gpusOf('h200-8x', 8), allowedModels: ['MiniMaxAI/MiniMax-M2.7'] }),
    );
    expect(r.tensorParallelSize).toBe(2);
    expect(r.instances).toBe(4);
    expect(r.gpuMemoryUtilization).toBe(0.95);
    expect(argValue(r.args, '--max-num-seqs')).toBe('608');
    expect(argValue(r.args, '--reasoning-parser')).toBe('minimax_m2_append_think');
    expect(reason(r, 'tensorParallelSize')).toMatch(
      /^2 × 140 GiB = 281 GiB at 0\.95 holds MiniMax-M2\.7's weights .*4 vLLM instances on 8 GPUs$/,
    );
  });

  it('reproduces the upstream DeepSeek-V4-Flash profiles with a 3.0.16 ML node, and refuses it on the 3.0.14 one', () => {
    const allowed = ['deepseek-ai/DeepSeek-V4-Flash-0731'];
    const cases: [ReturnType<typeof gpusOf>, number, number][] = [
      [gpusOf('h100-sxm-8x', 4), 4, 0.85],
      [gpusOf('h200-8x', 2), 2, 0.9],
      [gpusOf('b200-8x', 2), 2, 0.9],
      [[B300], 1, 0.9],
    ];
    for (const [gpus, tp, util] of cases) {
      const r = viable(recommendServing({ gpus, allowedModels: allowed, mlnodeImage: CUDA13 }));
      expect([r.tensorParallelSize, r.gpuMemoryUtilization, r.maxModelLen, r.kvCacheDtype]).toEqual([
        tp,
        util,
        400000,
        'fp8',
      ]);
      expect(argValue(r.args, '--tokenizer-mode')).toBe('deepseek_v4');
    }
    const old = recommendServing({ gpus: gpusOf('h200-8x', 8), allowedModels: allowed });
    expect(old.viable).toBe(false);
    expect(old.viable ? '' : old.reason).toMatch(
      /needs ML node 3\.0\.16 or newer; this bundle runs ghcr\.io\/gonka-ai\/mlnode:3\.0\.14-post2/,
    );
  });

  it('pins the revision the chain lists (hf_commit) over the catalog’s', () => {
    const r = viable(
      recommendServing({
        gpus: gpusOf('h100-sxm-8x', 4),
        allowedModels: [{ id: 'MiniMaxAI/MiniMax-M2.7', hfCommit: 'abc123' }],
      }),
    );
    expect(argValue(r.args, '--revision')).toBe('abc123');
    expect(r.args.filter((a) => a === '--revision')).toHaveLength(1);
  });

  it('sizes TP by memory where no official profile exists, and says so', () => {
    const r = viable(
      recommendServing({ gpus: gpusOf('a100-sxm4-40gb-1x', 8), allowedModels: [...SIM_MODELS] }),
    );
    expect(r.model).toBe('MiniMaxAI/MiniMax-M2.7');
    expect(r.tensorParallelSize).toBe(8);
    expect(r.officialProfile).toBeUndefined();
    expect(reason(r, 'model')).toMatch(/only allowed model that fits; no official profile for A100 40GB/);
    // The A100 profile's Ampere-specific MoE backend comes along.
    expect(argValue(r.args, '--moe-backend')).toBe('marlin');
  });

  it('notes PCIe-only tensor parallelism and mixed cards', () => {
    const pcie = viable(
      recommendServing({ gpus: gpusOf('h100-sxm-8x', 4), nvlink: false, allowedModels: [...SIM_MODELS] }),
    );
    expect(reason(pcie, 'tensorParallelSize')).toMatch(/no NVLink: tensor parallelism runs over PCIe/);
    const mixed = viable(
      recommendServing({
        gpus: [...gpusOf('h200-8x', 4), ...gpusOf('h100-sxm-8x', 4)],
        allowedModels: [...SIM_MODELS],
      }),
    );
    expect(reason(mixed, 'model')).toMatch(/mixed GPUs: sized by the smallest card/);
    expect(mixed.officialProfile).toBeUndefined();
  });

  it('answers not viable with the reason per model: no GPU, nothing allowed, unknown models, too small', () => {
    const none = recommendServing({ gpus: [], allowedModels: [...SIM_MODELS] });
    expect(none.viable ? '' : none.reason).toMatch(/no NVIDIA GPU; this host can run a network node only/);
    const empty = recommendServing({ gpus: gpusOf('h200-8x', 8), allowedModels: [] });
    expect(empty.viable ? '' : empty.reason).toMatch(/allows no model/);
    const unknown = recommendServing({ gpus: gpusOf('h200-8x', 8), allowedModels: ['acme/NewModel-1T'] });
    expect(unknown.viable).toBe(false);
    expect(unknown.notViable).toEqual([
      { model: 'acme/NewModel-1T', reason: expect.stringMatching(/no facts known/) },
    ]);
    const small = recommendServing({
      gpus: gpusOf('rtx4090-8x', 1),
      allowedModels: ['MiniMaxAI/MiniMax-M2.7'],
    });
    expect(small.viable ? '' : small.reason).toBe(
      'not viable on this hardware (1 × RTX 4090, 24 GiB each): MiniMaxAI/MiniMax-M2.7: 1 × 24 GiB = 24 GiB ' +
        '(22 GiB usable at 0.92); MiniMax-M2.7 needs 215 GiB of weights (~230 GB, FP8) + 24 GiB of KV cache at 180000 tokens',
    );
  });
});
