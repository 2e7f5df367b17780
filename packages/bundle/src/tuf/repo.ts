import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  Metadata,
  MetaFile,
  MetadataKind,
  Root,
  Snapshot,
  TargetFile,
  Targets,
  Timestamp,
} from '@tufjs/models';
import type { JSONObject } from '@tufjs/models/dist/utils/index.js';
import { signerOf, type RoleName, type SigningKey } from './keys.js';

/** Default lifetimes in days (root and targets are signed offline, so they live longer). */
export const DEFAULT_EXPIRY_DAYS: Record<RoleName, number> = {
  root: 365,
  targets: 90,
  snapshot: 7,
  timestamp: 1,
};

export interface RepoLayout {
  metadataDir: string;
  targetsDir: string;
}

export function layoutOf(dir: string): RepoLayout {
  return { metadataDir: path.join(dir, 'metadata'), targetsDir: path.join(dir, 'targets') };
}

function expires(days: number, now = Date.now()): string {
  return new Date(now + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function writeAtomic(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

function sha256(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function readJson(file: string): JSONObject {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as JSONObject;
}

function signWith(md: Metadata<Root | Targets | Snapshot | Timestamp>, keys: SigningKey[]): void {
  for (const k of keys) md.sign(signerOf(k), true);
}

/**
 * A TUF repository on disk (consistent snapshots: `<v>.root.json`, `<v>.targets.json`,
 * `<v>.snapshot.json`, `timestamp.json`; targets stored as `<dir>/<sha256>.<name>`), served as static
 * files. Written by the release authority (root, targets: offline keys) and by the control plane
 * (snapshot, timestamp: online keys). No cryptography of our own: @tufjs/models builds and signs.
 */
export class Repository {
  readonly layout: RepoLayout;

  constructor(readonly dir: string) {
    this.layout = layoutOf(dir);
  }

  /** Creates root v1 from the role keys and thresholds (signed by the root keys). */
  static init(
    dir: string,
    keys: Record<RoleName, SigningKey[]>,
    thresholds: Partial<Record<RoleName, number>> = {},
    expiryDays = DEFAULT_EXPIRY_DAYS,
  ): Repository {
    const repo = new Repository(dir);
    if (fs.existsSync(path.join(repo.layout.metadataDir, '1.root.json')))
      throw new Error(`${dir} already holds a TUF repository`);
    const json: JSONObject = {
      _type: 'root',
      spec_version: '1.0.31',
      version: 1,
      expires: expires(expiryDays.root),
      consistent_snapshot: true,
      keys: {},
      roles: {},
    };
    for (const role of ['root', 'targets', 'snapshot', 'timestamp'] as const) {
      const threshold = thresholds[role] ?? 1;
      if (keys[role].length < threshold)
        throw new Error(
          `${role}: threshold ${threshold} needs at least ${threshold} keys, got ${keys[role].length}`,
        );
      setRole(json, role, keys[role], threshold);
    }
    const root = Root.fromJSON(json);
    const md = new Metadata(root);
    signWith(md, keys.root);
    repo.writeMeta('1.root.json', md);
    return repo;
  }

  private writeMeta(name: string, md: Metadata<Root | Targets | Snapshot | Timestamp>): void {
    writeAtomic(path.join(this.layout.metadataDir, name), `${JSON.stringify(md.toJSON())}\n`);
  }

  private latestVersion(kind: 'root' | 'targets' | 'snapshot'): number {
    if (!fs.existsSync(this.layout.metadataDir)) return 0;
    let v = 0;
    for (const f of fs.readdirSync(this.layout.metadataDir)) {
      const m = new RegExp(`^(\\d+)\\.${kind}\\.json$`).exec(f);
      if (m?.[1]) v = Math.max(v, Number(m[1]));
    }
    return v;
  }

  root(): Metadata<Root> {
    const v = this.latestVersion('root');
    if (!v) throw new Error(`${this.dir} has no root metadata: run \`gnm bundle keys init\` first`);
    return Metadata.fromJSON(
      MetadataKind.Root,
      readJson(path.join(this.layout.metadataDir, `${v}.root.json`)),
    );
  }

  targets(): Metadata<Targets> | undefined {
    const v = this.latestVersion('targets');
    return v
      ? Metadata.fromJSON(
          MetadataKind.Targets,
          readJson(path.join(this.layout.metadataDir, `${v}.targets.json`)),
        )
      : undefined;
  }

  /** The file an agent pins (its sha256 travels in the install command). */
  rootFile(version = 1): string {
    return path.join(this.layout.metadataDir, `${version}.root.json`);
  }

  /**
   * Adds (or replaces) target files and signs a new targets version. With a threshold above the
   * number of keys given, the result is partially signed; `appendTargetsSignatures` adds the rest.
   */
  addTargets(
    files: { path: string; data: Buffer }[],
    signers: SigningKey[],
    expiryDays = DEFAULT_EXPIRY_DAYS.targets,
  ): Metadata<Targets> {
    const prev = this.targets();
    const t = new Targets({
      version: (prev?.signed.version ?? 0) + 1,
      specVersion: '1.0.31',
      expires: expires(expiryDays),
    });
    for (const [p, f] of Object.entries(prev?.signed.targets ?? {})) t.targets[p] = f;
    for (const f of files) {
      assertTargetPath(f.path);
      const hash = sha256(f.data);
      t.targets[f.path] = new TargetFile({ path: f.path, length: f.data.length, hashes: { sha256: hash } });
      const dest = path.join(
        this.layout.targetsDir,
        path.dirname(f.path),
        `${hash}.${path.basename(f.path)}`,
      );
      if (!fs.existsSync(dest)) writeAtomic(dest, f.data);
    }
    const md = new Metadata(t);
    signWith(md, signers);
    this.writeMeta(`${t.version}.targets.json`, md);
    return md;
  }

  /** Adds signatures (another holder of a targets key) to the latest targets metadata. */
  appendTargetsSignatures(signers: SigningKey[]): Metadata<Targets> {
    const md = this.targets();
    if (!md) throw new Error('no targets metadata to sign');
    signWith(md, signers);
    this.writeMeta(`${md.signed.version}.targets.json`, md);
    return md;
  }

  /** New snapshot and timestamp over the latest targets (the online keys' job). */
  publish(
    snapshotSigners: SigningKey[],
    timestampSigners: SigningKey[],
    expiryDays = DEFAULT_EXPIRY_DAYS,
  ): void {
    const targets = this.targets();
    if (!targets) throw new Error('nothing to publish: no targets metadata');
    const snapVersion = this.latestVersion('snapshot') + 1;
    const snap = new Snapshot({
      version: snapVersion,
      specVersion: '1.0.31',
      expires: expires(expiryDays.snapshot),
      meta: { 'targets.json': new MetaFile({ version: targets.signed.version }) },
    });
    const snapMd = new Metadata(snap);
    signWith(snapMd, snapshotSigners);
    this.writeMeta(`${snapVersion}.snapshot.json`, snapMd);
    const snapBytes = fs.readFileSync(path.join(this.layout.metadataDir, `${snapVersion}.snapshot.json`));
    let tsVersion = 1;
    const tsFile = path.join(this.layout.metadataDir, 'timestamp.json');
    if (fs.existsSync(tsFile))
      tsVersion = Metadata.fromJSON(MetadataKind.Timestamp, readJson(tsFile)).signed.version + 1;
    const ts = new Timestamp({
      version: tsVersion,
      specVersion: '1.0.31',
      expires: expires(expiryDays.timestamp),
      snapshotMeta: new MetaFile({
        version: snapVersion,
        length: snapBytes.length,
        hashes: { sha256: sha256(snapBytes) },
      }),
    });
    const tsMd = new Metadata(ts);
    signWith(tsMd, timestampSigners);
    this.writeMeta('timestamp.json', tsMd);
  }

  /**
   * Root rotation: a new root version with new keys for `role`, signed by enough old root keys (so
   * clients trust the change) and by the new root keys (so it is valid on its own).
   */
  rotate(
    role: RoleName,
    newKeys: SigningKey[],
    threshold: number,
    signers: SigningKey[],
    expiryDays = DEFAULT_EXPIRY_DAYS.root,
  ): Metadata<Root> {
    const prev = this.root();
    const json = prev.signed.toJSON();
    json.version = prev.signed.version + 1;
    json.expires = expires(expiryDays);
    setRole(json, role, newKeys, threshold);
    const signed = Root.fromJSON(json);
    const md = new Metadata(signed);
    signWith(md, signers);
    this.writeMeta(`${signed.version}.root.json`, md);
    return md;
  }
}

/** Sets a role's keys and threshold in root JSON, dropping keys no role uses any more. */
function setRole(json: JSONObject, role: RoleName, keys: SigningKey[], threshold: number): void {
  const roles = json.roles as Record<string, { keyids: string[]; threshold: number }>;
  const allKeys = json.keys as Record<string, JSONObject>;
  roles[role] = { keyids: keys.map((k) => k.keyId), threshold };
  for (const k of keys)
    allKeys[k.keyId] = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: k.publicHex } };
  const used = new Set(Object.values(roles).flatMap((r) => r.keyids));
  json.keys = Object.fromEntries(Object.entries(allKeys).filter(([id]) => used.has(id)));
}

/** Target paths are relative, slash-separated, without `.`/`..` segments or backslashes. */
export function assertTargetPath(p: string): void {
  if (
    !p ||
    p.startsWith('/') ||
    p.includes('\\') ||
    p.includes('\0') ||
    p.split('/').some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new Error(`refused target path "${p}": it must be relative, without "..", "." or empty segments`);
  }
}
