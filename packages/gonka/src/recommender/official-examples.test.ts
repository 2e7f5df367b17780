import fs from 'node:fs';
import path from 'node:path';
import { joinDir } from '@gnm/testkit';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MLNODE_IMAGE } from './mlnode-image.js';
import { nodeConfigEntry } from './node-config-entry.js';
import { recommendServing, type ServingRecommendation } from './recommend.js';
import { gpusOf, QWEN, SIM_MODELS } from './test-hardware.js';
import { argValue } from './vllm-args.js';

/**
 * The official node-config examples of v0.2.14 are the expected output for the hardware they name:
 * the recommender must reproduce them, with the allowed list containing that model.
 */
const join = joinDir('v0.2.14');
const official = (file: string): Record<string, unknown> => {
  const list = JSON.parse(fs.readFileSync(path.join(join, file), 'utf8')) as Record<string, unknown>[];
  const first = list[0];
  if (!first) throw new Error(`${file} has no entry`);
  return first;
};
const viable = (r: ReturnType<typeof recommendServing>): ServingRecommendation => {
  if (!r.viable) throw new Error(`expected a recommendation, got: ${r.reason}`);
  return r;
};

describe('the official v0.2.14 node-config examples come out for their hardware', () => {
  it.each([
    ['node-config-kimik26-B200.json', 'b200-8x', 'moonshotai/Kimi-K2.6', 4, '0.95'],
    ['node-config-kimik26-H200.json', 'h200-8x', 'moonshotai/Kimi-K2.6', 8, '0.90'],
    ['node-config-qwen235B-B200.json', 'b200-8x', QWEN, 2, '0.88'],
  ])('%s on %s: the same entry, flag for flag and in order', (file, profile, model, tp, util) => {
    const rec = viable(recommendServing({ gpus: gpusOf(profile, 8), allowedModels: [model] }));
    expect(rec.model).toBe(model);
    expect(rec.tensorParallelSize).toBe(tp);
    expect(rec.gpuMemoryUtilization.toFixed(2)).toBe(util);
    expect(rec.maxModelLen).toBe(240000);
    expect(rec.officialProfile).toContain(file);
    expect(nodeConfigEntry(rec)).toEqual(official(file));
  });

  it('Kimi-K2.6 stays the choice on 8×B200 and 8×H200 when the whole live list is allowed', () => {
    for (const profile of ['b200-8x', 'h200-8x']) {
      const rec = viable(recommendServing({ gpus: gpusOf(profile, 8), allowedModels: [...SIM_MODELS] }));
      expect(rec.model).toBe('moonshotai/Kimi-K2.6');
    }
    const b200 = viable(recommendServing({ gpus: gpusOf('b200-8x', 8), allowedModels: [...SIM_MODELS] }));
    // 8 B200s with TP 4: two vLLM instances.
    expect(b200.instances).toBe(2);
    for (const flag of ['--tool-call-parser', '--reasoning-parser'])
      expect(argValue(b200.args, flag)).toBe('kimi_k2');
    expect(argValue(b200.args, '--attention-backend')).toBe('FLASHINFER_MLA');
    expect(b200.args).toContain('--disable-custom-all-reduce');
    expect(b200.args).toContain('--enable-expert-parallel');
  });

  it('node-config.json (Qwen3-235B, TP 4: the H100 layout) comes out with vLLM’s default 0.90 written out', () => {
    const rec = viable(recommendServing({ gpus: gpusOf('h100-sxm-8x', 8), allowedModels: [QWEN] }));
    const entry = nodeConfigEntry(rec);
    const want = official('node-config.json');
    expect({ ...entry, models: {} }).toEqual({ ...want, models: {} });
    expect(rec.args).toEqual([
      '--tensor-parallel-size',
      '4',
      '--max-model-len',
      '240000',
      '--gpu-memory-utilization',
      '0.90',
    ]);
    expect(rec.instances).toBe(2);
  });

  it('the default ML node image is the one of the official docker-compose.mlnode.yml', () => {
    const compose = fs.readFileSync(path.join(join, 'docker-compose.mlnode.yml'), 'utf8');
    const image = /^\s*image:\s*(ghcr\.io\/\S*mlnode\S*)\s*$/m.exec(compose)?.[1];
    expect(image).toBe(DEFAULT_MLNODE_IMAGE);
    const rec = viable(recommendServing({ gpus: gpusOf('b200-8x', 8), allowedModels: [...SIM_MODELS] }));
    expect(rec.mlnodeImage).toBe(image);
    expect(rec.reasons.find((r) => r.field === 'mlnodeImage')?.reason).toMatch(
      /one ML node image for every architecture \(blackwell included\)/,
    );
  });
});
