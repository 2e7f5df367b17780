import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BaseFetcher, Updater } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { BundleVerificationError, LIMITS } from '@gnm/bundle';
import { BundleRepositoryError } from './errors.js';
import type { RepoFiles } from './repo-files.js';
import { classifyTufError } from './tuf-verify.js';

const FETCH_TIMEOUT_MS = 30_000;

/** tuf-js's download contract over the platform fetch, keeping a copy of every byte it accepted. */
class RecordingFetcher extends BaseFetcher {
  readonly got = new Map<string, Buffer>();
  override async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok || !res.body) throw new DownloadHTTPError(`GET ${url}: HTTP ${res.status}`, res.status);
    return res.body as ReadableStream<Uint8Array<ArrayBuffer>>;
  }
  override async downloadFile<T>(
    url: string,
    maxLength: number,
    handler: (file: string) => Promise<T>,
  ): Promise<T> {
    return super.downloadFile(url, maxLength, async (file) => {
      this.got.set(url, fs.readFileSync(file));
      return handler(file);
    });
  }
}

/**
 * Fetches an upstream TUF repository with tuf-js, from the trusted root (or, on the very first mirror,
 * from the upstream's 1.root.json checked against a pinned sha256): every newer root, timestamp,
 * snapshot, targets and every target file, each verified on the way. Returns the files as an archive
 * would hold them; the caller imports them the same way (and verifies them again).
 */
export async function fetchUpstream(o: {
  url: string;
  trustedRoot: Buffer | undefined;
  pinnedRootSha256: string | undefined;
}): Promise<RepoFiles> {
  const baseHref = new URL(`${o.url.replace(/\/+$/, '')}/`).href;
  const base = baseHref.slice(0, -1);
  const fetcher = new RecordingFetcher();
  const files: RepoFiles = { metadata: new Map(), targets: new Map() };
  const unreachable = (e: unknown) =>
    new BundleVerificationError(
      'unreachable',
      `could not fetch the upstream repository ${base} (${(e as Error).message}): check GNM_TUF_UPSTREAM and the network`,
    );
  let trusted = o.trustedRoot;
  if (!trusted) {
    if (!o.pinnedRootSha256) {
      throw new BundleRepositoryError(
        'no-trusted-root',
        'no trusted root yet: import a signed archive first (gnm bundle import), or set GNM_TUF_UPSTREAM_ROOT_SHA256 to the sha256 of the upstream 1.root.json published by its release authority',
      );
    }
    let first: Buffer;
    try {
      first = await fetcher.downloadBytes(`${base}/metadata/1.root.json`, LIMITS.rootMaxLength);
    } catch (e) {
      throw unreachable(e);
    }
    const hash = crypto.createHash('sha256').update(first).digest('hex');
    if (hash !== o.pinnedRootSha256.toLowerCase()) {
      throw new BundleVerificationError(
        'untrusted-root',
        `refused: the upstream 1.root.json has sha256 ${hash}, but GNM_TUF_UPSTREAM_ROOT_SHA256 pins ${o.pinnedRootSha256}`,
      );
    }
    trusted = first;
    files.metadata.set('1.root.json', first);
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-tuf-mirror-'));
  try {
    fs.writeFileSync(path.join(dir, 'root.json'), trusted);
    const updater = new Updater({
      metadataDir: dir,
      metadataBaseUrl: `${base}/metadata`,
      targetBaseUrl: `${base}/targets`,
      fetcher,
      config: { ...LIMITS, fetchRetries: 0 },
    });
    const guard = async <T>(f: () => Promise<T>): Promise<T> => {
      try {
        return await f();
      } catch (e) {
        if (e instanceof DownloadHTTPError || e instanceof TypeError) throw unreachable(e);
        throw classifyTufError(e);
      }
    };
    await guard(() => updater.refresh());
    const targets = JSON.parse(fs.readFileSync(path.join(dir, 'targets.json'), 'utf8')) as {
      signed?: { targets?: Record<string, unknown> };
    };
    const tmp = path.join(dir, 'target.bin');
    for (const t of Object.keys(targets.signed?.targets ?? {})) {
      const info = await guard(() => updater.getTargetInfo(t));
      if (!info) continue;
      await guard(() => updater.downloadTarget(info, tmp)).catch((e: unknown) => {
        // A target longer than its signed length is a changed file, not a size-limit problem.
        if (e instanceof BundleVerificationError && e.code === 'too-large')
          throw new BundleVerificationError(
            'mismatch',
            `refused: ${t} does not match its signed length/hash`,
          );
        throw e;
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const [url, data] of fetcher.got) {
    if (!url.startsWith(baseHref)) continue;
    const rel = decodeURIComponent(url.slice(baseHref.length));
    if (rel.startsWith('metadata/')) files.metadata.set(rel.slice('metadata/'.length), data);
    else if (rel.startsWith('targets/')) files.targets.set(rel.slice('targets/'.length), data);
  }
  return files;
}
