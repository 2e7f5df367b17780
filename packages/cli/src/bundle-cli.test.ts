import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchBundle } from '@gnm/bundle';
import { joinDir } from '@gnm/testkit';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '../../..');
const MANIFEST = path.join(REPO_ROOT, 'packages/bundle/manifests/gonka-join-v0.2.14.json');
const GENESIS = path.join(REPO_ROOT, 'packages/sim/compose/genesis.json');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function gnm(...args: string[]): {
  code: number;
  out: string;
  err: string;
  json: () => Record<string, unknown>;
} {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(HERE, 'main.ts'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return {
    code: r.status ?? -1,
    out: r.stdout,
    err: r.stderr,
    json: () => JSON.parse(r.stdout) as Record<string, unknown>,
  };
}

// Each step spawns the real CLI (a Node process with a TypeScript loader): slow on a loaded 2-core machine.
describe('gnm bundle: the release procedure, offline, end to end', { timeout: 120_000 }, () => {
  it('keys init → build → threshold sign → publish → export → verified by a host that pins the root', async () => {
    const repo = path.join(tmp, 'repo');
    const keys = path.join(tmp, 'keys');
    const init = gnm(
      '--json',
      'bundle',
      'keys',
      'init',
      '--repo',
      repo,
      '--keys',
      keys,
      '--targets-keys',
      '2',
      '--targets-threshold',
      '2',
    );
    expect(init.code, init.err).toBe(0);
    const rootSha256 = String(init.json().rootSha256);
    expect(rootSha256).toMatch(/^[a-f0-9]{64}$/);
    for (const f of fs.readdirSync(keys).filter((x) => x.endsWith('.key.pem'))) {
      expect((fs.statSync(path.join(keys, f)).mode & 0o777).toString(8)).toBe('600');
    }

    // Two holders of targets keys: split them into two folders.
    const second = path.join(tmp, 'keys-holder-2');
    fs.mkdirSync(second);
    const targetsKeys = fs
      .readdirSync(keys)
      .filter((x) => x.startsWith('targets-') && x.endsWith('.key.pem'));
    const moved = targetsKeys[1] ?? '';
    fs.renameSync(path.join(keys, moved), path.join(second, moved));
    fs.renameSync(
      path.join(keys, moved.replace('.key.pem', '.pub.json')),
      path.join(second, moved.replace('.key.pem', '.pub.json')),
    );

    const out = path.join(tmp, 'bundle');
    const bad = gnm('bundle', 'build', '--from', joinDir('v0.2.14'), '--manifest', MANIFEST, '--out', out);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--file genesis/genesis.json=<path>');
    const built = gnm(
      '--json',
      'bundle',
      'build',
      '--from',
      joinDir('v0.2.14'),
      '--manifest',
      MANIFEST,
      '--out',
      out,
      '--file',
      `genesis/genesis.json=${GENESIS}`,
    );
    expect(built.code, built.err).toBe(0);
    expect(built.json().version).toBe('0.2.14-1');

    const s1 = gnm('--json', 'bundle', 'sign', '--repo', repo, '--keys', keys, '--bundle', out);
    expect(s1.code, s1.err).toBe(0);
    expect(s1.json()).toMatchObject({ signatures: 1, threshold: 2 });
    const s2 = gnm('--json', 'bundle', 'sign', '--repo', repo, '--keys', second, '--append');
    expect(s2.json()).toMatchObject({ signatures: 2, threshold: 2 });
    expect(gnm('bundle', 'publish', '--repo', repo, '--keys', keys).code).toBe(0);
    const archive = path.join(tmp, 'gonka-join-0.2.14-1.tar.gz');
    expect(gnm('bundle', 'export', '--repo', repo, '--out', archive).code).toBe(0);

    // A host (or control plane) gets only the archive; the host trusts only the pinned root.
    const served = path.join(tmp, 'served');
    fs.mkdirSync(served);
    await tar.extract({ file: archive, cwd: served });
    const server = http.createServer((req, res) => {
      const f = path.join(served, decodeURIComponent(req.url ?? '/'));
      if (!f.startsWith(served) || !fs.existsSync(f) || fs.statSync(f).isDirectory())
        res.writeHead(404).end();
      else res.writeHead(200).end(fs.readFileSync(f));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const got = await fetchBundle({
        repoUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        metadataDir: path.join(tmp, 'host/tuf'),
        rootSha256,
        initialRoot: fs.readFileSync(path.join(served, 'metadata/1.root.json')),
        name: 'gonka-join',
        version: '0.2.14-1',
        destDir: path.join(tmp, 'host/bundles'),
      });
      expect(fs.readFileSync(path.join(got.dir, 'deploy/join/docker-compose.yml'), 'utf8')).toBe(
        fs.readFileSync(path.join(joinDir('v0.2.14'), 'docker-compose.yml'), 'utf8'),
      );
    } finally {
      server.close();
    }
  });

  it('usage errors exit 2, with a message', () => {
    const r = gnm('bundle', 'keys', 'init', '--repo', path.join(tmp, 'x'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--keys/);
    const t = gnm(
      'bundle',
      'keys',
      'init',
      '--repo',
      path.join(tmp, 'y'),
      '--keys',
      path.join(tmp, 'k'),
      '--root-threshold',
      '3',
    );
    expect(t.code).toBe(2);
  });
});
