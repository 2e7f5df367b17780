import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { generateKey, type RoleName, type SigningKey } from './keys.js';
import { Repository } from './repo.js';
import { BundleVerificationError, fetchVerified, type VerifyFailure } from './client.js';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-tuf-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** A static file server over a repository directory (what the control plane serves). */
async function serve(dir: string): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/'));
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200).end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

type Keys = Record<RoleName, SigningKey[]>;
const keysOf = (n: Partial<Record<RoleName, number>> = {}): Keys => ({
  root: Array.from({ length: n.root ?? 1 }, () => generateKey('root')),
  targets: Array.from({ length: n.targets ?? 1 }, () => generateKey('targets')),
  snapshot: [generateKey('snapshot')],
  timestamp: [generateKey('timestamp')],
});

const BUNDLE = [
  'bundles/gonka-join/0.2.14-1/manifest.json',
  'bundles/gonka-join/0.2.14-1/deploy/join/docker-compose.yml',
];
const files = (tag = 'v1') => [
  { path: BUNDLE[0] ?? '', data: Buffer.from(JSON.stringify({ name: 'gonka-join', tag })) },
  { path: BUNDLE[1] ?? '', data: Buffer.from(`services: {} # ${tag}\n`) },
];

let n = 0;
interface Setup {
  repo: Repository;
  keys: Keys;
  url: string;
  close: () => void;
  hostDir: string;
  dest: string;
  fetch: (targets?: string[]) => Promise<Record<string, string>>;
}
async function setup(
  opts: {
    thresholds?: Partial<Record<RoleName, number>>;
    keyCounts?: Partial<Record<RoleName, number>>;
  } = {},
): Promise<Setup> {
  const dir = path.join(tmpRoot, `repo-${++n}`);
  const keys = keysOf(opts.keyCounts);
  const repo = Repository.init(dir, keys, opts.thresholds);
  const srv = await serve(dir);
  const hostDir = path.join(tmpRoot, `host-${n}`);
  const dest = path.join(hostDir, 'bundle');
  const rootBytes = fs.readFileSync(repo.rootFile(1));
  const rootSha256 = (await import('node:crypto')).createHash('sha256').update(rootBytes).digest('hex');
  return {
    repo,
    keys,
    ...srv,
    hostDir,
    dest,
    fetch: (targets = BUNDLE) =>
      fetchVerified({
        metadataDir: path.join(hostDir, 'tuf'),
        rootSha256,
        initialRoot: rootBytes,
        repoUrl: srv.url,
        targets,
        destDir: dest,
      }),
  };
}

async function refused(s: Setup, code: VerifyFailure, targets?: string[]): Promise<void> {
  const err = await s.fetch(targets).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the fetch must fail').toBeInstanceOf(BundleVerificationError);
  expect((err as BundleVerificationError).code, (err as Error).message).toBe(code);
  expect(fs.existsSync(s.dest), 'nothing written').toBe(false);
  expect(
    fs.existsSync(s.hostDir) ? fs.readdirSync(s.hostDir).filter((f) => f.includes('staging')) : [],
  ).toEqual([]);
}

describe('TUF: accepted', () => {
  let s: Setup;
  beforeEach(async () => {
    s?.close();
  });

  it('a freshly signed bundle, every file verified and written', async () => {
    s = await setup();
    s.repo.addTargets(files(), s.keys.targets);
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
    const out = await s.fetch();
    expect(fs.readFileSync(out[BUNDLE[1] ?? ''] ?? '', 'utf8')).toContain('# v1');
  });

  it('after root rotation (new targets keys, signed by old and new root keys)', async () => {
    s = await setup();
    s.repo.addTargets(files(), s.keys.targets);
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
    await s.fetch();
    const newTargets = [generateKey('targets')];
    const newRoot = [generateKey('root')];
    s.repo.rotate('targets', newTargets, 1, s.keys.root);
    s.repo.rotate('root', newRoot, 1, [...s.keys.root, ...newRoot]);
    s.repo.addTargets(files('v2'), newTargets);
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
    const out = await s.fetch();
    expect(fs.readFileSync(out[BUNDLE[1] ?? ''] ?? '', 'utf8')).toContain('# v2');
    // The old targets key is no longer trusted after the rotation.
    s.repo.addTargets(files('v3'), s.keys.targets);
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
    fs.rmSync(s.dest, { recursive: true });
    await refused(s, 'bad-signature');
  });

  it('threshold signatures: 2 of 3 targets keys', async () => {
    s = await setup({ thresholds: { targets: 2 }, keyCounts: { targets: 3 } });
    s.repo.addTargets(files(), [s.keys.targets[0] as SigningKey]);
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
    await refused(s, 'bad-signature');
    s.repo.appendTargetsSignatures([s.keys.targets[2] as SigningKey]);
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
    await s.fetch();
    expect(fs.existsSync(s.dest)).toBe(true);
  });
});

describe('TUF: the host keeps what it trusted', () => {
  it('in its metadata folder (0600 files), written from a scratch copy that is never left behind', async () => {
    const s = await setup();
    s.repo.addTargets(files(), s.keys.targets);
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
    fs.mkdirSync(path.join(s.hostDir, 'tuf.refresh-left-by-a-crash'), { recursive: true });
    await s.fetch();
    s.close();
    const tuf = path.join(s.hostDir, 'tuf');
    expect(fs.readdirSync(tuf).sort()).toEqual([
      'root.json',
      'snapshot.json',
      'targets.json',
      'timestamp.json',
    ]);
    for (const f of fs.readdirSync(tuf)) expect(fs.statSync(path.join(tuf, f)).mode & 0o777, f).toBe(0o600);
    expect(fs.readdirSync(s.hostDir).filter((f) => f.includes('.refresh-'))).toEqual([]);
  });
});

describe('TUF: refused, each with its own error, nothing written', () => {
  let s: Setup;
  const signed = async () => {
    s?.close();
    s = await setup();
    s.repo.addTargets(files(), s.keys.targets);
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
  };
  const targetFile = (p: string) => {
    const dir = path.join(s.repo.layout.targetsDir, path.dirname(p));
    const f = fs.readdirSync(dir).find((x) => x.endsWith(`.${path.basename(p)}`));
    return path.join(dir, f ?? '');
  };

  it('a file changed after signing', async () => {
    await signed();
    fs.appendFileSync(targetFile(BUNDLE[1] ?? ''), 'evil: true\n');
    await refused(s, 'mismatch');
  });

  it('the manifest changed after signing', async () => {
    await signed();
    fs.writeFileSync(targetFile(BUNDLE[0] ?? ''), JSON.stringify({ name: 'gonka-join', tag: 'evil' }));
    await refused(s, 'mismatch');
  });

  it("an unknown key's signature", async () => {
    await signed();
    s.repo.addTargets(files('v2'), [generateKey('targets')]);
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
    await refused(s, 'bad-signature');
  });

  it('an expired timestamp (freeze)', async () => {
    await signed();
    s.repo.publish(s.keys.snapshot, s.keys.timestamp, { root: 365, targets: 90, snapshot: 7, timestamp: -1 });
    await refused(s, 'expired');
  });

  it('lower metadata versions (rollback)', async () => {
    await signed();
    const oldTimestamp = fs.readFileSync(path.join(s.repo.layout.metadataDir, 'timestamp.json'));
    s.repo.addTargets(files('v2'), s.keys.targets);
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
    await s.fetch();
    fs.rmSync(s.dest, { recursive: true });
    fs.writeFileSync(path.join(s.repo.layout.metadataDir, 'timestamp.json'), oldTimestamp);
    await refused(s, 'rollback');
  });

  it('older targets in a freshly signed snapshot and timestamp (the online keys re-sign an old release)', async () => {
    await signed();
    s.repo.addTargets(files('v2'), s.keys.targets);
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
    await s.fetch();
    fs.rmSync(s.dest, { recursive: true });
    // Whoever holds the online keys wraps targets 1 in snapshot 3 and timestamp 3 (higher versions).
    const md = s.repo.layout.metadataDir;
    fs.renameSync(path.join(md, '2.targets.json'), path.join(tmpRoot, `targets-2-${n}.json`));
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
    const err = await s.fetch().catch((e: unknown) => e);
    expect((err as BundleVerificationError).code).toBe('rollback');
    expect((err as Error).message).toMatch(/targets\.json is less than current version 2/);
    await refused(s, 'rollback');
  });

  it('a timestamp naming another snapshot than the one served (mix-and-match)', async () => {
    await signed();
    s.repo.addTargets(files('v2'), s.keys.targets);
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
    const md = s.repo.layout.metadataDir;
    fs.copyFileSync(path.join(md, '1.snapshot.json'), path.join(md, '2.snapshot.json'));
    await refused(s, 'mix-and-match');
  });

  it('snapshot and targets that do not belong together (mix-and-match)', async () => {
    await signed();
    s.repo.addTargets(files('v2'), s.keys.targets);
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
    const md = s.repo.layout.metadataDir;
    fs.copyFileSync(path.join(md, '1.targets.json'), path.join(md, '2.targets.json'));
    await refused(s, 'mix-and-match');
  });

  it('oversized metadata', async () => {
    await signed();
    // A repository that serves a huge targets file: refused by size before it is parsed or trusted.
    const f = path.join(s.repo.layout.metadataDir, '1.targets.json');
    const real = fs.readFileSync(f, 'utf8').trimEnd();
    fs.writeFileSync(f, real + ' '.repeat(6 * 1024 * 1024) + '\n');
    await refused(s, 'too-large');
  });

  it('an oversized target', async () => {
    await signed();
    s.repo.addTargets(
      [{ path: 'bundles/gonka-join/0.2.14-1/big.bin', data: Buffer.alloc(64 * 1024 * 1024 + 1) }],
      s.keys.targets,
    );
    s.repo.publish(s.keys.snapshot, s.keys.timestamp);
    await refused(s, 'too-large', ['bundles/gonka-join/0.2.14-1/big.bin']);
  });

  it('a target path with ".." or an absolute path', async () => {
    await signed();
    await refused(s, 'bad-path', ['bundles/../../etc/passwd']);
    await refused(s, 'bad-path', ['/etc/passwd']);
    expect(() => s.repo.addTargets([{ path: '../x', data: Buffer.from('') }], s.keys.targets)).toThrow(
      /refused target path/,
    );
  });

  it('a root that is not the pinned one', async () => {
    await signed();
    const err = await fetchVerified({
      metadataDir: path.join(s.hostDir, 'tuf2'),
      rootSha256: '0'.repeat(64),
      initialRoot: fs.readFileSync(s.repo.rootFile(1)),
      repoUrl: s.url,
      targets: BUNDLE,
      destDir: s.dest,
    }).catch((e: unknown) => e);
    expect((err as BundleVerificationError).code).toBe('untrusted-root');
    s.close();
  });
});
