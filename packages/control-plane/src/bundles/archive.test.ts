import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { unpackArchive, ARCHIVE_LIMITS } from './archive.js';
import { BundleRepositoryError } from './errors.js';

/** One ustar header + data blocks, written by hand so that tests can build what `tar` refuses to write. */
function entry(name: string, data = Buffer.alloc(0), type = '0', linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, pad]);
}
const tgz = (...entries: Buffer[]) => zlib.gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));
const ok = entry('metadata/1.root.json', Buffer.from('{}'));

async function refused(archive: Buffer, pattern: RegExp, limits = ARCHIVE_LIMITS): Promise<void> {
  const err = await unpackArchive(archive, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BundleRepositoryError);
  expect((err as BundleRepositoryError).code).toBe('bad-archive');
  expect((err as Error).message).toMatch(pattern);
  expect((err as Error).message).toMatch(/gnm bundle export/);
}

describe('unpacking an exported repository archive', () => {
  it('reads metadata and targets into memory', async () => {
    const files = await unpackArchive(
      tgz(
        entry('metadata/', undefined, '5'),
        ok,
        entry('./targets/bundles/x/1/abc.manifest.json', Buffer.from('m')),
      ),
    );
    expect([...files.metadata.keys()]).toEqual(['1.root.json']);
    expect(files.targets.get('bundles/x/1/abc.manifest.json')?.toString()).toBe('m');
  });

  it('refuses path traversal, absolute paths, links, devices and stray files', async () => {
    await refused(tgz(ok, entry('targets/../../etc/passwd', Buffer.from('x'))), /paths must be relative/);
    await refused(tgz(ok, entry('../metadata/2.root.json', Buffer.from('x'))), /paths must be relative/);
    await refused(tgz(ok, entry('/etc/cron.d/x', Buffer.from('x'))), /paths must be relative/);
    await refused(tgz(ok, entry('targets/link', undefined, '2', '/etc/passwd')), /SymbolicLink/);
    await refused(tgz(ok, entry('targets/hard', undefined, '1', 'metadata/1.root.json')), /Link/);
    await refused(tgz(ok, entry('targets/dev', undefined, '3')), /CharacterDevice/);
    await refused(tgz(ok, entry('metadata/sub/x.json', Buffer.from('x'))), /no sub-folders/);
    await refused(tgz(ok, entry('README', Buffer.from('x'))), /only metadata\/ and targets\//);
    await refused(tgz(ok, entry('metadata/1.root.json', Buffer.from('x'))), /appears twice/);
  });

  it('refuses oversize entries, archive bombs, non-gzip and empty archives', async () => {
    const small = { ...ARCHIVE_LIMITS, metadataBytes: 10, targetBytes: 20, uncompressedBytes: 64 * 1024 };
    await refused(tgz(entry('metadata/1.root.json', Buffer.alloc(11))), /above the 10-byte limit/, small);
    await refused(tgz(ok, entry('targets/big', Buffer.alloc(21))), /above the 20-byte limit/, small);
    await refused(tgz(ok, entry('targets/zeros', Buffer.alloc(1024 * 1024))), /expands to more than/, small);
    await refused(tgz(entry('targets/a', Buffer.from('x'))), /no metadata\/ folder/);
    await refused(Buffer.from('plain text'), /not a gzip archive/);
    await refused(Buffer.alloc(0), /empty/);
    await refused(zlib.gzipSync(Buffer.from('not a tar file at all')), /tar/);
  });
});
