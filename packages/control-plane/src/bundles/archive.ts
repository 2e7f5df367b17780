import zlib from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { LIMITS } from '@gnm/bundle';
import { BundleRepositoryError } from './errors.js';
import type { RepoFiles } from './repo-files.js';

/** Limits on an archive from `gnm bundle export`; above them it is refused before anything is parsed. */
export const ARCHIVE_LIMITS = {
  /** The request body (gzip-compressed). */
  compressedBytes: 64 * 1024 * 1024,
  /** Everything once decompressed (a small archive cannot expand into gigabytes). */
  uncompressedBytes: 256 * 1024 * 1024,
  entries: 20_000,
  metadataBytes: LIMITS.targetsMaxLength,
  targetBytes: LIMITS.targetMaxLength,
};

const bad = (msg: string) =>
  new BundleRepositoryError('bad-archive', `${msg}; export the repository again with \`gnm bundle export\``);

/** Checks an entry name: relative, no `..`/`.`/empty segments, no backslash or control character. */
function safePath(raw: string): string {
  const p = raw.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (
    !p ||
    p.startsWith('/') ||
    /^[A-Za-z]:/.test(p) ||
    p.includes('\\') ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/.test(p) ||
    p.split('/').some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw bad(`refused archive entry "${raw.slice(0, 200)}": paths must be relative, without ".." or "."`);
  }
  return p;
}

/**
 * Unpacks a `gnm bundle export` archive (tar.gz of `metadata/` and `targets/`) into memory. Refused:
 * anything that is not gzip+tar, path traversal, links, devices and other non-file entries, files
 * outside `metadata/` and `targets/`, duplicate names, and entries or totals above ARCHIVE_LIMITS.
 * Nothing is written to disk.
 */
export async function unpackArchive(archive: Buffer, limits = ARCHIVE_LIMITS): Promise<RepoFiles> {
  if (archive.length === 0) throw bad('the archive is empty');
  if (archive.length > limits.compressedBytes)
    throw bad(`the archive is ${archive.length} bytes, above the ${limits.compressedBytes}-byte limit`);
  if (archive[0] !== 0x1f || archive[1] !== 0x8b) throw bad('this is not a gzip archive (.tar.gz)');
  let tarBytes: Buffer;
  try {
    tarBytes = zlib.gunzipSync(archive, { maxOutputLength: limits.uncompressedBytes });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw bad(`the archive expands to more than ${limits.uncompressedBytes} bytes`);
    throw bad(`the archive is not valid gzip (${(e as Error).message})`);
  }

  const files: RepoFiles = { metadata: new Map(), targets: new Map() };
  const seen = new Set<string>();
  let refusal: Error | undefined;
  let entries = 0;

  const onEntry = (entry: ReadEntry): void => {
    if (refusal) {
      entry.resume();
      return;
    }
    try {
      if (++entries > limits.entries) throw bad(`the archive has more than ${limits.entries} entries`);
      const p = safePath(entry.path);
      if (entry.type === 'Directory') {
        if (!/^(metadata|targets)(\/|$)/.test(p))
          throw bad(`unexpected folder "${p}" (only metadata/ and targets/ belong in the archive)`);
        entry.resume();
        return;
      }
      if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
        throw bad(`refused archive entry "${p}": ${entry.type} entries (links, devices) are not allowed`);
      }
      let kind: 'metadata' | 'targets';
      let name: string;
      if (p.startsWith('metadata/')) {
        kind = 'metadata';
        name = p.slice('metadata/'.length);
        if (name.includes('/')) throw bad(`unexpected file "${p}" (metadata/ has no sub-folders)`);
      } else if (p.startsWith('targets/')) {
        kind = 'targets';
        name = p.slice('targets/'.length);
      } else {
        throw bad(`unexpected file "${p}" (only metadata/ and targets/ belong in the archive)`);
      }
      if (seen.has(p)) throw bad(`"${p}" appears twice in the archive`);
      seen.add(p);
      const max = kind === 'metadata' ? limits.metadataBytes : limits.targetBytes;
      if (entry.size > max) throw bad(`"${p}" is ${entry.size} bytes, above the ${max}-byte limit`);
      const chunks: Buffer[] = [];
      let size = 0;
      entry.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= max) chunks.push(c);
      });
      entry.on('end', () => {
        if (size > max) refusal ??= bad(`"${p}" is larger than the ${max}-byte limit`);
        else files[kind].set(name, Buffer.concat(chunks));
      });
    } catch (e) {
      refusal = e as Error;
      entry.resume();
    }
  };

  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({ strict: true, onReadEntry: onEntry });
    parser.on('error', (e: Error) => reject(bad(`the archive is not a valid tar file (${e.message})`)));
    parser.on('end', () => resolve());
    parser.end(tarBytes);
  });
  if (refusal) throw refusal;
  if (files.metadata.size === 0)
    throw bad('the archive has no metadata/ folder: it is not an exported TUF repository');
  return files;
}
