#!/usr/bin/env -S node --import tsx
/**
 * Apply overhead (issue #6): the agent's stack.apply against a plain `docker compose up -d` of the same
 * rendered files, on this machine's Docker engine, with every image already present. Both start from
 * the stack taken down (not timed) and stop at the same point: `up --detach` returned. Runs alternate
 * (apply, plain, apply, plain, …) so drift in the machine affects both alike.
 *
 *   npm run bench:apply-overhead -- [--runs N] [--smoke]
 *
 * stack.apply here is the agent's own code (packages/agent/src/stack/apply.ts) with a real control
 * plane serving the signed sim bundle over pinned TLS: TUF verification, render, pull check, switch, up.
 * Logs go to stderr; stdout carries only the JSON result.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { startTestControlPlane } from '@gnm/control-plane/testing';
import { Release, cleanupTuf } from '@gnm/control-plane/testing/tuf-release';
import { ensureSimImages } from '../../packages/sim/src/image/build-images.js';
import { applyStack } from '../../packages/agent/src/stack/apply.js';
import { keptRelease } from '../../packages/agent/src/stack/release-record.js';
import { signAll, simBundles, tmp } from '../../packages/agent/src/harness/fixtures.js';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: { runs: { type: 'string' }, smoke: { type: 'boolean' } },
});
const RUNS = Number(args.runs ?? (args.smoke ? 2 : 7));
const TARGET = 1.15;
const BUNDLE = 'gonka-join-sim';
const VERSION = '0.2.14-1';
const log = (m: string) => process.stderr.write(`[apply-overhead] ${m}\n`);

async function main() {
  const images = await ensureSimImages();
  const img = images[0];
  if (!img) throw new Error('no sim images');
  const cp = await startTestControlPlane('sqlite');
  const release = new Release();
  signAll(
    release,
    simBundles([VERSION]).map((b) => b.dir),
  );
  // Bracket access: tsx's loader mistakes `.import(` for a dynamic import and fails to parse the file.
  const imported = await cp.services.bundles['import'](await release.archive());
  // The agent's state, its stacks root and the model cache side by side, the cache allowed as a host path.
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-bench-apply-'));
  const stateDir = path.join(base, 'state');
  const deps = {
    stateDir,
    stacksRoot: path.join(base, 'stacks'),
    hostPathRoots: [base],
    controlPlane: cp.url,
    tlsPin: cp.pins.tlsPin,
    rootSha256: imported.initialRootSha256 ?? '',
  };
  const params = {
    bundle: BUNDLE,
    version: VERSION,
    role: 'network' as const,
    values: {
      KEY_NAME: 'warm-key',
      PUBLIC_URL: 'http://127.0.0.1:8000',
      P2P_EXTERNAL_ADDRESS: 'tcp://127.0.0.1:5000',
      ACCOUNT_PUBKEY: 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd',
      HF_HOME: path.join(base, 'hf'),
      SEED_API_URL: 'http://127.0.0.1:18000',
      SEED_NODE_RPC_URL: 'http://127.0.0.1:18000/chain-rpc/',
      SEED_NODE_P2P_URL: 'tcp://127.0.0.1:15000',
      RPC_SERVER_URL_1: 'http://127.0.0.1:18000/chain-rpc/',
      RPC_SERVER_URL_2: 'http://127.0.0.1:18000/chain-rpc/',
      GNM_SIM_IMAGE: img.networkRef,
      GNM_SIM_MLNODE_IMAGE: img.mlnodeRef,
    },
  };
  // Where an apply's time goes: the moment each phase starts, per run.
  const phases: Record<string, number[]> = {};
  let t0 = 0n;
  let seen = new Set<string>();
  const ctx = () => ({
    emit: (e: { progress?: { phase: string } }) => {
      const ph = e.progress?.phase;
      if (!ph || seen.has(ph)) return;
      seen.add(ph);
      (phases[ph] ??= []).push(Number(process.hrtime.bigint() - t0) / 1e6);
    },
    signal: new AbortController().signal,
    deadline: new Date(Date.now() + 600_000),
    opId: `op_${crypto.randomBytes(6).toString('hex')}`,
  });
  const down = () => run('docker', ['compose', '--project-name', 'join', 'down', '--remove-orphans']);
  // The compose invocation of the release as rendered (the same files the plain runs use).
  const composeArgs = () => {
    const k = keptRelease(deps.stacksRoot, VERSION);
    if (!k) throw new Error('no rendered release');
    return k.release.composeArgs;
  };

  try {
    await down();
    log('warm-up apply');
    t0 = process.hrtime.bigint();
    await applyStack(params, ctx(), deps, ctx().opId);
    const files = composeArgs();
    const times: { apply: number[]; plain: number[] } = { apply: [], plain: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const kind of ['apply', 'plain'] as const) {
        await down();
        t0 = process.hrtime.bigint();
        seen = new Set();
        if (kind === 'apply') await applyStack(params, ctx(), deps, ctx().opId);
        else await run('docker', [...files, 'up', '--detach', '--remove-orphans', '--no-build']);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        times[kind].push(ms);
        log(`run ${i + 1}/${RUNS} ${kind}: ${ms.toFixed(0)} ms`);
      }
    }
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      const m = Math.floor(s.length / 2);
      return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
    };
    const ratio = median(times.apply) / median(times.plain);
    console.log(
      JSON.stringify(
        {
          bench: 'apply-overhead',
          runs: RUNS,
          services: (await run('docker', [...files, 'config', '--services'])).stdout.trim().split('\n')
            .length,
          applyMs: { median: Math.round(median(times.apply)), all: times.apply.map(Math.round) },
          plainComposeUpMs: { median: Math.round(median(times.plain)), all: times.plain.map(Math.round) },
          applyPhaseStartMs: Object.fromEntries(
            Object.entries(phases).map(([k, v]) => [k, Math.round(median(v.slice(-RUNS)))]),
          ),
          ratio: Math.round(ratio * 1000) / 1000,
          target: { ratioMax: TARGET, pass: ratio <= TARGET },
        },
        null,
        2,
      ),
    );
  } finally {
    await down().catch(() => undefined);
    await cp.close();
    cleanupTuf();
    fs.rmSync(base, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
