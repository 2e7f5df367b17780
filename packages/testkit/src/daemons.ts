import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { HostDescriptor } from './descriptor.js';
import { Host } from './host.js';
import { waitFor } from './exec.js';
import { pidAlive } from './procfs.js';

/** Starts a daemon inside the host's namespaces, detached from the test process, logging to a file. */
function startDetached(h: HostDescriptor, args: string[], logName: string): number {
  const log = fs.openSync(path.join(h.dataDir, logName), 'a');
  const child = spawn(
    'nsenter',
    [`--net=/run/netns/${h.netns}`, `--mount=${h.mntFile}`, '--wd=/', '--', ...args],
    {
      detached: true,
      stdio: ['ignore', log, log],
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root' },
    },
  );
  fs.closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${args[0]} on host ${h.name}`);
  return child.pid;
}

function logTail(h: HostDescriptor, logName: string): string {
  try {
    return fs.readFileSync(path.join(h.dataDir, logName), 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface DockerdOptions {
  insecureRegistry?: string;
  cgroupParent: string;
  /** Docker bridge address of this host, e.g. 10.214.3.1/24. */
  bip: string;
}

/**
 * Starts the host's own dockerd. Its socket, pidfile, exec-root and data-root are the default paths,
 * made private to the host by its mount namespace, so `docker` inside the host just works.
 */
export async function startDockerd(h: HostDescriptor, o: DockerdOptions): Promise<number> {
  const host = new Host(h);
  const config = {
    'insecure-registries': o.insecureRegistry ? [o.insecureRegistry] : [],
    'cgroup-parent': o.cgroupParent,
    bip: o.bip,
    'shutdown-timeout': 3,
    'log-level': 'warn',
  };
  await host.writeFile('/etc/docker/daemon.json', JSON.stringify(config, null, 2));
  // The machine's engine identity (key.json) shows through the /etc overlay; each host makes its own.
  await host.run('rm', ['-f', '/etc/docker/key.json']);
  const pid = startDetached(
    h,
    ['/usr/sbin/dockerd', '--config-file', '/etc/docker/daemon.json'],
    'dockerd.log',
  );
  await waitFor(
    `dockerd on host ${h.name} to answer`,
    async () => {
      if (!pidAlive(pid)) throw new Error(`dockerd exited; its log ends with:\n${logTail(h, 'dockerd.log')}`);
      const r = await host.dockerExec(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 10_000 });
      return r.exitCode === 0 ? true : undefined;
    },
    60_000,
    250,
  );
  return pid;
}

/**
 * Starts Debian's docker-registry inside the registry host with a config of our own: the packaged one
 * demands htpasswd auth. Plain HTTP on :5000, storage in the host's private /var/lib.
 */
export async function startRegistry(h: HostDescriptor): Promise<number> {
  const host = new Host(h);
  const config = [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    '    rootdirectory: /var/lib/docker-registry',
    '  delete:',
    '    enabled: true',
    'http:',
    '  addr: 0.0.0.0:5000',
    '',
  ].join('\n');
  await host.writeFile('/etc/docker/registry/config.yml', config);
  const pid = startDetached(
    h,
    ['/usr/bin/docker-registry', 'serve', '/etc/docker/registry/config.yml'],
    'registry.log',
  );
  await waitFor(
    `the registry on ${h.ip}:5000 to answer`,
    async () => {
      if (!pidAlive(pid))
        throw new Error(`docker-registry exited; its log ends with:\n${logTail(h, 'registry.log')}`);
      return (await host.httpStatus(`http://${h.ip}:5000/v2/`, 2)) === 200 ? true : undefined;
    },
    30_000,
    200,
  );
  return pid;
}
