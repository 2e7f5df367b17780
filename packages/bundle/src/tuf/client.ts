import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Updater, type Fetcher } from 'tuf-js';
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

/** Maps tuf-js's errors (not exported by name) to our distinct, explained failures. */
function classify(e: unknown): BundleVerificationError {
  if (e instanceof BundleVerificationError) return e;
  const err = e as Error;
  const kind = err.constructor?.name ?? '';
  const msg = err.message ?? String(e);
  if (kind === 'UnsignedMetadataError' || /signature|threshold|signed by \d+\/\d+ keys/i.test(msg)) {
    return new BundleVerificationError(
      'bad-signature',
      `refused: metadata is not signed by enough trusted keys (${msg})`,
    );
  }
  if (kind === 'ExpiredMetadataError') {
    return new BundleVerificationError(
      'expired',
      `refused: ${msg} — the repository's metadata is out of date (a freeze attack or a control plane that stopped re-signing); nothing was applied`,
    );
  }
  if (/does not match snapshot version|doesn't match timestamp|Missing .* in (new )?snapshot/.test(msg)) {
    return new BundleVerificationError(
      'mix-and-match',
      `refused: ${msg} — snapshot and targets metadata do not belong together (mix-and-match)`,
    );
  }
  if (kind === 'BadVersionError' || kind === 'EqualVersionError') {
    return new BundleVerificationError(
      'rollback',
      `refused: ${msg} — the repository offered metadata older than what this host already trusts (rollback)`,
    );
  }
  if (kind === 'DownloadLengthMismatchError' || /Max length reached/i.test(msg)) {
    return new BundleVerificationError('too-large', `refused: ${msg} — larger than the limit for this file`);
  }
  if (kind === 'LengthOrHashMismatchError' || /hash|length/i.test(msg)) {
    return new BundleVerificationError(
      'mismatch',
      `refused: ${msg} — a file or metadata does not match what was signed`,
    );
  }
  if (
    kind === 'DownloadHTTPError' ||
    /fetch|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|socket|timed out/i.test(msg)
  ) {
    return new BundleVerificationError('unreachable', `could not reach the bundle repository: ${msg}`);
  }
  return new BundleVerificationError('mismatch', `refused: ${msg}`);
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
      `refused: the offered root.json has sha256 ${hash}, but this host pins ${o.rootSha256}`,
    );
  }
  fs.mkdirSync(o.metadataDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(rootFile, o.initialRoot, { mode: 0o600 });
}

export interface FetchOptions extends TrustOptions {
  /** Base URL of the repository: `<url>/metadata/…` and `<url>/targets/…`. */
  repoUrl: string;
  /** Target paths to fetch (e.g. every file of one bundle). */
  targets: string[];
  /** Where the verified files go; written only when every file verified. */
  destDir: string;
}

/** Refreshes the trusted metadata (timestamp → snapshot → targets) and returns the targets' info. */
export async function openRepository(o: TrustOptions & { repoUrl: string }): Promise<Updater> {
  ensureTrustedRoot(o);
  const updater = new Updater({
    metadataDir: o.metadataDir,
    metadataBaseUrl: `${o.repoUrl.replace(/\/+$/, '')}/metadata`,
    targetBaseUrl: `${o.repoUrl.replace(/\/+$/, '')}/targets`,
    config: { ...LIMITS, fetchRetries: 0, fetchTimeout: 15_000 },
    ...(o.fetcher ? { fetcher: o.fetcher } : {}),
  });
  try {
    await updater.refresh();
  } catch (e) {
    throw classify(e);
  }
  return updater;
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
  const updater = await openRepository(o);
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
        throw new BundleVerificationError(
          'not-found',
          `refused: ${t} is not a signed target of this repository`,
        );
      if (info.length > LIMITS.targetMaxLength) {
        throw new BundleVerificationError(
          'too-large',
          `refused: ${t} is ${info.length} bytes, above the ${LIMITS.targetMaxLength}-byte limit`,
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
            `refused: ${t} does not match its signed length/hash (changed after signing)`,
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
