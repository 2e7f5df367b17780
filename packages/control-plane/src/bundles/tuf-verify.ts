import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Metadata, MetadataKind, type Root, type Targets } from '@tufjs/models';
import type { JSONObject } from '@tufjs/models/dist/utils/index.js';
import { BaseFetcher, Updater } from 'tuf-js';
// tuf-js does not export its error classes by name; the updater recognises "no newer root" only by this class.
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { BundleVerificationError, LIMITS, assertTargetPath } from '@gnm/bundle';
import { BundleRepositoryError } from './errors.js';
import { storedPathOf } from './repo-files.js';

const BASE = 'http://tuf.invalid';

/**
 * Maps tuf-js's errors (not exported by name) to packages/bundle's failure codes, so the control plane
 * refuses with the same codes and sentences an agent would.
 */
export function classifyTufError(e: unknown): Error {
  if (e instanceof BundleVerificationError || e instanceof BundleRepositoryError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const kind = err.constructor.name;
  const msg = err.message;
  if (kind === 'UnsignedMetadataError' || /signature|threshold|signed by \d+\/\d+ keys/i.test(msg))
    return new BundleVerificationError(
      'bad-signature',
      `refused: metadata is not signed by enough trusted keys (${msg})`,
    );
  if (kind === 'ExpiredMetadataError')
    return new BundleVerificationError('expired', `refused: ${msg} — the metadata is out of date`);
  if (/does not match snapshot version|doesn't match timestamp|Missing .* in (new )?snapshot/.test(msg))
    return new BundleVerificationError(
      'mix-and-match',
      `refused: ${msg} — snapshot and targets metadata do not belong together (mix-and-match)`,
    );
  if (kind === 'BadVersionError' || kind === 'EqualVersionError')
    return new BundleVerificationError(
      'rollback',
      `refused: ${msg} — metadata older than what is already trusted (rollback)`,
    );
  if (kind === 'DownloadLengthMismatchError' || /Max length reached/i.test(msg))
    return new BundleVerificationError('too-large', `refused: ${msg} — larger than the limit for this file`);
  if (kind === 'LengthOrHashMismatchError' || /hash|length/i.test(msg))
    return new BundleVerificationError(
      'mismatch',
      `refused: ${msg} — a file or metadata does not match what was signed`,
    );
  return new BundleVerificationError('mismatch', `refused: ${msg}`);
}

/** Where a verification reads files from: the archive in memory, the database, or an upstream recording. */
export interface FileSource {
  metadata(name: string): Promise<Buffer | undefined>;
  target(storedPath: string): Promise<Buffer | undefined>;
}

/** A tuf-js fetcher over a FileSource: no network, a missing file is a 404 as tuf-js expects. */
class SourceFetcher extends BaseFetcher {
  readonly fetched = new Map<string, Buffer>();
  missing: string | undefined;
  constructor(private readonly source: FileSource) {
    super();
  }
  override async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const p = decodeURIComponent(new URL(url).pathname).replace(/^\/+/, '');
    const data = p.startsWith('metadata/')
      ? await this.source.metadata(p.slice('metadata/'.length))
      : p.startsWith('targets/')
        ? await this.source.target(p.slice('targets/'.length))
        : undefined;
    if (!data) {
      this.missing = p;
      throw new DownloadHTTPError('not found', 404);
    }
    this.missing = undefined;
    this.fetched.set(p, data);
    const bytes = new Uint8Array(new ArrayBuffer(data.length));
    bytes.set(data);
    return new ReadableStream<Uint8Array<ArrayBuffer>>({
      start(c) {
        c.enqueue(bytes);
        c.close();
      },
    });
  }
}

export interface VerifiedTarget {
  targetPath: string;
  storedPath: string;
  sha256: string;
  length: number;
}

export interface VerifiedRepository {
  /** Every root accepted after the trusted one, by version (the trusted one itself is not included). */
  newRoots: Map<number, Buffer>;
  root: { version: number; data: Buffer; signed: Root };
  timestamp: { version: number; data: Buffer; expires: string };
  snapshot: { version: number; data: Buffer; expires: string };
  targets: { version: number; data: Buffer; expires: string; signed: Targets };
  /** Every target of the targets metadata; verified (length and hashes) when `checkTargets` was set. */
  files: VerifiedTarget[];
}

/**
 * Verifies a repository exactly as an agent does, with tuf-js: from the trusted root through every
 * newer root (each signed by the previous and by itself), then timestamp → snapshot → targets
 * (signatures, thresholds, versions, expiry), then every target file's length and hashes.
 */
export async function verifyRepository(o: {
  trustedRoot: Buffer;
  source: FileSource;
  checkTargets: boolean;
}): Promise<VerifiedRepository> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-tuf-verify-'));
  const fetcher = new SourceFetcher(o.source);
  const missing = () =>
    new BundleRepositoryError(
      'bad-archive',
      `the repository lacks ${fetcher.missing}: export (or publish) the whole repository again`,
    );
  try {
    fs.writeFileSync(path.join(dir, 'root.json'), o.trustedRoot);
    let updater: Updater;
    try {
      updater = new Updater({
        metadataDir: dir,
        metadataBaseUrl: `${BASE}/metadata`,
        targetBaseUrl: `${BASE}/targets`,
        fetcher,
        config: { ...LIMITS, fetchRetries: 0 },
      });
      await updater.refresh();
    } catch (e) {
      if (e instanceof DownloadHTTPError) throw missing();
      throw classifyTufError(e);
    }
    const read = (name: string): Buffer => {
      const data = fetcher.fetched.get(`metadata/${name}`);
      if (!data) throw new Error(`tuf-js did not fetch ${name}`);
      return data;
    };
    const persisted = (name: string) =>
      JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as JSONObject;
    const root = Metadata.fromJSON(MetadataKind.Root, persisted('root.json'));
    const timestamp = Metadata.fromJSON(MetadataKind.Timestamp, persisted('timestamp.json'));
    const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, persisted('snapshot.json'));
    const targets = Metadata.fromJSON(MetadataKind.Targets, persisted('targets.json'));
    if (!root.signed.consistentSnapshot) {
      throw new BundleRepositoryError(
        'unsupported',
        'the root does not use consistent snapshots, which this control plane serves (`gnm bundle keys init` always does): create the repository with `gnm bundle keys init`',
      );
    }
    if (targets.signed.delegations) {
      throw new BundleRepositoryError(
        'unsupported',
        'the targets metadata delegates to other roles, which this control plane does not serve: sign bundles with the top-level targets keys',
      );
    }
    const newRoots = new Map<number, Buffer>();
    const trustedVersion = Metadata.fromJSON(
      MetadataKind.Root,
      JSON.parse(o.trustedRoot.toString('utf8')) as JSONObject,
    ).signed.version;
    for (let v = trustedVersion + 1; v <= root.signed.version; v++) newRoots.set(v, read(`${v}.root.json`));
    const rootData = newRoots.get(root.signed.version) ?? o.trustedRoot;

    const files: VerifiedTarget[] = [];
    const tmpTarget = path.join(dir, 'target.bin');
    for (const [targetPath, info] of Object.entries(targets.signed.targets)) {
      try {
        assertTargetPath(targetPath);
      } catch (e) {
        throw new BundleVerificationError('bad-path', (e as Error).message);
      }
      const sha256 = info.hashes.sha256;
      if (!sha256)
        throw new BundleVerificationError('mismatch', `refused: target ${targetPath} has no sha256 hash`);
      if (info.length > LIMITS.targetMaxLength)
        throw new BundleVerificationError(
          'too-large',
          `refused: ${targetPath} is ${info.length} bytes, above the ${LIMITS.targetMaxLength}-byte limit`,
        );
      const first = Object.values(info.hashes)[0] ?? sha256;
      const storedPath = storedPathOf(targetPath, first);
      if (o.checkTargets) {
        try {
          await updater.downloadTarget(info, tmpTarget);
        } catch (e) {
          if (e instanceof DownloadHTTPError) throw missing();
          const c = classifyTufError(e);
          // A target longer than its signed length is a changed file, not a size-limit problem.
          if (c instanceof BundleVerificationError && c.code === 'too-large')
            throw new BundleVerificationError(
              'mismatch',
              `refused: ${targetPath} does not match its signed length/hash (changed after signing)`,
            );
          throw c;
        }
      }
      files.push({ targetPath, storedPath, sha256, length: info.length });
    }
    return {
      newRoots,
      root: { version: root.signed.version, data: rootData, signed: root.signed },
      timestamp: {
        version: timestamp.signed.version,
        data: read('timestamp.json'),
        expires: timestamp.signed.expires,
      },
      snapshot: {
        version: snapshot.signed.version,
        data: read(`${snapshot.signed.version}.snapshot.json`),
        expires: snapshot.signed.expires,
      },
      targets: {
        version: targets.signed.version,
        data: read(`${targets.signed.version}.targets.json`),
        expires: targets.signed.expires,
        signed: targets.signed,
      },
      files,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
