import crypto from 'node:crypto';
import { Metadata, MetadataKind, type Root } from '@tufjs/models';
import type { JSONObject } from '@tufjs/models/dist/utils/index.js';
import type { Kysely } from 'kysely';
import { BundleManifest, BundleVerificationError } from '@gnm/bundle';
import type { BundlesTable, Database } from '../db/schema.js';
import { SecretBox } from '../secrets/secret-box.js';
import { unpackArchive } from './archive.js';
import { BundleRepositoryError } from './errors.js';
import {
  checkKeyFormat,
  identifyOnlineKeys,
  readKeyDir,
  signersFor,
  type OnlineKey,
  type OnlineRole,
} from './online-keys.js';
import { versionsOf, type RepoFiles } from './repo-files.js';
import { signSnapshotAndTimestamp, type Lifetimes, type SignedOnline } from './resign.js';
import { BundleStore, type Changes, type MetaRow } from './store.js';
import { verifyRepository, type FileSource, type VerifiedRepository } from './tuf-verify.js';
import { fetchUpstream } from './upstream.js';

export interface BundleRepositoryLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface BundleRepositoryOptions {
  /** The data folder (`<dataDir>/secret.key` holds the master key when `secretKey` is not set). */
  dataDir: string;
  /** GNM_SECRET_KEY: base64 of 32 bytes; encrypts the online keys at rest. */
  secretKey?: string | undefined;
  /** GNM_TUF_ONLINE_KEYS_DIR: a folder of snapshot/timestamp `*.key.pem` files, read at start. */
  onlineKeysDir?: string | undefined;
  /** GNM_TUF_UPSTREAM: base URL of an upstream TUF repository (`<url>/metadata/…`, `<url>/targets/…`). */
  upstream?: string | undefined;
  /** GNM_TUF_UPSTREAM_ROOT_SHA256: sha256 of the upstream's 1.root.json, for the first mirror without an import. */
  upstreamRootSha256?: string | undefined;
  /** Lifetimes of the snapshot and timestamp the control plane signs (days). */
  lifetimes?: Lifetimes;
  /** The clock (ms since the epoch); tests inject one. */
  now?: () => number;
  log?: BundleRepositoryLog;
}

export interface BundleInfo {
  name: string;
  version: string;
  gonkaRelease: string;
  importedAt: string;
  fileCount: number;
}

export interface TrustInfo {
  /** sha256 (hex) of the current root.json as served: the pin of the install command. */
  rootSha256: string | null;
  rootVersion: number | null;
  timestampExpiresAt: string | null;
  /** Whether the control plane holds usable snapshot and timestamp keys for the current root. */
  onlineKeys: boolean;
  /** Why the online keys cannot be used, when they cannot. */
  onlineKeysProblem: string | null;
}

export interface ImportResult {
  /** False when everything was already stored (re-importing the same archive). */
  changed: boolean;
  /** True on the first import: its 1.root.json became the trusted root (trust on first use by the owner). */
  trustEstablished: boolean;
  /** With trustEstablished: sha256 of that 1.root.json — compare it with the release authority's. */
  initialRootSha256: string | null;
  rootSha256: string;
  rootVersion: number;
  targetsVersion: number;
  /** Whether the control plane signed a new snapshot and timestamp with its online keys. */
  resigned: boolean;
  bundles: (BundleInfo & { new: boolean })[];
  /** Something the owner should act on (e.g. nobody re-signs the timestamp). */
  warning: string | null;
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const MANIFEST_PATH = /^bundles\/([^/]+)\/([^/]+)\/manifest\.json$/;
const METADATA_NAME = /^(?:[1-9]\d{0,9}\.(?:root|snapshot|targets)|timestamp)\.json$/;
const keyContext = (keyId: string) => `tuf-online-key:${keyId}`;

function parseRoot(data: Buffer): Root {
  return Metadata.fromJSON(MetadataKind.Root, JSON.parse(data.toString('utf8')) as JSONObject).signed;
}

/** A root's parsed form, or undefined when it does not parse (tuf-js then refuses it with a reason). */
function tryParseRoot(data: Buffer | undefined): Root | undefined {
  if (!data) return undefined;
  try {
    return parseRoot(data);
  } catch {
    return undefined;
  }
}

/** Whether a snapshot or timestamp is (still) signed by enough of that role's keys in `rootData`. */
function validUnder(rootData: Buffer, role: 'snapshot' | 'timestamp', data: Buffer): boolean {
  try {
    const root = Metadata.fromJSON(MetadataKind.Root, JSON.parse(rootData.toString('utf8')) as JSONObject);
    const json = JSON.parse(data.toString('utf8')) as JSONObject;
    const md =
      role === 'snapshot'
        ? Metadata.fromJSON(MetadataKind.Snapshot, json)
        : Metadata.fromJSON(MetadataKind.Timestamp, json);
    root.verifyDelegate(role, md);
    return true;
  } catch {
    return false;
  }
}

/** Canonical comparison of two metadata files' signed parts (more signatures on the same content is the same). */
function sameSigned(a: Buffer, b: Buffer): boolean {
  try {
    const sa = (JSON.parse(a.toString('utf8')) as { signed?: unknown }).signed;
    const sb = (JSON.parse(b.toString('utf8')) as { signed?: unknown }).signed;
    return JSON.stringify(sa) === JSON.stringify(sb);
  } catch {
    return false;
  }
}

/**
 * The control plane's bundle repository (DESIGN.md invariant 3, "Stack bundles"): imports signed
 * archives (or mirrors an upstream TUF repository), verifies everything with tuf-js against the trusted
 * root exactly as an agent would, stores metadata and target files in the database, serves them to
 * agents, and re-signs only snapshot and timestamp with its online keys (sealed at rest). It never holds
 * root or targets keys and never changes root or targets metadata.
 *
 * Imports, mirrors, key changes and re-signing run one at a time (in this process).
 */
export class BundleRepository {
  private readonly store: BundleStore;
  private readonly box: SecretBox;
  private readonly now: () => number;
  private readonly log: BundleRepositoryLog;
  private pending: string[] | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private lastProblem: string | undefined;

  constructor(
    db: Kysely<Database>,
    private readonly opts: BundleRepositoryOptions,
  ) {
    this.store = new BundleStore(db);
    this.box = new SecretBox({ envKey: opts.secretKey, dataDir: opts.dataDir });
    this.now = opts.now ?? Date.now;
    const quiet = () => undefined;
    this.log = opts.log ?? { info: quiet, warn: quiet, error: quiet };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Imports a `gnm bundle export` archive (tar.gz). Nothing is stored unless everything verifies. */
  import(archive: Buffer): Promise<ImportResult> {
    return this.exclusive(async () => this.ingest(await unpackArchive(archive)));
  }

  /** Fetches the upstream repository (GNM_TUF_UPSTREAM) with tuf-js and imports it the same way. */
  mirror(): Promise<ImportResult> {
    return this.exclusive(async () => {
      if (!this.opts.upstream)
        throw new BundleRepositoryError(
          'no-upstream',
          'no upstream repository is configured: set GNM_TUF_UPSTREAM to the https URL of a TUF repository',
        );
      const root = await this.store.latest('root');
      const files = await fetchUpstream({
        url: this.opts.upstream,
        trustedRoot: root?.data,
        pinnedRootSha256: this.opts.upstreamRootSha256,
      });
      return this.ingest(files);
    });
  }

  /**
   * Stores the online (snapshot, timestamp) private keys, sealed with the secret box, replacing the
   * previous ones, and re-signs at once. Root and targets keys are refused: they must stay offline.
   */
  setOnlineKeys(
    pems: string[],
  ): Promise<{ keys: { keyId: string; role: OnlineRole }[]; resigned: boolean; warning: string | null }> {
    return this.exclusive(async () => {
      const root = await this.store.latest('root');
      if (!root)
        throw new BundleRepositoryError(
          'no-trusted-root',
          'import a signed archive first: its root says which keys are the snapshot and timestamp keys',
        );
      const keys = this.checkKeys(pems, parseRoot(root.data));
      await this.store.commit({ metadata: [], targets: [], bundles: [], onlineKeys: this.seal(keys) });
      this.pending = undefined;
      // The keys are stored either way; a repository that cannot be re-signed (e.g. expired targets
      // metadata) is reported, not a reason to refuse the keys.
      let warning: string | null = null;
      const resigned = await this.resignLocked(true).catch((e: unknown) => {
        warning = `the keys are stored, but the repository could not be re-signed: ${(e as Error).message}`;
        return false;
      });
      return { keys: keys.map((k) => ({ keyId: k.keyId, role: k.role })), resigned, warning };
    });
  }

  /**
   * Reads GNM_TUF_ONLINE_KEYS_DIR at start. Keys of the trusted root are checked and stored at once;
   * before the first import (or when they belong to a root not imported yet) they are kept in memory
   * and stored by the import whose root lists them. A root or targets key is always an error.
   */
  loadOnlineKeysDir(dir: string): Promise<void> {
    return this.exclusive(async () => {
      const pems = readKeyDir(dir);
      const root = await this.store.latest('root');
      if (!root) {
        checkKeyFormat(pems);
        this.pending = pems;
        this.log.info(
          `bundle repository: ${pems.length} online key(s) from ${dir} will be checked against the root of the first import`,
        );
        return;
      }
      let keys: OnlineKey[];
      try {
        keys = this.checkKeys(pems, parseRoot(root.data));
      } catch (e) {
        if (e instanceof BundleRepositoryError && e.code === 'offline-key') throw e;
        // Keys of a root not imported yet (the release authority rotated the online keys): kept for the
        // import that brings that root.
        checkKeyFormat(pems);
        this.pending = pems;
        this.log.warn(
          `bundle repository: the keys in ${dir} do not fit the trusted root (${(e as Error).message}); they will be used once an imported root lists them`,
        );
        return;
      }
      this.pending = undefined;
      const stored = (await this.store.onlineKeys()).map((k) => k.key_id).join(',');
      if (
        stored !==
        keys
          .map((k) => k.keyId)
          .sort()
          .join(',')
      ) {
        await this.store.commit({ metadata: [], targets: [], bundles: [], onlineKeys: this.seal(keys) });
        this.log.info(`bundle repository: stored ${keys.length} online key(s) from ${dir} (encrypted)`);
      }
    });
  }

  /** Re-signs snapshot and timestamp when less than half of the timestamp's lifetime is left. */
  resignIfDue(): Promise<boolean> {
    return this.exclusive(() => this.resignLocked(false));
  }

  /** Checks every `intervalMs` (default one minute) whether the timestamp needs re-signing. */
  startResigning(o: { intervalMs?: number } = {}): () => void {
    const tick = () =>
      void this.resignIfDue().catch((e: unknown) =>
        this.log.error(`bundle repository: re-signing failed: ${(e as Error).message}`),
      );
    tick();
    const t = setInterval(tick, o.intervalMs ?? 60_000);
    t.unref();
    return () => clearInterval(t);
  }

  /** Mirrors the upstream (when GNM_TUF_UPSTREAM is set) now and every `intervalMs` (default 15 minutes). */
  startMirroring(o: { intervalMs?: number } = {}): () => void {
    if (!this.opts.upstream) return () => undefined;
    const tick = () =>
      void this.mirror().then(
        (r) => {
          if (r.changed)
            this.log.info(
              `bundle repository: mirrored ${this.opts.upstream} (targets v${r.targetsVersion}, root v${r.rootVersion})`,
            );
        },
        (e: unknown) => this.log.error(`bundle repository: mirroring failed: ${(e as Error).message}`),
      );
    tick();
    const t = setInterval(tick, o.intervalMs ?? 15 * 60_000);
    t.unref();
    return () => clearInterval(t);
  }

  async list(): Promise<BundleInfo[]> {
    return (await this.store.bundles()).map((b) => ({
      name: b.name,
      version: b.version,
      gonkaRelease: b.gonka_release,
      importedAt: b.imported_at,
      fileCount: b.file_count,
    }));
  }

  async trust(): Promise<TrustInfo> {
    const root = await this.store.latest('root');
    const ts = await this.store.metadata('timestamp.json');
    let problem: string | null = null;
    let usable = false;
    if (root) {
      try {
        const s = signersFor(parseRoot(root.data), await this.openKeys());
        usable = s.usable;
        problem = s.problem ?? null;
      } catch (e) {
        problem = (e as Error).message;
      }
    } else problem = 'no trusted root yet: import a signed archive first';
    return {
      rootSha256: root ? sha256(root.data) : null,
      rootVersion: root?.version ?? null,
      timestampExpiresAt: ts?.expiresAt ?? null,
      onlineKeys: usable,
      onlineKeysProblem: usable ? null : problem,
    };
  }

  /**
   * A file of the served TUF tree: `metadata/<name>` (`root.json` is the current root, also
   * `<v>.root.json`, `timestamp.json`, `<v>.snapshot.json`, `<v>.targets.json`) or `targets/<stored path>`.
   */
  async getFile(p: string): Promise<{ data: Buffer; contentType: string } | undefined> {
    if (p.length > 2048) return undefined;
    if (p.startsWith('metadata/')) {
      const name = p.slice('metadata/'.length);
      let row: MetaRow | undefined;
      if (name === 'root.json') row = await this.store.latest('root');
      else if (name === 'snapshot.json') row = await this.store.latest('snapshot');
      else if (name === 'targets.json') row = await this.store.latest('targets');
      else if (METADATA_NAME.test(name)) row = await this.store.metadata(name);
      return row && { data: row.data, contentType: 'application/json' };
    }
    if (p.startsWith('targets/')) {
      const data = await this.store.target(p.slice('targets/'.length));
      return data && { data, contentType: 'application/octet-stream' };
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------

  private checkKeys(pems: string[], root: Root): OnlineKey[] {
    const keys = identifyOnlineKeys(pems, root);
    const s = signersFor(root, keys);
    if (!s.usable) throw new BundleRepositoryError('bad-key', `refused: ${s.problem ?? 'unusable keys'}`);
    return keys;
  }

  /**
   * The keys of GNM_TUF_ONLINE_KEYS_DIR waiting for a root that lists them: those keys when `root` does
   * (with both thresholds met), else undefined. A root or targets key among them refuses the import.
   */
  private pendingFor(root: Root | undefined): OnlineKey[] | undefined {
    if (!this.pending || !root) return undefined;
    try {
      const keys = identifyOnlineKeys(this.pending, root);
      return signersFor(root, keys).usable ? keys : undefined;
    } catch (e) {
      if (e instanceof BundleRepositoryError && e.code === 'offline-key')
        throw new BundleRepositoryError(
          'offline-key',
          `GNM_TUF_ONLINE_KEYS_DIR: ${e.message}; nothing was imported`,
        );
      return undefined;
    }
  }

  private seal(keys: OnlineKey[]): NonNullable<Changes['onlineKeys']> {
    const at = new Date(this.now()).toISOString();
    return keys.map((k) => ({
      key_id: k.keyId,
      role: k.role,
      public_hex: k.publicHex,
      private_pem_sealed: this.box.seal(k.privatePem, keyContext(k.keyId)),
      created_at: at,
    }));
  }

  /** The stored online keys, decrypted (a wrong master key is an error that says what to do). */
  private async openKeys(): Promise<OnlineKey[]> {
    return (await this.store.onlineKeys()).map((r) => ({
      keyId: r.key_id,
      role: r.role,
      publicHex: r.public_hex,
      privatePem: this.box.open(r.private_pem_sealed, keyContext(r.key_id)).toString('utf8'),
    }));
  }

  private due(ts: MetaRow | undefined): boolean {
    if (!ts) return true;
    const expires = Date.parse(ts.expiresAt);
    const lifetime = expires - Date.parse(ts.createdAt);
    return !(lifetime > 0) || expires - this.now() < lifetime / 2;
  }

  private async resignLocked(force: boolean): Promise<boolean> {
    const root = await this.store.latest('root');
    const targets = await this.store.latest('targets');
    if (!root || !targets) return false;
    const ts = await this.store.metadata('timestamp.json');
    if (!force && !this.due(ts)) return false;
    const signers = signersFor(parseRoot(root.data), await this.openKeys());
    if (!signers.usable) {
      if (signers.problem !== this.lastProblem)
        this.log.warn(`bundle repository: cannot re-sign the timestamp: ${signers.problem ?? ''}`);
      this.lastProblem = signers.problem;
      return false;
    }
    this.lastProblem = undefined;
    const snap = await this.store.latest('snapshot');
    const signed = signSnapshotAndTimestamp({
      targets,
      lastSnapshotVersion: snap?.version ?? 0,
      lastTimestampVersion: ts?.version ?? 0,
      snapshotKeys: signers.snapshot,
      timestampKeys: signers.timestamp,
      now: this.now(),
      ...(this.opts.lifetimes ? { lifetimes: this.opts.lifetimes } : {}),
    });
    const v = await verifyRepository({
      trustedRoot: root.data,
      source: this.onlineSource(signed, targets, {
        metadata: async () => undefined,
        target: async () => undefined,
      }),
      checkTargets: false,
    });
    await this.store.commit({ metadata: this.onlineRows(v), targets: [], bundles: [] });
    this.log.info(
      `bundle repository: signed snapshot v${v.snapshot.version} and timestamp v${v.timestamp.version} (expires ${v.timestamp.expires})`,
    );
    return true;
  }

  /** Metadata lookups with our freshly signed snapshot and timestamp in front of `rest`. */
  private onlineSource(
    signed: SignedOnline,
    targets: { version: number; data: Buffer },
    rest: FileSource,
  ): FileSource {
    return {
      metadata: async (name) => {
        if (name === 'timestamp.json') return signed.timestamp.data;
        if (name === `${signed.snapshot.version}.snapshot.json`) return signed.snapshot.data;
        if (name === `${targets.version}.targets.json`) return targets.data;
        if (/snapshot|timestamp|targets/.test(name)) return undefined;
        return rest.metadata(name);
      },
      target: (p) => rest.target(p),
    };
  }

  private onlineRows(v: VerifiedRepository): [MetaRow, MetaRow] {
    const at = new Date(this.now()).toISOString();
    return [
      {
        name: `${v.snapshot.version}.snapshot.json`,
        role: 'snapshot',
        version: v.snapshot.version,
        data: v.snapshot.data,
        expiresAt: v.snapshot.expires,
        createdAt: at,
      },
      {
        name: 'timestamp.json',
        role: 'timestamp',
        version: v.timestamp.version,
        data: v.timestamp.data,
        expiresAt: v.timestamp.expires,
        createdAt: at,
      },
    ];
  }

  /** The import pipeline shared by archives and the upstream mirror. */
  private async ingest(files: RepoFiles): Promise<ImportResult> {
    const now = this.now();
    const at = new Date(now).toISOString();
    const storedRoot = await this.store.latest('root');
    const fileRoots = versionsOf(files.metadata, 'root');

    // 1. The trust anchor: the stored root, or (first import) the archive's 1.root.json.
    let trusted: Buffer;
    let trustedVersion: number;
    if (storedRoot) {
      for (const v of fileRoots.filter((x) => x <= storedRoot.version)) {
        const mine = await this.store.metadata(`${v}.root.json`);
        const theirs = files.metadata.get(`${v}.root.json`);
        if (mine && theirs && !mine.data.equals(theirs))
          throw new BundleVerificationError(
            'untrusted-root',
            `refused: root version ${v} of the archive is not the one this control plane trusts (a different release authority or a forked root); the trusted root.json has sha256 ${sha256(storedRoot.data)}`,
          );
      }
      const newest = fileRoots.at(-1);
      if (newest !== undefined && newest < storedRoot.version)
        throw new BundleVerificationError(
          'rollback',
          `refused: the archive's newest root is version ${newest}, older than the trusted root version ${storedRoot.version} (rollback): export the current repository again`,
        );
      trusted = storedRoot.data;
      trustedVersion = storedRoot.version;
    } else {
      const first = files.metadata.get('1.root.json');
      if (!first)
        throw new BundleRepositoryError(
          'bad-archive',
          'the archive has no metadata/1.root.json, so there is no root to trust: export the whole repository with `gnm bundle export`',
        );
      if (tryParseRoot(first)?.version !== 1)
        throw new BundleRepositoryError(
          'bad-archive',
          'metadata/1.root.json of the archive is not a version-1 root: export the repository again with `gnm bundle export`',
        );
      trusted = first;
      trustedVersion = 1;
    }

    // 2. The root the archive leads to (unverified here; tuf-js verifies the chain below), for the keys.
    let candidateRoot = tryParseRoot(trusted);
    for (let v = trustedVersion + 1; files.metadata.has(`${v}.root.json`); v++)
      candidateRoot = tryParseRoot(files.metadata.get(`${v}.root.json`)) ?? candidateRoot;
    const keys = this.pendingFor(candidateRoot) ?? (await this.openKeys());
    const signers = candidateRoot ? signersFor(candidateRoot, keys) : undefined;

    // 3. What will be served: with usable online keys, the archive's roots and newest targets under a
    //    snapshot and timestamp signed here; without, the archive's own snapshot and timestamp.
    const storedTargets = await this.store.latest('targets');
    const storedSnap = await this.store.latest('snapshot');
    const storedTs = await this.store.metadata('timestamp.json');
    const targetSource: FileSource['target'] = async (p) => files.targets.get(p) ?? this.store.target(p);
    let source: FileSource;
    let resigned = false;
    if (signers?.usable) {
      const newestTargets = versionsOf(files.metadata, 'targets').at(-1);
      let targets: { version: number; data: Buffer };
      if (newestTargets === undefined) {
        if (!storedTargets)
          throw new BundleRepositoryError(
            'bad-archive',
            'the archive has no targets metadata: sign a bundle into the repository first (`gnm bundle sign`)',
          );
        targets = storedTargets;
      } else {
        const data = files.metadata.get(`${newestTargets}.targets.json`) ?? Buffer.alloc(0);
        this.checkTargetsVersion(newestTargets, data, storedTargets);
        targets =
          storedTargets && storedTargets.version === newestTargets
            ? storedTargets
            : { version: newestTargets, data };
      }
      const fresh =
        fileRoots.some((v) => v > trustedVersion) ||
        !storedTargets ||
        targets.version > storedTargets.version ||
        !storedSnap ||
        this.due(storedTs);
      let online: SignedOnline | undefined;
      if (fresh) {
        online = signSnapshotAndTimestamp({
          targets,
          lastSnapshotVersion: storedSnap?.version ?? 0,
          lastTimestampVersion: storedTs?.version ?? 0,
          snapshotKeys: signers.snapshot,
          timestampKeys: signers.timestamp,
          now,
          ...(this.opts.lifetimes ? { lifetimes: this.opts.lifetimes } : {}),
        });
        resigned = true;
      } else if (storedSnap && storedTs) {
        online = {
          snapshot: { version: storedSnap.version, data: storedSnap.data },
          timestamp: { version: storedTs.version, data: storedTs.data },
        };
      }
      const rest: FileSource = {
        metadata: async (n) => (n.endsWith('.root.json') ? files.metadata.get(n) : undefined),
        target: targetSource,
      };
      source = online ? this.onlineSource(online, targets, rest) : rest;
    } else {
      source = { metadata: async (n) => files.metadata.get(n), target: targetSource };
    }

    // 4. Verify everything, as an agent would.
    const v = await verifyRepository({ trustedRoot: trusted, source, checkTargets: true }).catch(
      (e: unknown) => {
        if (e instanceof BundleVerificationError && e.code === 'expired') {
          const hint = resigned
            ? 'the release authority must sign the targets (or root) metadata again (`gnm bundle sign`) and export a new archive'
            : `${signers?.problem ?? 'give the control plane its online keys (PUT /api/v1/bundles/online-keys) so that it signs a fresh timestamp'}, or publish and export the repository again`;
          throw new BundleVerificationError('expired', `${e.message}: ${hint}`);
        }
        throw e;
      },
    );
    const gap = fileRoots.find((x) => x > v.root.version);
    if (gap !== undefined)
      throw new BundleRepositoryError(
        'bad-archive',
        `root version ${gap} does not follow version ${v.root.version} (a root version is missing): export the whole repository again`,
      );
    this.checkTargetsVersion(v.targets.version, v.targets.data, storedTargets);
    const rootData = v.newRoots.get(v.root.version) ?? trusted;
    if (!resigned) {
      const hint =
        signers?.problem ??
        'give the control plane its online keys (PUT /api/v1/bundles/online-keys) so that it signs newer ones';
      const refuse = (kind: string, theirs: number, mine: number) =>
        new BundleVerificationError(
          'rollback',
          `refused: the archive's ${kind} is version ${theirs}, not newer than the version ${mine} this control plane serves (rollback): ${hint}`,
        );
      // Agents hold on to the timestamp they trust, and through it to the snapshot version, unless the
      // timestamp keys were rotated: then they drop it (TUF 5.3.11, fast-forward recovery). The same here.
      if (storedTs && validUnder(rootData, 'timestamp', storedTs.data)) {
        const ts = v.timestamp;
        if (
          ts.version < storedTs.version ||
          (ts.version === storedTs.version && !ts.data.equals(storedTs.data))
        )
          throw refuse('timestamp', ts.version, storedTs.version);
        const snap = v.snapshot;
        if (
          storedSnap &&
          (snap.version < storedSnap.version ||
            (snap.version === storedSnap.version &&
              !snap.data.equals(storedSnap.data) &&
              validUnder(rootData, 'snapshot', storedSnap.data)))
        )
          throw refuse('snapshot', snap.version, storedSnap.version);
      }
    }

    // 5. Every bundle's manifest and files against the signed targets.
    const byPath = new Map(v.files.map((f) => [f.targetPath, f]));
    const bundles: BundlesTable[] = [];
    for (const f of v.files) {
      const m = MANIFEST_PATH.exec(f.targetPath);
      if (!m) continue;
      const data = await targetSource(f.storedPath);
      const parsed = (() => {
        try {
          return BundleManifest.safeParse(JSON.parse((data ?? Buffer.alloc(0)).toString('utf8')));
        } catch {
          return undefined;
        }
      })();
      if (!parsed?.success)
        throw new BundleVerificationError(
          'mismatch',
          `refused: ${f.targetPath} is signed but is not a valid bundle manifest: rebuild the bundle with \`gnm bundle build\``,
        );
      const man = parsed.data;
      if (man.name !== m[1] || man.version !== m[2])
        throw new BundleVerificationError(
          'mismatch',
          `refused: ${f.targetPath} describes ${man.name} ${man.version}, not the bundle of its path`,
        );
      for (const [file, want] of Object.entries(man.files)) {
        const t = byPath.get(`bundles/${man.name}/${man.version}/${file}`);
        if (!t || t.sha256 !== want.sha256 || t.length !== want.size)
          throw new BundleVerificationError(
            'mismatch',
            `refused: ${file} of bundle ${man.name} ${man.version} ${t ? 'differs from the signed target' : 'is not a signed target'}: sign the bundle again (\`gnm bundle sign\`)`,
          );
      }
      bundles.push({
        name: man.name,
        version: man.version,
        gonka_release: man.gonkaRelease,
        file_count: Object.keys(man.files).length + 1,
        targets_version: v.targets.version,
        imported_at: at,
      });
    }

    // 6. Keys from GNM_TUF_ONLINE_KEYS_DIR that the verified root lists are stored with the import.
    const pending = this.pendingFor(v.root.signed);
    const onlineKeys: Changes['onlineKeys'] = pending && this.seal(pending);

    // 7. Store what is new, in one transaction.
    const known = new Set((await this.store.bundles()).map((b) => `${b.name}\0${b.version}`));
    const metadata: MetaRow[] = [...v.newRoots].map(([version, data]) => ({
      name: `${version}.root.json`,
      role: 'root' as const,
      version,
      data,
      expiresAt: parseRoot(data).expires,
      createdAt: at,
    }));
    if (!storedRoot)
      metadata.unshift({
        name: `${trustedVersion}.root.json`,
        role: 'root',
        version: trustedVersion,
        data: trusted,
        expiresAt: parseRoot(trusted).expires,
        createdAt: at,
      });
    const newTargets = !storedTargets || v.targets.version > storedTargets.version;
    if (newTargets)
      metadata.push({
        name: `${v.targets.version}.targets.json`,
        role: 'targets',
        version: v.targets.version,
        data: v.targets.data,
        expiresAt: v.targets.expires,
        createdAt: at,
      });
    const newOnline = !storedTs || !storedTs.data.equals(v.timestamp.data);
    let dropSnapshotsFrom: number | undefined;
    if (newOnline) {
      const [snapRow, tsRow] = this.onlineRows(v);
      const existing = await this.store.metadata(snapRow.name);
      // The archive's own snapshot after a rotation of the snapshot key: the stored ones from its version
      // up were signed with the old key (the version checks above allow this case only) and make way.
      if (
        !resigned &&
        storedSnap &&
        (v.snapshot.version < storedSnap.version || (existing && !existing.data.equals(snapRow.data)))
      )
        dropSnapshotsFrom = v.snapshot.version;
      // Unless it is the very snapshot already stored (an upstream that re-signed only its timestamp).
      if (!existing?.data.equals(snapRow.data) || dropSnapshotsFrom !== undefined) metadata.push(snapRow);
      metadata.push(tsRow);
    }
    const targetRows = v.files.flatMap((f) => {
      const data = files.targets.get(f.storedPath);
      return data ? [{ ...f, data }] : [];
    });
    const newBundles = bundles.filter((b) => !known.has(`${b.name}\0${b.version}`));
    const changed = metadata.length > 0 || newBundles.length > 0 || onlineKeys !== undefined;
    if (changed)
      await this.store.commit({
        metadata,
        targets: targetRows,
        bundles: newBundles,
        onlineKeys,
        dropSnapshotsFrom,
      });
    if (onlineKeys) this.pending = undefined;

    const usable = resigned || (signers?.usable ?? false);
    return {
      changed,
      trustEstablished: !storedRoot,
      initialRootSha256: storedRoot ? null : sha256(trusted),
      rootSha256: sha256(rootData),
      rootVersion: v.root.version,
      targetsVersion: v.targets.version,
      resigned,
      bundles: bundles.map((b) => ({
        name: b.name,
        version: b.version,
        gonkaRelease: b.gonka_release,
        importedAt: b.imported_at,
        fileCount: b.file_count,
        new: !known.has(`${b.name}\0${b.version}`),
      })),
      warning: usable
        ? null
        : `the control plane holds no usable online keys, so nobody re-signs the timestamp: it expires at ${v.timestamp.expires} and agents then refuse updates. ${signers?.problem ?? 'Give it the snapshot and timestamp keys (PUT /api/v1/bundles/online-keys or GNM_TUF_ONLINE_KEYS_DIR).'}`,
    };
  }

  /** Targets versions never go down; the same version must carry the same signed content. */
  private checkTargetsVersion(version: number, data: Buffer, stored: MetaRow | undefined): void {
    if (!stored) return;
    if (version < stored.version)
      throw new BundleVerificationError(
        'rollback',
        `refused: the archive's targets metadata is version ${version}, older than version ${stored.version} already served (rollback): export the current repository again`,
      );
    if (version === stored.version && !sameSigned(data, stored.data))
      throw new BundleVerificationError(
        'rollback',
        `refused: the archive's targets metadata version ${version} differs from the one already served with the same version: targets must be signed with a higher version (\`gnm bundle sign\`)`,
      );
  }
}

/**
 * Builds the bundle repository: reads GNM_TUF_ONLINE_KEYS_DIR when given (a root or targets key there
 * is an error at start). Call `startResigning()` (and `startMirroring()` with an upstream) once serving.
 */
export async function createBundleRepository(
  db: Kysely<Database>,
  opts: BundleRepositoryOptions,
): Promise<BundleRepository> {
  const repo = new BundleRepository(db, opts);
  if (opts.onlineKeysDir) await repo.loadOnlineKeysDir(opts.onlineKeysDir);
  return repo;
}
