import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { DOCKER_BIN, filledConfigEnv, joinDir, run } from '@gnm/testkit';
import { SIM_COMPOSE } from '@gnm/sim';
import { buildBundle } from './build.js';
import { renderRelease } from './render.js';
import { Repository } from './tuf/repo.js';
import { generateKey } from './tuf/keys.js';
import { fetchBundle, publishBundle } from './publish.js';
import { GENESIS_STAND_IN, HOST_SECRETS, OFFICIAL_MANIFEST, fullNodeValues } from './testing/fixtures.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface ComposeConfig {
  services: Record<
    string,
    {
      ports?: { target: number; published?: string; host_ip?: string }[];
      environment?: Record<string, string | null>;
      volumes?: { target: string; source?: string }[];
      depends_on?: Record<string, unknown>;
    }
  >;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-bundle-int-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const SIM_MANIFEST = path.resolve(path.dirname(SIM_COMPOSE.networkOverride), '../bundle/sim.manifest.json');

async function config(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<ComposeConfig & Json> {
  return JSON.parse(
    await run(DOCKER_BIN, [...args, '--profile', 'ssl', 'config', '--format', 'json'], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root', ...env },
    }),
  ) as ComposeConfig & Json;
}

function flatten(v: Json, prefix: string, out = new Map<string, string>()): Map<string, string> {
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v))
      flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(v));
  return out;
}

describe('a bundle built from the official v0.2.14 files, rendered for a host', () => {
  it('passes docker compose config and keeps every service, port, variable, volume target and depends_on', async () => {
    const bundleDir = path.join(tmp, 'official');
    const m = buildBundle({
      from: joinDir('v0.2.14'),
      manifest: OFFICIAL_MANIFEST,
      out: bundleDir,
      files: { 'genesis/genesis.json': GENESIS_STAND_IN },
    });
    const values = fullNodeValues();
    const rel = renderRelease({
      bundleDir,
      manifest: m,
      values,
      secrets: HOST_SECRETS,
      stacksRoot: path.join(tmp, 'stacks'),
      role: 'full',
    });
    const rendered = await config(rel.composeArgs, '/');

    // The official files, run the official way: `source config.env` with the same values.
    const given: Record<string, string> = { ...HOST_SECRETS };
    for (const [k, v] of Object.entries(values)) if (typeof v === 'string') given[k] = v;
    const env = filledConfigEnv('v0.2.14', given);
    const official = await config(
      ['compose', '-f', 'docker-compose.yml', '-f', 'docker-compose.mlnode.yml'],
      joinDir('v0.2.14'),
      env,
    );

    expect(Object.keys(rendered.services).sort()).toEqual(Object.keys(official.services).sort());
    for (const [name, o] of Object.entries(official.services)) {
      const r = rendered.services[name];
      expect(
        r?.ports?.map((p) => p.target),
        `${name} ports`,
      ).toEqual(o.ports?.map((p) => p.target));
      expect(Object.keys(r?.environment ?? {}).sort(), `${name} environment`).toEqual(
        Object.keys(o.environment ?? {}).sort(),
      );
      expect(
        r?.volumes?.map((v) => v.target),
        `${name} volume targets`,
      ).toEqual(o.volumes?.map((v) => v.target));
      expect(r?.depends_on, `${name} depends_on`).toEqual(o.depends_on);
    }

    // Every other difference is explained: the project folder (a release, its state linked) or a parameter.
    const a = flatten(official, '');
    const b = flatten(rendered, '');
    // Compose reports resolved paths: compare against the real paths of both folders.
    const officialDir = fs.realpathSync(joinDir('v0.2.14'));
    const releaseProject = fs.realpathSync(rel.projectDir);
    const releaseRoot = fs.realpathSync(rel.releaseDir);
    const explain = (p: string): string | undefined => {
      const ov = JSON.parse(a.get(p) ?? 'null') as unknown;
      const rv = JSON.parse(b.get(p) ?? 'null') as unknown;
      if (
        typeof ov === 'string' &&
        typeof rv === 'string' &&
        ov.startsWith(officialDir) &&
        rv.startsWith(releaseProject)
      ) {
        return `project folder: ${path.relative(officialDir, ov) || '.'} is under the release ${rel.version}`;
      }
      if (
        typeof ov === 'string' &&
        typeof rv === 'string' &&
        ov.endsWith('/genesis/genesis.json') &&
        rv === path.join(releaseRoot, 'genesis/genesis.json')
      ) {
        return 'genesis.json: a bundle file of the release';
      }
      if (p === 'name') return 'project name: join for every release';
      const param = Object.entries(m.parameters).find(
        ([k, spec]) => rv === (typeof values[k] === 'string' ? values[k] : spec.default),
      );
      if (param) return `parameter ${param[0]}`;
      return undefined;
    };
    const differences = [...new Set([...a.keys(), ...b.keys()])]
      .filter((p) => a.get(p) !== b.get(p))
      .map((p) => ({ p, why: explain(p) }));
    console.log(
      `differences between the official files and the rendered release (${differences.length}):\n${differences.map((d) => `  ${d.p}: ${d.why ?? 'UNEXPLAINED'}`).join('\n')}`,
    );
    expect(differences.filter((d) => !d.why)).toEqual([]);
    // And the parameters did reach the services.
    expect(rendered.services.api?.environment?.DAPI_API__PUBLIC_URL).toBe(values.PUBLIC_URL);
    expect(rendered.services.node?.environment?.P2P_EXTERNAL_ADDRESS).toBe(values.P2P_EXTERNAL_ADDRESS);
    expect(rendered.services['mlnode-308']?.volumes?.[0]?.source).toBe(values.HF_HOME);
    // Internal ports are on 127.0.0.1 unless a bind address is given; the public ones stay on every interface.
    const binds = (c: ComposeConfig, svc: string) =>
      (c.services[svc]?.ports ?? []).map((p) => `${p.host_ip ?? '*'}:${p.published}:${p.target}`);
    expect(binds(rendered, 'inference')).toEqual(['127.0.0.1:8080:8080', '127.0.0.1:5050:5000']);
    expect(binds(rendered, 'api')).toEqual(['127.0.0.1:9100:9100', '127.0.0.1:9200:9200']);
    expect(binds(rendered, 'node')).toEqual(['*:5000:26656']);
    expect(binds(official, 'inference')).toEqual(['*:8080:8080', '*:5050:5000']);
    const attached = renderRelease({
      bundleDir,
      manifest: m,
      values: {
        ...values,
        MLNODE_BIND_ADDRESS: '10.1.2.3',
        DAPI_CALLBACK_BIND_ADDRESS: '10.1.2.4',
        PORT: '18080',
      },
      secrets: HOST_SECRETS,
      stacksRoot: path.join(tmp, 'stacks-bound'),
      role: 'full',
    });
    const bound = await config(attached.composeArgs, '/');
    expect(binds(bound, 'inference')).toEqual(['10.1.2.3:18080:8080', '10.1.2.3:5050:5000']);
    expect(binds(bound, 'api')).toEqual(['10.1.2.4:9100:9100', '127.0.0.1:9200:9200']);
  });

  it('the sim bundle is the same build with the sim override files', async () => {
    const bundleDir = path.join(tmp, 'sim');
    const m = buildBundle({
      from: joinDir('v0.2.14'),
      manifest: SIM_MANIFEST,
      overrides: [SIM_COMPOSE.networkOverride, SIM_COMPOSE.mlnodeOverride],
      out: bundleDir,
    });
    // The release authority's bind overrides come with the manifest, before the sim's own.
    expect(m.roles.network.composeFiles).toEqual([
      'docker-compose.yml',
      'gnm-bind.network.yml',
      'docker-compose.sim.yml',
    ]);
    expect(m.roles.mlnode.composeFiles).toEqual([
      'docker-compose.mlnode.yml',
      'gnm-bind.mlnode.yml',
      'docker-compose.mlnode.sim.yml',
    ]);
    const rel = renderRelease({
      bundleDir,
      manifest: m,
      values: {
        ...fullNodeValues(),
        GNM_SIM_IMAGE: 'registry.test:5000/gnm/sim:0.2.14-sim',
        GNM_SIM_MLNODE_IMAGE: 'registry.test:5000/gnm/mlnode-sim:3.0.14-sim',
      },
      secrets: HOST_SECRETS,
      stacksRoot: path.join(tmp, 'sim-stacks'),
      role: 'full',
    });
    const cfg = await config(rel.composeArgs, '/');
    expect(Object.keys(cfg.services)).toContain('mlnode-308');
    expect(JSON.stringify(cfg)).toContain('registry.test:5000/gnm/sim:0.2.14-sim');
  });

  it('signed, served over HTTP, fetched and verified by TUF, then rendered', async () => {
    const keys = {
      root: [generateKey('root')],
      targets: [generateKey('targets')],
      snapshot: [generateKey('snapshot')],
      timestamp: [generateKey('timestamp')],
    };
    const repo = Repository.init(path.join(tmp, 'repo'), keys);
    const bundleDir = path.join(tmp, 'official');
    publishBundle(repo, bundleDir, keys.targets);
    repo.publish(keys.snapshot, keys.timestamp);
    const server = http.createServer((req, res) => {
      const f = path.join(repo.dir, decodeURIComponent(req.url ?? '/'));
      if (!f.startsWith(repo.dir) || !fs.existsSync(f) || fs.statSync(f).isDirectory())
        res.writeHead(404).end();
      else res.writeHead(200).end(fs.readFileSync(f));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const rootBytes = fs.readFileSync(repo.rootFile());
      const got = await fetchBundle({
        repoUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        metadataDir: path.join(tmp, 'host/tuf'),
        rootSha256: crypto.createHash('sha256').update(rootBytes).digest('hex'),
        initialRoot: rootBytes,
        name: 'gonka-join',
        version: '0.2.14-1',
        destDir: path.join(tmp, 'host/bundles'),
      });
      const rel = renderRelease({
        bundleDir: got.dir,
        manifest: got.manifest,
        values: fullNodeValues(),
        secrets: HOST_SECRETS,
        stacksRoot: path.join(tmp, 'host/stacks'),
        role: 'network',
      });
      const cfg = await config(rel.composeArgs, '/');
      expect(Object.keys(cfg.services)).not.toContain('mlnode-308');
      expect(Object.keys(cfg.services)).toContain('api');
    } finally {
      server.close();
    }
  });
});
