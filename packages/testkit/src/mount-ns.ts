import fs from 'node:fs';
import path from 'node:path';
import { run } from './exec.js';

/**
 * Directories every host sees as its own: an overlay of the real directory with a per-host upper
 * layer. Whatever a host (its agent, its installer, its dockerd) writes there stays on that host, and
 * what the machine already has (docker client, compose plugin, /etc) stays visible.
 */
export const PRIVATE_OVERLAYS = [
  '/etc',
  '/opt',
  '/srv',
  '/usr/local',
  '/var/lib',
  '/var/log',
  '/root',
] as const;

const HIDDEN_NODE_SCRIPT = `#!/bin/sh
echo "node: not available on this host (hidden by the test harness: the agent must not need Node)" >&2
exit 127
`;

/** Runs a command inside a mount namespace only (used while setting the namespace up). */
function inMnt(mntFile: string, args: string[], context: string): Promise<string> {
  return run('nsenter', [`--mount=${mntFile}`, '--', ...args], { context });
}

/** Makes `dir` a private mount so namespace handles can be bind-mounted into it. */
export async function makePrivateDir(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await run('mount', ['--bind', dir, dir], { context: `bind ${dir}` });
  await run('mount', ['--make-private', dir], { context: `make ${dir} private` });
}

/**
 * Creates a persistent private mount namespace for a host: fresh /run and /tmp, per-host overlays
 * (see PRIVATE_OVERLAYS), its own /var/lib/docker on the root filesystem, and optionally no Node.
 */
export async function createHostMountNs(opts: {
  mntFile: string;
  dataDir: string;
  hideNode: boolean;
}): Promise<void> {
  const { mntFile, dataDir } = opts;
  fs.writeFileSync(mntFile, '');
  await run('unshare', [`--mount=${mntFile}`, '--propagation', 'private', 'true'], {
    context: 'create the host mount namespace',
  });
  await inMnt(mntFile, ['mount', '-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/run'], 'private /run');
  await inMnt(mntFile, ['mkdir', '-p', '/run/lock'], 'mkdir /run/lock');
  await inMnt(mntFile, ['mount', '-t', 'tmpfs', '-o', 'mode=1777', 'tmpfs', '/tmp'], 'private /tmp');
  for (const dir of PRIVATE_OVERLAYS) {
    if (!fs.existsSync(dir)) continue;
    const slug = dir.replaceAll('/', '_');
    const upper = path.join(dataDir, 'overlay', slug, 'upper');
    const work = path.join(dataDir, 'overlay', slug, 'work');
    fs.mkdirSync(upper, { recursive: true });
    fs.mkdirSync(work, { recursive: true });
    await inMnt(
      mntFile,
      ['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${dir},upperdir=${upper},workdir=${work}`, dir],
      `per-host overlay on ${dir}`,
    );
  }
  // overlay2 (the docker storage driver) cannot sit on an overlay: the data-root is a plain directory.
  const dockerRoot = path.join(dataDir, 'docker');
  fs.mkdirSync(dockerRoot, { recursive: true });
  await inMnt(mntFile, ['mkdir', '-p', '/var/lib/docker'], 'mkdir /var/lib/docker');
  await inMnt(mntFile, ['mount', '--bind', dockerRoot, '/var/lib/docker'], 'per-host docker data-root');
  if (opts.hideNode) {
    const script = path.join(dataDir, 'hidden-node.sh');
    fs.writeFileSync(script, HIDDEN_NODE_SCRIPT, { mode: 0o755 });
    for (const p of ['/usr/bin/node', '/usr/local/bin/node']) {
      if (fs.existsSync(p)) await inMnt(mntFile, ['mount', '--bind', script, p], `hide ${p}`);
    }
  }
}
