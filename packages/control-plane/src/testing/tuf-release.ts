import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import {
  Repository,
  buildBundle,
  generateKey,
  publishBundle,
  writeKey,
  ROLES,
  type RoleName,
  type SigningKey,
} from '@gnm/bundle';
import { joinDir } from '@gnm/testkit';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '../../../..');
const MANIFEST = path.join(REPO_ROOT, 'packages/bundle/manifests/gonka-join-v0.2.14.json');
/** The mainnet genesis is not among the fixtures; the sim's stands in (content is not inspected). */
const GENESIS = path.join(REPO_ROOT, 'packages/sim/compose/genesis.json');

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-cp-tuf-'));
export const tmpDir = (name: string): string => fs.mkdtempSync(path.join(tmpRoot, `${name}-`));
export const cleanupTuf = (): void => fs.rmSync(tmpRoot, { recursive: true, force: true });
export const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

let built: string | undefined;
/** The official v0.2.14 deploy/join files built into a bundle (once per test file). */
export function officialBundle(): string {
  if (!built) {
    built = path.join(tmpDir('bundle'), 'gonka-join');
    buildBundle({
      from: joinDir('v0.2.14'),
      manifest: MANIFEST,
      out: built,
      files: { 'genesis/genesis.json': GENESIS },
    });
  }
  return built;
}

/** The same bundle under another version (manifest.json is rewritten; the files and their hashes stay). */
export function bundleVersion(version: string): string {
  const dir = path.join(tmpDir('bundle'), `gonka-join-${version}`);
  fs.cpSync(officialBundle(), dir, { recursive: true });
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { version: string };
  m.version = version;
  fs.writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
  return dir;
}

/**
 * A release authority's repository, made with packages/bundle's helpers exactly as `gnm bundle keys
 * init / sign / publish` do; `archive()` writes what `gnm bundle export` writes.
 */
export class Release {
  readonly dir = tmpDir('repo');
  readonly keysDir = tmpDir('keys');
  readonly keys: Record<RoleName, SigningKey[]> = {
    root: [generateKey('root')],
    targets: [generateKey('targets')],
    snapshot: [generateKey('snapshot')],
    timestamp: [generateKey('timestamp')],
  };
  readonly repo: Repository;

  constructor() {
    for (const role of ROLES) for (const k of this.keys[role]) writeKey(this.keysDir, k);
    this.repo = Repository.init(this.dir, this.keys);
  }

  /** Signs a bundle into targets (offline targets keys) and publishes snapshot and timestamp. */
  release(bundleDir = officialBundle(), o: { publish?: boolean; targetsKeys?: SigningKey[] } = {}): this {
    publishBundle(this.repo, bundleDir, o.targetsKeys ?? this.keys.targets);
    if (o.publish !== false) this.publish();
    return this;
  }

  publish(timestampDays = 1): this {
    this.repo.publish(this.keys.snapshot, this.keys.timestamp, {
      root: 365,
      targets: 90,
      snapshot: 7,
      timestamp: timestampDays,
    });
    return this;
  }

  pem(role: RoleName): string {
    return this.keys[role][0]?.privatePem ?? '';
  }

  rootFile(version = 1): Buffer {
    return fs.readFileSync(this.repo.rootFile(version));
  }

  /** The archive `gnm bundle export` writes (same tar options). */
  async archive(): Promise<Buffer> {
    const out = path.join(tmpDir('archive'), 'repo.tar.gz');
    await tar.create({ gzip: true, file: out, cwd: this.dir, portable: true }, ['metadata', 'targets']);
    return fs.readFileSync(out);
  }

  /** The archive written by the real CLI (`gnm bundle export`, a child process). */
  cliArchive(): Buffer {
    const out = path.join(tmpDir('archive'), 'cli.tar.gz');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'packages/cli/src/main.ts'),
        'bundle',
        'export',
        '--repo',
        this.dir,
        '--out',
        out,
      ],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`gnm bundle export failed: ${r.stderr}`);
    return fs.readFileSync(out);
  }

  /** A file of the repository (e.g. a target to tamper with). */
  targetFile(targetPath: string): string {
    const dir = path.join(this.repo.layout.targetsDir, path.dirname(targetPath));
    const f = fs.readdirSync(dir).find((x) => x.endsWith(`.${path.basename(targetPath)}`));
    return path.join(dir, f ?? '');
  }
}

/** A plain static file server over a repository folder (an upstream TUF repository). */
export async function serveDir(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/'));
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200).end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** What a control plane holding the online keys signs (tests sign hostile metadata with it). */
export { signSnapshotAndTimestamp } from '../bundles/resign.js';
