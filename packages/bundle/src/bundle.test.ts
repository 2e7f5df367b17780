import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { joinDir } from '@gnm/testkit';
import { BuildError, buildBundle, readBundleManifest } from './build.js';
import { RenderError, compareVersions, renderRelease, resolveValues } from './render.js';
import { StackLayout } from './layout.js';
import { checkValue } from './params.js';
import { GENESIS_STAND_IN, HOST_SECRETS, OFFICIAL_MANIFEST, fullNodeValues } from './testing/fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-bundle-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const out = () => path.join(tmp, `b${++n}`);
const build = (from = joinDir('v0.2.14'), manifest = OFFICIAL_MANIFEST) =>
  buildBundle({ from, manifest, out: out(), files: { 'genesis/genesis.json': GENESIS_STAND_IN } });

describe('gnm bundle build from the official v0.2.14 files', () => {
  it('builds: every service, its role and image, and every file with its hash', () => {
    const m = build();
    expect(Object.keys(m.services).sort()).toEqual([
      'api',
      'bridge',
      'explorer',
      'inference',
      'mlnode-308',
      'node',
      'proxy',
      'proxy-ssl',
      'tmkms',
      'versiond',
    ]);
    expect(m.services['mlnode-308']?.role).toBe('mlnode');
    expect(m.services.bridge?.pinned).toBe(true);
    expect(m.services['proxy-ssl']?.profiles).toEqual(['ssl']);
    expect(m.files['deploy/join/docker-compose.yml']?.sha256).toMatch(/^[a-f0-9]{64}$/);
    expect(m.files['genesis/genesis.json']).toBeDefined();
  });

  it('reports precisely what it does not understand, and writes nothing', () => {
    const from = path.join(tmp, 'changed-release');
    fs.cpSync(joinDir('v0.2.14'), from, { recursive: true });
    const compose = fs.readFileSync(path.join(from, 'docker-compose.yml'), 'utf8');
    fs.writeFileSync(
      path.join(from, 'docker-compose.yml'),
      compose.replace(
        'services:',
        'services:\n  watcher:\n    image: ghcr.io/product-science/watcher:${WATCHER_TAG}\n    volumes:\n      - ./watcher-data:/data\n',
      ),
    );
    const dest = out();
    let err: unknown;
    try {
      buildBundle({
        from,
        manifest: OFFICIAL_MANIFEST,
        out: dest,
        files: { 'genesis/genesis.json': GENESIS_STAND_IN },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BuildError);
    const problems = (err as BuildError).problems.join('\n');
    expect(problems).toContain('docker-compose.yml uses ${WATCHER_TAG}, which the manifest does not declare');
    expect(problems).toContain(
      'relative volume source ./watcher-data is neither a file of the release nor a declared state directory',
    );
    expect(problems).toContain('service watcher has no health check');
    expect(fs.existsSync(dest)).toBe(false);
  });

  it('asks for the genesis file the official compose file mounts from outside deploy/join', () => {
    expect(() => buildBundle({ from: joinDir('v0.2.14'), manifest: OFFICIAL_MANIFEST, out: out() })).toThrow(
      /--file genesis\/genesis.json=<path>/,
    );
  });
});

describe('rendering refuses values that could inject', () => {
  const m = build();
  const refuse = (patch: Record<string, unknown>, re: RegExp) => {
    expect(() => resolveValues(m, { ...fullNodeValues(), ...patch } as never, HOST_SECRETS)).toThrow(re);
  };

  it('newlines, quotes and ${ in any value', () => {
    refuse({ KEY_NAME: 'warm\nKEYRING_PASSWORD=evil' }, /KEY_NAME: .*line break/);
    refuse({ PUBLIC_URL: "http://x:8000/'; rm -rf /" }, /PUBLIC_URL: .*quote/);
    refuse({ SEED_API_URL: 'http://${HOME}:8000' }, /SEED_API_URL: .*interpolation/);
  });

  it('a bind address that is not a plain IPv4 address', () => {
    const spec = { kind: 'ipv4' as const, description: 'bind', required: false };
    expect(checkValue(spec, '10.0.0.5')).toBeUndefined();
    expect(checkValue(spec, '127.0.0.1')).toBeUndefined();
    for (const bad of ['10.0.0.256', '::1', 'ml-host.lan', '10.0.0.5:8080', '0.0.0.0 ', '10.0.0.5/24'])
      expect(checkValue(spec, bad), bad).toMatch(/IPv4 address/);
  });

  it('a URL where Gonka wants a bare host (node-config host)', () => {
    const node = {
      id: 'n',
      host: 'http://10.0.0.21',
      inference_port: 5050,
      poc_port: 8080,
      max_concurrent: 10,
      models: { 'a/b': { args: [] } },
    };
    refuse({ ML_NODES: [node] }, /host must be a bare host name or address, not a URL/);
    refuse(
      { ML_NODES: [{ ...node, host: '10.0.0.21', models: { 'a/b': { args: ['--x'], extra: 1 } } }] },
      /ML_NODES/,
    );
  });

  it('host paths outside the allowed kind, secrets from the control plane, unknown parameters', () => {
    refuse({ HF_HOME: '/' }, /HF_HOME: .*must not be \//);
    refuse({ HF_HOME: '/etc' }, /must not be \/etc/);
    refuse({ HF_HOME: '/var/run/docker.sock' }, /must not be \/var\/run\/docker.sock/);
    refuse({ HF_HOME: '/srv/../etc' }, /"\.\."/);
    refuse({ HF_HOME: 'relative/path' }, /absolute/);
    refuse({ KEYRING_PASSWORD: 'from-the-control-plane' }, /secret is never accepted from the control plane/);
    refuse({ NODE_CONFIG: '/etc/passwd' }, /fixed by the bundle/);
    refuse({ NOT_A_PARAM: 'x' }, /not a parameter/);
    refuse({ ACCOUNT_PUBKEY: 'AAAA' }, /33 bytes/);
  });

  it('an ML-node-only release requires only the ML node’s parameters; a full one all of them', () => {
    expect(m.parameterRoles?.HF_HOME).toEqual(['mlnode']);
    expect(m.parameterRoles?.SEED_API_URL).toEqual(['network']);
    expect(m.parameterRoles?.ML_NODES).toEqual(['network']);
    const ml = resolveValues(m, { HF_HOME: '/srv/hf', MLNODE_BIND_ADDRESS: '10.0.0.2' }, {}, 'mlnode');
    expect(Object.fromEntries(ml.env)).toMatchObject({ HF_HOME: '/srv/hf', MLNODE_BIND_ADDRESS: '10.0.0.2' });
    expect(() => resolveValues(m, { HF_HOME: '/srv/hf' }, {}, 'full')).toThrow(/SEED_API_URL: required/);
    expect(() => resolveValues(m, {}, {}, 'mlnode')).toThrow(/HF_HOME: required/);
    // Given values are still checked, whichever role uses them.
    expect(() => resolveValues(m, { HF_HOME: '/srv/hf', ACCOUNT_PUBKEY: '' }, {}, 'mlnode')).toThrow(
      /33 bytes/,
    );
  });

  it('renders nothing when a value is refused', () => {
    const root = path.join(tmp, 'refused-root');
    expect(() =>
      renderRelease({
        bundleDir: path.join(tmp, `b${n}`),
        manifest: m,
        values: { ...fullNodeValues(), KEY_NAME: 'a\nb' },
        secrets: HOST_SECRETS,
        stacksRoot: root,
        role: 'full',
      }),
    ).toThrow(RenderError);
    expect(fs.existsSync(path.join(root, 'join', 'releases'))).toBe(false);
  });
});

describe('versions', () => {
  it('orders semantic versions with pre-releases', () => {
    const sorted = ['0.2.15', '0.2.14-2', '0.2.14', '0.2.14-1', '0.2.9', '0.2.14-10'].sort(compareVersions);
    expect(sorted).toEqual(['0.2.9', '0.2.14-1', '0.2.14-2', '0.2.14-10', '0.2.14', '0.2.15']);
  });
});

describe('host layout: releases, state, rollback', () => {
  it('keeps host state outside releases and untouched by a rollback', () => {
    const dir1 = out();
    buildBundle({
      from: joinDir('v0.2.14'),
      manifest: OFFICIAL_MANIFEST,
      out: dir1,
      files: { 'genesis/genesis.json': GENESIS_STAND_IN },
    });
    const m1 = readBundleManifest(dir1);
    const root = path.join(tmp, 'stacks');
    const r1 = renderRelease({
      bundleDir: dir1,
      manifest: m1,
      values: fullNodeValues(),
      secrets: HOST_SECRETS,
      stacksRoot: root,
      role: 'full',
    });
    const layout = new StackLayout(root);
    expect(layout.current()).toBe('0.2.14-1');
    // The running node writes its state through the release's links.
    const stateFiles = {
      '.inference/config/node_key.json': '{"priv_key":"node-key"}',
      '.tmkms/secrets/priv_validator_key.softsign': 'consensus-key',
      '.inference/keyring-file/warm-key.info': 'keyring',
      '.inference/data/blockstore.db': 'chain-data',
    };
    for (const [f, c] of Object.entries(stateFiles)) {
      fs.mkdirSync(path.dirname(path.join(r1.projectDir, f)), { recursive: true });
      fs.writeFileSync(path.join(r1.projectDir, f), c);
    }
    expect(fs.existsSync(path.join(layout.stateDir, '.inference/config/node_key.json'))).toBe(true);
    expect(fs.lstatSync(path.join(r1.projectDir, '.inference')).isSymbolicLink()).toBe(true);
    const cfg = fs.readFileSync(path.join(r1.projectDir, 'config.env'), 'utf8');
    expect(cfg).toContain("KEY_NAME='warm-key'");
    expect((fs.statSync(path.join(r1.projectDir, 'config.env')).mode & 0o777).toString(8)).toBe('600');
    expect(JSON.parse(fs.readFileSync(path.join(r1.projectDir, 'node-config.json'), 'utf8'))[0].host).toBe(
      'inference',
    );

    // A second release, then back.
    const src2 = path.join(tmp, 'manifest-2.json');
    fs.writeFileSync(
      src2,
      JSON.stringify({
        ...JSON.parse(fs.readFileSync(OFFICIAL_MANIFEST, 'utf8')),
        version: '0.2.14-2',
        extraFiles: { 'genesis/genesis.json': GENESIS_STAND_IN },
        // Copied elsewhere, the manifest's relative override paths are given absolute.
        composeOverrides: ['gnm-bind.network.yml', 'gnm-bind.mlnode.yml'].map((f) =>
          path.join(path.dirname(OFFICIAL_MANIFEST), 'overrides', f),
        ),
      }),
    );
    const dir2 = out();
    const m2 = buildBundle({ from: joinDir('v0.2.14'), manifest: src2, out: dir2 });
    renderRelease({
      bundleDir: dir2,
      manifest: m2,
      values: fullNodeValues(),
      secrets: HOST_SECRETS,
      stacksRoot: root,
      role: 'full',
    });
    expect([layout.current(), layout.previous()]).toEqual(['0.2.14-2', '0.2.14-1']);
    fs.writeFileSync(path.join(layout.stateDir, '.inference/data/blockstore.db'), 'chain-data-grown');
    expect(layout.rollback()).toBe('0.2.14-1');
    expect(layout.current()).toBe('0.2.14-1');
    for (const [f, c] of Object.entries(stateFiles)) {
      const expected = f.endsWith('blockstore.db') ? 'chain-data-grown' : c;
      expect(fs.readFileSync(path.join(layout.stateDir, f), 'utf8'), f).toBe(expected);
      expect(fs.readFileSync(path.join(layout.projectDir('0.2.14-1'), f), 'utf8')).toBe(expected);
    }
    expect(layout.prune()).toEqual([]);

    // Back on 0.2.14-1 by rollback; 0.2.14-2 may be applied again, but nothing older than current.
    renderRelease({
      bundleDir: dir2,
      manifest: m2,
      values: fullNodeValues(),
      secrets: HOST_SECRETS,
      stacksRoot: root,
      role: 'full',
    });
    expect(() =>
      renderRelease({
        bundleDir: dir1,
        manifest: m1,
        values: fullNodeValues(),
        secrets: HOST_SECRETS,
        stacksRoot: root,
        role: 'full',
      }),
    ).toThrow(/older than the current release 0.2.14-2: a lower version is reached only by rolling back/);
    expect(layout.current()).toBe('0.2.14-2');
  });
});
