import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { exec, run } from '../exec.js';
import { DOCKER_BIN } from '../paths.js';

/** Bump when the recipe below changes, so the content hash (and the tag) changes with it. */
const RECIPE_VERSION = 'base-v1';
const BUSYBOX = '/bin/busybox';
export const BASE_IMAGE_REPO = 'gnm-testkit/base';

function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Shared libraries Node needs, from ldd, as absolute paths. */
async function nodeLibraries(nodeBin: string): Promise<string[]> {
  const out = await run('ldd', [nodeBin], { context: 'list the shared libraries of node' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs.sort();
}

export interface BaseImage {
  ref: string;
  hash: string;
  built: boolean;
}

/**
 * The minimal base image every harness and sim image starts from: busybox (static) and this machine's
 * Node binary with its shared libraries, imported from a root filesystem with `docker import`, so no
 * registry is ever needed. Tagged by the hash of its inputs and built only when that tag is missing.
 */
export async function ensureBaseImage(): Promise<BaseImage> {
  if (!fs.existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static`);
  const nodeBin = fs.realpathSync(process.execPath);
  const libs = await nodeLibraries(nodeBin);
  const h = createHash('sha256').update(RECIPE_VERSION);
  for (const f of [BUSYBOX, nodeBin, ...libs]) h.update(`${f}\0${sha256File(f)}\0`);
  const hash = h.digest('hex').slice(0, 16);
  const ref = `${BASE_IMAGE_REPO}:${hash}`;
  if ((await exec(DOCKER_BIN, ['image', 'inspect', ref])).exitCode === 0) return { ref, hash, built: false };

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-base-'));
  try {
    for (const d of ['bin', 'etc', 'tmp', 'root', 'usr/local/bin', 'var/run', 'proc', 'sys', 'dev']) {
      fs.mkdirSync(path.join(root, d), { recursive: true });
    }
    fs.chmodSync(path.join(root, 'tmp'), 0o1777);
    fs.copyFileSync(BUSYBOX, path.join(root, 'bin/busybox'));
    fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
    const applets = (await run(BUSYBOX, ['--list'])).split('\n').filter((a) => /^[a-z0-9_.[-]+$/.test(a));
    for (const a of applets) {
      if (a === 'busybox') continue;
      fs.symlinkSync('busybox', path.join(root, 'bin', a));
    }
    fs.copyFileSync(nodeBin, path.join(root, 'usr/local/bin/node'));
    fs.chmodSync(path.join(root, 'usr/local/bin/node'), 0o755);
    for (const lib of libs) {
      const dest = path.join(root, lib);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(lib, dest);
    }
    fs.writeFileSync(
      path.join(root, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
    );
    fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    fs.writeFileSync(path.join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
    const tarFile = `${root}.tar`;
    await run('tar', ['-C', root, '--numeric-owner', '-cf', tarFile, '.'], {
      context: 'pack the base root filesystem',
    });
    try {
      await run(
        DOCKER_BIN,
        [
          'import',
          '--change',
          'ENV PATH=/usr/local/bin:/bin',
          '--change',
          'WORKDIR /',
          '--change',
          'CMD ["/bin/sh"]',
          '--change',
          `LABEL org.gonka-node-manager.base-hash=${hash}`,
          tarFile,
          ref,
        ],
        { context: 'import the base image into the main dockerd', timeoutMs: 300_000 },
      );
    } finally {
      fs.rmSync(tarFile, { force: true });
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return { ref, hash, built: true };
}
