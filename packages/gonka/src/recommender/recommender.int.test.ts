import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { REPO_ROOT } from '@gnm/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAllowedModels, type AllowedModel } from './allowed-models.js';
import { nodeConfigEntry } from './node-config-entry.js';
import { recommendServing, type Recommendation, type ServingRecommendation } from './recommend.js';
import { SIM_MODELS, tableHardware } from './test-hardware.js';
import { argValue } from './vllm-args.js';

/**
 * The issue's recommender table against the LIVE allowed-model list: the real sim seed (the simulated
 * Gonka network, packages/sim) runs as a plain Node process on free ports, and the list is read from
 * its `GET /v1/models` over HTTP, as the control plane reads a real seed's.
 */

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

interface Seed {
  url: string;
  proc: ChildProcess;
  output: () => string;
}

async function startSeed(env: Record<string, string> = {}): Promise<Seed> {
  const [port, p2p, control] = [await freePort(), await freePort(), await freePort()];
  const proc = spawn(process.execPath, ['--import', 'tsx', 'packages/sim/src/main.ts', 'seed'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      SIM_SEED_PORT: String(port),
      SIM_SEED_P2P_PORT: String(p2p),
      SIM_CONTROL_PORT: String(control),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`sim seed exited ${proc.exitCode}:\n${out}`);
    try {
      if ((await fetch(`${url}/v1/status`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`sim seed did not answer on ${url}:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, proc, output: () => out };
}

function stop(seed: Seed | undefined): void {
  if (seed && seed.proc.exitCode === null) seed.proc.kill('SIGTERM');
}

const viable = (r: Recommendation | undefined): ServingRecommendation => {
  if (!r?.viable) throw new Error(`expected a recommendation, got: ${r ? r.reason : 'nothing'}`);
  return r;
};
const why = (r: ServingRecommendation, field: string): string =>
  r.reasons.find((x) => x.field === field)?.reason ?? '';

describe('recommender table against the sim seed’s live /v1/models', () => {
  let seed: Seed | undefined;
  let narrowed: Seed | undefined;
  let live: AllowedModel[] = [];
  const hw = tableHardware();
  const recs: Record<string, Recommendation> = {};

  beforeAll(async () => {
    [seed, narrowed] = await Promise.all([
      startSeed(),
      // Governance retired Kimi-K2.6 on this network.
      startSeed({ SIM_MODELS: 'MiniMaxAI/MiniMax-M2.7,deepseek-ai/DeepSeek-V4-Flash-0731' }),
    ]);
    const r = await fetchAllowedModels(seed.url);
    expect(r.source, r.fallbackReason).toBe('live');
    live = r.models;
    for (const [name, gpus] of Object.entries(hw))
      recs[name] = recommendServing({ gpus, allowedModels: live });
  }, 120_000);

  afterAll(() => {
    stop(seed);
    stop(narrowed);
  });

  it('reads the live list over HTTP, with the chain’s pinned commits', () => {
    expect(live.map((m) => m.id)).toEqual([...SIM_MODELS]);
    expect(live.every((m) => /^[0-9a-f]{40}$/.test(m.hfCommit ?? ''))).toBe(true);
  });

  it('1× RTX 4090: not viable — 24 GiB, and the allowed models need Hopper or 239 GiB', () => {
    const r = recs['1x RTX 4090'];
    expect(r?.viable).toBe(false);
    const reason = r && !r.viable ? r.reason : '';
    expect(reason).toMatch(/^not viable on this hardware \(1 × RTX 4090, 24 GiB each\): /);
    expect(reason).toContain(
      'MiniMaxAI/MiniMax-M2.7: 1 × 24 GiB = 24 GiB (22 GiB usable at 0.92); MiniMax-M2.7 needs 215 GiB of weights',
    );
    expect(reason).toMatch(
      /moonshotai\/Kimi-K2\.6: needs compute capability 9\.0 or newer .*RTX 4090 is 8\.9/,
    );
    expect(reason).toMatch(/deepseek-ai\/DeepSeek-V4-Flash-0731: needs compute capability 9\.0 or newer/);
  });

  it('8× RTX 3090: not viable — 192 GiB is short of MiniMax-M2.7’s 215 GiB of weights', () => {
    const r = recs['8x RTX 3090'];
    expect(r?.viable).toBe(false);
    expect(r && !r.viable ? r.reason : '').toContain(
      'MiniMaxAI/MiniMax-M2.7: 8 × 24 GiB = 192 GiB (177 GiB usable at 0.92); MiniMax-M2.7 needs 215 GiB of weights (~230 GB, FP8) + 24 GiB of KV cache at 180000 tokens',
    );
  });

  it('8× A100 40GB: MiniMax-M2.7 at TP 8 by memory, FP8 KV cache as its A100 profile', () => {
    const r = viable(recs['8x A100 40GB']);
    expect([
      r.model,
      r.tensorParallelSize,
      r.instances,
      r.gpuMemoryUtilization,
      r.maxModelLen,
      r.kvCacheDtype,
    ]).toEqual(['MiniMaxAI/MiniMax-M2.7', 8, 1, 0.92, 180000, 'fp8']);
    expect(why(r, 'model')).toMatch(/only allowed model that fits; no official profile for A100 40GB/);
    expect(why(r, 'tensorParallelSize')).toMatch(
      /^8 × 40 GiB = 320 GiB at 0\.92 holds MiniMax-M2\.7's weights \(~230 GB, FP8 = 215 GiB\) with 79 GiB left/,
    );
    expect(why(r, 'kvCacheDtype')).toMatch(/no FP8 tensor cores, so vLLM stores the cache in FP8/);
    expect(argValue(r.args, '--moe-backend')).toBe('marlin');
  });

  it('8× A100 80GB: MiniMax-M2.7’s official A100 profile, TP 4, two instances', () => {
    const r = viable(recs['8x A100 80GB']);
    expect([r.model, r.tensorParallelSize, r.instances, r.gpuMemoryUtilization, r.kvCacheDtype]).toEqual([
      'MiniMaxAI/MiniMax-M2.7',
      4,
      2,
      0.92,
      'fp8',
    ]);
    expect(r.officialProfile).toMatch(/node-config-minimaxm27-A100\.json$/);
    expect(why(r, 'tensorParallelSize')).toMatch(/2 vLLM instances on 8 GPUs$/);
    expect(r.notViable.map((n) => n.model)).toEqual([
      'moonshotai/Kimi-K2.6',
      'deepseek-ai/DeepSeek-V4-Flash-0731',
    ]);
  });

  it('4× H100: MiniMax-M2.7’s official H100 profile, TP 4; DeepSeek waits for ML node 3.0.16', () => {
    const r = viable(recs['4x H100 80GB']);
    expect([r.model, r.tensorParallelSize, r.gpuMemoryUtilization, r.maxModelLen, r.kvCacheDtype]).toEqual([
      'MiniMaxAI/MiniMax-M2.7',
      4,
      0.92,
      180000,
      'fp8',
    ]);
    expect(why(r, 'kvCacheDtype')).toMatch(/H100 has FP8 tensor cores \(compute capability 9\.0\)/);
    expect(why(r, 'gpuMemoryUtilization')).toMatch(/never 0\.99/);
    expect(r.notViable.find((n) => n.model.startsWith('deepseek'))?.reason).toMatch(
      /needs ML node 3\.0\.16 or newer/,
    );
    // The chain's pinned commit goes to vLLM.
    expect(argValue(r.args, '--revision')).toBe(live.find((m) => m.id === r.model)?.hfCommit);
  });

  it('8× H200: Kimi-K2.6 at TP 8, as node-config-kimik26-H200.json', () => {
    const r = viable(recs['8x H200']);
    expect([r.model, r.tensorParallelSize, r.gpuMemoryUtilization, r.maxModelLen, r.kvCacheDtype]).toEqual([
      'moonshotai/Kimi-K2.6',
      8,
      0.9,
      240000,
      'auto',
    ]);
    expect(why(r, 'tensorParallelSize')).toMatch(
      /^8 × 140 GiB = 1123 GiB at 0\.90 holds Kimi-K2\.6's weights \(~595 GB, native INT4 = 554 GiB\)/,
    );
    expect(why(r, 'model')).toMatch(
      /official profile for H200; the largest allowed model with one; also fits: MiniMax-M2\.7/,
    );
    expect(argValue(r.args, '--attention-backend')).toBe('FLASHMLA');
    expect(r.alternatives.map((a) => [a.model, a.tensorParallelSize])).toEqual([
      ['MiniMaxAI/MiniMax-M2.7', 2],
    ]);
  });

  it('2× B200: MiniMax-M2.7 at TP 2 (Kimi-K2.6 needs 4 B200s)', () => {
    const r = viable(recs['2x B200']);
    expect([r.model, r.tensorParallelSize, r.gpuMemoryUtilization, r.kvCacheDtype]).toEqual([
      'MiniMaxAI/MiniMax-M2.7',
      2,
      0.92,
      'fp8',
    ]);
    expect(r.notViable.find((n) => n.model === 'moonshotai/Kimi-K2.6')?.reason).toBe(
      '2 × 179 GiB = 358 GiB (340 GiB usable at 0.95); Kimi-K2.6 needs 554 GiB of weights (~595 GB, native INT4) + 32 GiB of KV cache at 240000 tokens',
    );
    expect(why(r, 'mlnodeImage')).toMatch(/one ML node image for every architecture \(blackwell included\)/);
  });

  it('8× B300: MiniMax-M2.7’s official B300 profile, TP 1 × 8 instances; Kimi-K2.6 fits at TP 4 as an alternative', () => {
    const r = viable(recs['8x B300']);
    expect([r.model, r.tensorParallelSize, r.instances, r.gpuMemoryUtilization]).toEqual([
      'MiniMaxAI/MiniMax-M2.7',
      1,
      8,
      0.92,
    ]);
    expect(why(r, 'tensorParallelSize')).toMatch(
      /^1 × 269 GiB = 269 GiB at 0\.92 .* 8 vLLM instances on 8 GPUs$/,
    );
    expect(r.alternatives.map((a) => [a.model, a.tensorParallelSize])).toEqual([['moonshotai/Kimi-K2.6', 4]]);
    expect(r.alternatives[0]?.reasons.find((x) => x.field === 'model')?.reason).toMatch(
      /fits by memory; no official profile for B300/,
    );
    expect(nodeConfigEntry(r).models['MiniMaxAI/MiniMax-M2.7']?.args).toEqual(r.args);
  });

  it('a model the network retired is never proposed: 8× H200 falls back to MiniMax-M2.7’s H200 profile', async () => {
    if (!narrowed) throw new Error('no narrowed seed');
    const r2 = await fetchAllowedModels(narrowed.url);
    expect(r2.models.map((m) => m.id)).toEqual([
      'MiniMaxAI/MiniMax-M2.7',
      'deepseek-ai/DeepSeek-V4-Flash-0731',
    ]);
    const r = viable(recommendServing({ gpus: hw['8x H200'] ?? [], allowedModels: r2.models }));
    expect([r.model, r.tensorParallelSize, r.instances, r.gpuMemoryUtilization]).toEqual([
      'MiniMaxAI/MiniMax-M2.7',
      2,
      4,
      0.95,
    ]);
    expect(JSON.stringify(r)).not.toContain('Kimi');
  });

  it('the seed unreachable: the bundle’s list, with a fixed reason', async () => {
    const port = await freePort();
    const r = await fetchAllowedModels(`http://127.0.0.1:${port}`, { timeoutMs: 3000 });
    expect(r.source).toBe('bundle');
    expect(r.fallbackReason).toBe('connect-failed');
    expect(viable(recommendServing({ gpus: hw['8x H200'] ?? [], allowedModels: r.models })).model).toBe(
      'moonshotai/Kimi-K2.6',
    );
  });
});
