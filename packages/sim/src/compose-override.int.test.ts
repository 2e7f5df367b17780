import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { DOCKER_BIN, filledConfigEnv, joinDir, run } from '@gnm/testkit';
import { SIM_COMPOSE } from './image/build-images.js';
import { layoutJoinDir } from './demo/join-dir.js';

const FILL = {
  KEY_NAME: 'warm',
  KEYRING_PASSWORD: 'not-a-secret',
  PUBLIC_URL: 'http://198.51.100.4:8000',
  P2P_EXTERNAL_ADDRESS: 'tcp://198.51.100.4:5000',
  ACCOUNT_PUBKEY: 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd',
  JAEGER_BASIC_AUTH_PASSWORD: 'x',
  GRAFANA_ADMIN_PASSWORD: 'x',
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function flatten(v: Json, prefix: string, out: Map<string, string>): Map<string, string> {
  if (v !== null && typeof v === 'object') {
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    if (entries.length === 0) out.set(prefix, JSON.stringify(v));
    for (const [k, x] of entries) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(v));
  return out;
}

/** Paths the override declares: `services.S.K`, and `services.S.environment.V` per variable. */
function declared(file: string): string[] {
  const doc = parse(fs.readFileSync(file, 'utf8'), { merge: true, logLevel: 'silent' }) as {
    services: Record<string, Record<string, unknown>>;
  } & Record<string, unknown>;
  // Extension fields (x-…) hold the override's shared values; compose keeps them at the top level.
  const out: string[] = Object.keys(doc).filter((k) => k.startsWith('x-'));
  for (const [svc, def] of Object.entries(doc.services)) {
    for (const [k, v] of Object.entries(def)) {
      if (k === 'environment' && v && typeof v === 'object')
        for (const name of Object.keys(v)) out.push(`services.${svc}.environment.${name}`);
      else out.push(`services.${svc}.${k}`);
    }
  }
  return out;
}

describe('the sim override is the only difference from the official files', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-sim-override-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('docker compose config of official + override differs from the official one only by the override entries', async () => {
    const join = layoutJoinDir(joinDir('v0.2.14'), tmp);
    const env = {
      ...filledConfigEnv('v0.2.14', FILL),
      GNM_SIM_IMAGE: 'registry.test/gnm/sim:0.2.14-sim',
      GNM_SIM_MLNODE_IMAGE: 'registry.test/gnm/mlnode-sim:3.0.14-sim',
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: '/root',
    };
    const config = async (files: string[]): Promise<Json> =>
      JSON.parse(
        await run(
          DOCKER_BIN,
          ['compose', '--profile', 'ssl', ...files.flatMap((f) => ['-f', f]), 'config', '--format', 'json'],
          { cwd: join, env },
        ),
      ) as Json;
    const official = await config(['docker-compose.yml', 'docker-compose.mlnode.yml']);
    const sim = await config([
      'docker-compose.yml',
      'docker-compose.mlnode.yml',
      'docker-compose.sim.yml',
      'docker-compose.mlnode.sim.yml',
    ]);

    const a = flatten(official, '', new Map());
    const b = flatten(sim, '', new Map());
    const differing = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));
    const allowed = [...declared(SIM_COMPOSE.networkOverride), ...declared(SIM_COMPOSE.mlnodeOverride)];
    const covered = (p: string) => allowed.some((x) => p === x || p.startsWith(`${x}.`));

    expect(differing.filter((p) => !covered(p))).toEqual([]);
    // Every declared entry really changes something (no dead override lines).
    expect(allowed.filter((x) => !differing.some((p) => p === x || p.startsWith(`${x}.`)))).toEqual([]);

    // Spelled out: same services, container names, ports, volumes and depends_on.
    const svc = (j: Json) => (j as { services: Record<string, Record<string, unknown>> }).services;
    expect(Object.keys(svc(sim)).sort()).toEqual(Object.keys(svc(official)).sort());
    for (const [name, def] of Object.entries(svc(official))) {
      for (const k of ['container_name', 'ports', 'volumes', 'depends_on', 'hostname', 'expose']) {
        expect(svc(sim)[name]?.[k], `${name}.${k}`).toEqual(def[k]);
      }
    }
    // The GPU reservation is reset; the official ML node command is kept.
    expect(svc(official)['mlnode-308']?.deploy).toBeDefined();
    expect(svc(sim)['mlnode-308']?.deploy).toBeUndefined();
    expect(svc(sim)['mlnode-308']?.command).toEqual(svc(official)['mlnode-308']?.command);
    expect(svc(sim).node?.command).toEqual(svc(official).node?.command);
  });
});
