import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Updater, type Fetcher } from 'tuf-js';
import { z } from 'zod';
import { writeFileAtomic } from '../layout.js';
import { assertTargetPath } from './repo.js';

/** Why a bundle was refused; each has its own code and a sentence saying what it means. */
export type VerifyFailure =
  | 'untrusted-root'
  | 'bad-signature'
  | 'expired'
  | 'rollback'
  | 'mix-and-match'
  | 'mismatch'
  | 'too-large'
  | 'bad-path'
  | 'not-found'
  | 'unreachable';

export class BundleVerificationError extends Error {
  override name = 'BundleVerificationError';
  constructor(
    readonly code: VerifyFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Size limits: metadata and target files above them are refused before they are trusted. */
export const LIMITS = {
  rootMaxLength: 512 * 1024,
  timestampMaxLength: 16 * 1024,
  snapshotMaxLength: 2 * 1024 * 1024,
  targetsMaxLength: 5 * 1024 * 1024,
  targetMaxLength: 64 * 1024 * 1024,
};

/**
 * Maps tuf-js's errors (not exported by name) to our distinct, explained failures. tuf-js wraps what
 * goes wrong while it loads snapshot or targets metadata in a plain error ("Unable to load snapshot
 * metadata error Error: …"), so the cause is read from the message, innermost first: a rolled-back
 * targets version must read as a rollback, not as a changed file.
 */
function classify(e: unknown): BundleVerificationError {
  if (e instanceof BundleVerificationError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const kind = err.constructor.name;
  const msg = err.message;
  const inner = msg.replace(/^Unable to load (snapshot metadata|targets) error (\w*Error: )?/, '');
  const loading = /^Unable to load snapshot metadata/.test(msg)
    ? 'snapshot'
    : /^Unable to load targets/.test(msg)
      ? 'targets'
      : null;
  if (kind === 'UnsignedMetadataError' || /signature|threshold|signed by \d+\/\d+ keys/i.test(msg)) {
    return new BundleVerificationError(
      'bad-signature',
      `metadata is not signed by enough trusted keys (${inner})`,
    );
  }
  if (kind === 'ExpiredMetadataError' || /\bis expired\b/.test(inner)) {
    return new BundleVerificationError(
      'expired',
      `${inner}: the repository's metadata is out of date (freeze): the control plane stopped re-signing its timestamp, or is holding updates back`,
    );
  }
  if (
    kind === 'BadVersionError' ||
    kind === 'EqualVersionError' ||
    /is less than current version/.test(inner)
  ) {
    if (/does not match snapshot version|doesn't match timestamp/.test(inner)) return mixAndMatch(inner);
    return new BundleVerificationError(
      'rollback',
      `${inner}: the repository offered metadata older than what this host already trusts (rollback)`,
    );
  }
  if (
    /does not match snapshot version|doesn't match timestamp|Missing .* in (new )?snapshot/.test(inner) ||
    // Snapshot bytes that are not the ones the timestamp names (hash or length), or targets bytes that
    // are not the ones the snapshot names: metadata of two repository versions served together.
    (loading !== null && /Expected (hash|length)/i.test(inner))
  ) {
    return mixAndMatch(inner);
  }
  if (kind === 'DownloadLengthMismatchError' || /Max length reached/i.test(msg)) {
    return new BundleVerificationError('too-large', `${inner}: larger than the limit for this file`);
  }
  if (kind === 'LengthOrHashMismatchError' || /hash|length/i.test(msg)) {
    return new BundleVerificationError(
      'mismatch',
      `${inner}: a file or metadata does not match what was signed`,
    );
  }
  if (
    kind === 'DownloadHTTPError' ||
    /fetch|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|socket|timed out/i.test(msg)
  ) {
    return new BundleVerificationError('unreachable', `could not reach the bundle repository: ${msg}`);
  }
  return new BundleVerificationError('mismatch', inner);
}

function mixAndMatch(inner: string): BundleVerificationError {
  return new BundleVerificationError(
    'mix-and-match',
    `${inner}: timestamp, snapshot and targets metadata served together do not belong together (mix-and-match)`,
  );
}

export interface TrustOptions {
  /** Persistent metadata directory of this host (keeps the versions it has seen: rollback protection). */
  metadataDir: string;
  /** sha256 (hex) of the trusted root.json, from the install command. */
  rootSha256: string;
  /** The root.json to start from when the metadata directory is new (checked against rootSha256). */
  initialRoot?: Buffer;
  /** How files are downloaded (the agent passes one that pins the control plane's TLS key). */
  fetcher?: Fetcher;
}

/**
 * Seeds the host's metadata directory with the pinned root. A root handed over by anyone (the control
 * plane included) is used only if its hash is the one pinned at install time.
 */
export function ensureTrustedRoot(o: TrustOptions): void {
  const rootFile = path.join(o.metadataDir, 'root.json');
  if (fs.existsSync(rootFile)) return;
  if (!o.initialRoot)
    throw new BundleVerificationError(
      'untrusted-root',
      'no trusted root on this host: it must come with the install command',
    );
  const hash = crypto.createHash('sha256').update(o.initialRoot).digest('hex');
  if (hash !== o.rootSha256.toLowerCase()) {
    throw new BundleVerificationError(
      'untrusted-root',
      `the offered root.json has sha256 ${hash}, but this host pins ${o.rootSha256}`,
    );
  }
  fs.mkdirSync(o.metadataDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(rootFile, o.initialRoot, 0o600);
}

export interface FetchOptions extends TrustOptions {
  /** Base URL of the repository: `<url>/metadata/…` and `<url>/targets/…`. */
  repoUrl: string;
  /** Target paths to fetch (e.g. every file of one bundle). */
  targets: string[];
  /** Where the verified files go; written only when every file verified. */
  destDir: string;
}

/** The metadata tuf-js keeps for this host (top-level roles: bundles are signed without delegations). */
const TRUSTED_FILES = ['root.json', 'targets.json', 'snapshot.json', 'timestamp.json'] as const;
const SignedMetadata = z.object({ signed: z.object({ _type: z.string(), version: z.number().int() }) });

/** One refresh at a time per metadata directory (a bundle's manifest and files are two fetches). */
const refreshing = new Map<string, Promise<unknown>>();

/**
 * Refreshes the trusted metadata (root → timestamp → snapshot → targets) and runs `use` with it.
 *
 * The metadata directory is what makes rollback protection hold between operations and restarts:
 * the versions it keeps never go down, and a repository that offers older ones is refused. tuf-js
 * writes it in place, and a file torn by a crash would be ignored at the next refresh (it falls back
 * to the repository's copy), losing that protection for the role. So the refresh runs in a scratch
 * copy, and each file tuf-js verified and kept there is moved into the directory atomically (temp +
 * fsync + rename), root first and timestamp last, also when the refresh was refused (as tuf-js keeps
 * what it verified before the refusal).
 */
export async function withTrustedRepository<T>(
  o: TrustOptions & { repoUrl: string },
  use: (updater: Updater) => Promise<T>,
): Promise<T> {
  const key = path.resolve(o.metadataDir);
  const before = refreshing.get(key) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(() => refreshInScratch(o, use));
  refreshing.set(key, run);
  try {
    return await run;
  } finally {
    if (refreshing.get(key) === run) refreshing.delete(key);
  }
}

async function refreshInScratch<T>(
  o: TrustOptions & { repoUrl: string },
  use: (updater: Updater) => Promise<T>,
): Promise<T> {
  ensureTrustedRoot(o);
  const base = path.resolve(o.metadataDir);
  // Scratch copies left by a crash (refreshes of one directory run one at a time).
  for (const f of fs.readdirSync(path.dirname(base)))
    if (f.startsWith(`${path.basename(base)}.refresh-`))
      fs.rmSync(path.join(path.dirname(base), f), { recursive: true, force: true });
  const scratch = fs.mkdtempSync(`${base}.refresh-`);
  try {
    for (const f of TRUSTED_FILES) {
      const file = path.join(o.metadataDir, f);
      if (fs.existsSync(file)) fs.copyFileSync(file, path.join(scratch, f));
    }
    const updater = new Updater({
      metadataDir: scratch,
      metadataBaseUrl: `${o.repoUrl.replace(/\/+$/, '')}/metadata`,
      targetBaseUrl: `${o.repoUrl.replace(/\/+$/, '')}/targets`,
      config: { ...LIMITS, fetchRetries: 0, fetchTimeout: 15_000 },
      ...(o.fetcher ? { fetcher: o.fetcher } : {}),
    });
    try {
      try {
        await updater.refresh();
      } catch (e) {
        throw classify(e);
      }
      return await use(updater);
    } finally {
      keepTrusted(scratch, o.metadataDir);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Moves what tuf-js verified in `scratch` into the metadata directory, each file atomically. */
function keepTrusted(scratch: string, dir: string): void {
  for (const f of TRUSTED_FILES) {
    const file = path.join(scratch, f);
    if (!fs.existsSync(file)) continue;
    const data = fs.readFileSync(file);
    const kept = path.join(dir, f);
    if (fs.existsSync(kept) && fs.readFileSync(kept).equals(data)) continue;
    // A file tuf-js failed to write whole is never kept.
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString('utf8'));
    } catch {
      continue;
    }
    if (!SignedMetadata.safeParse(parsed).success) continue;
    writeFileAtomic(kept, data, 0o600);
  }
}

/**
 * Downloads and verifies target files into `destDir`. Files are staged beside it and moved into
 * place only when all verified, so a refused bundle writes nothing.
 */
export async function fetchVerified(o: FetchOptions): Promise<Record<string, string>> {
  for (const t of o.targets) {
    try {
      assertTargetPath(t);
    } catch (e) {
      throw new BundleVerificationError('bad-path', (e as Error).message);
    }
  }
  return withTrustedRepository(o, (updater) => downloadAll(updater, o));
}

async function downloadAll(updater: Updater, o: FetchOptions): Promise<Record<string, string>> {
  const stage = `${o.destDir}.staging-${process.pid}-${Date.now()}`;
  fs.mkdirSync(stage, { recursive: true });
  const out: Record<string, string> = {};
  try {
    for (const t of o.targets) {
      let info;
      try {
        info = await updater.getTargetInfo(t);
      } catch (e) {
        throw classify(e);
      }
      if (!info)
        throw new BundleVerificationError('not-found', `${t} is not a signed target of this repository`);
      if (info.length > LIMITS.targetMaxLength) {
        throw new BundleVerificationError(
          'too-large',
          `${t} is ${info.length} bytes, above the ${LIMITS.targetMaxLength}-byte limit`,
        );
      }
      const file = path.join(stage, t);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      try {
        await updater.downloadTarget(info, file);
      } catch (e) {
        const c = classify(e);
        // A target longer than its signed length is a changed file, not a size-limit problem.
        if (c.code === 'too-large')
          throw new BundleVerificationError(
            'mismatch',
            `${t} does not match its signed length/hash (changed after signing)`,
          );
        throw c;
      }
      out[t] = path.join(o.destDir, t);
    }
    fs.rmSync(o.destDir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(o.destDir), { recursive: true });
    fs.renameSync(stage, o.destDir);
    return out;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}
