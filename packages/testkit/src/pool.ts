import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HostDescriptor, PoolDescriptor } from './descriptor.js';
import { Host } from './host.js';
import { addHostToLan, createLan, pickSubnet } from './network.js';
import { createHostMountNs, makePrivateDir } from './mount-ns.js';
import { startDockerd, startRegistry } from './daemons.js';
import { cleanupRun, cleanupStaleRuns } from './cleanup.js';
import { checkHarnessPrerequisites } from './prereqs.js';
import { nsInode } from './procfs.js';
import { readState, writeState, listRunIds } from './state-file.js';
import { cgroupParent, gatewayLinkName, netnsName, runDataDir, runRuntimeDir } from './paths.js';
import { pushImage, type PushedImage } from './images/push.js';

export interface HostSpec {
  /** Short lowercase name, unique in the pool: a, b, net1… */
  name: string;
  /** Hide /usr/bin/node inside the host (proves the single-executable agent needs no Node). */
  hideNode?: boolean;
}

export interface PoolOptions {
  hosts: (string | HostSpec)[];
  /** Start the registry host (default true). */
  registry?: boolean;
  /**
   * Tear down on SIGINT/SIGTERM of this process, and start a reaper that cleans up if this process
   * dies without tearing down (kill -9). Default true.
   */
  guard?: boolean;
}

const NAME_RE = /^[a-z][a-z0-9]{0,7}$/;

function newRunId(): string {
  const taken = new Set(listRunIds());
  for (;;) {
    const id = randomBytes(3)
      .toString('base64url')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 4);
    if (id.length === 4 && /^[a-z]/.test(id) && !taken.has(id)) return id;
  }
}

/**
 * A set of harness hosts on one private LAN, plus a registry host. Created once per test run (see
 * global-setup.ts) and shared by the tests; teardown removes everything, on success, failure or Ctrl-C.
 */
export class HostPool {
  private constructor(
    public descriptor: PoolDescriptor,
    private readonly owned: boolean,
  ) {}

  /** Rebuilds a pool handle from its descriptor, in another process (a test worker). */
  static attach(d: PoolDescriptor): HostPool {
    return new HostPool(d, false);
  }

  static async create(opts: PoolOptions): Promise<HostPool> {
    await checkHarnessPrerequisites();
    await cleanupStaleRuns();
    const specs = opts.hosts.map((h) => (typeof h === 'string' ? { name: h } : h));
    const names = new Set<string>();
    for (const s of specs) {
      if (!NAME_RE.test(s.name) || s.name === 'lan' || s.name === 'registry' || names.has(s.name)) {
        throw new Error(
          `invalid or duplicate harness host name "${s.name}": use 1-8 lowercase letters/digits`,
        );
      }
      names.add(s.name);
    }
    const runId = newRunId();
    const taken = listRunIds()
      .map((r) => readState(r)?.subnet)
      .filter((s): s is string => !!s);
    const k = await pickSubnet(taken);
    const prefix = `10.213.${k}`;
    const d: PoolDescriptor = {
      runId,
      ownerPid: process.pid,
      createdAt: new Date().toISOString(),
      subnet: `${prefix}.0/24`,
      gatewayIp: `${prefix}.1`,
      lanNetns: netnsName(runId, 'lan'),
      gatewayLink: gatewayLinkName(runId),
      hosts: [],
      state: 'creating',
    };
    writeState(d);
    const pool = new HostPool(d, true);
    if (opts.guard !== false) pool.installGuards();
    try {
      await pool.build(specs, opts.registry !== false, prefix);
    } catch (e) {
      await pool.teardown();
      throw e;
    }
    return pool;
  }

  private async build(specs: HostSpec[], withRegistry: boolean, prefix: string): Promise<void> {
    const d = this.descriptor;
    const runtimeDir = runRuntimeDir(d.runId);
    fs.mkdirSync(runDataDir(d.runId), { recursive: true });
    await makePrivateDir(runtimeDir);
    await createLan(d.lanNetns, d.gatewayLink, `${d.gatewayIp}/24`);

    const mk = (
      name: string,
      role: HostDescriptor['role'],
      ip: string,
      hideNode: boolean,
    ): HostDescriptor => ({
      name,
      role,
      ip,
      netns: netnsName(d.runId, name),
      mntFile: path.join(runtimeDir, `${name}.mnt`),
      dataDir: path.join(runDataDir(d.runId), name),
      hideNode,
    });
    const registry = withRegistry
      ? { ...mk('registry', 'registry', `${prefix}.2`, false), address: `${prefix}.2:5000` }
      : undefined;
    const hosts = specs.map((s, i) => mk(s.name, 'docker', `${prefix}.${11 + i}`, s.hideNode ?? false));
    d.registry = registry;
    d.hosts = hosts;
    writeState(d);

    const all = [...(registry ? [registry] : []), ...hosts];
    let index = 0;
    for (const h of all) {
      fs.mkdirSync(h.dataDir, { recursive: true });
      await addHostToLan(d.lanNetns, h.netns, index++, `${h.ip}/24`, d.gatewayIp);
      h.netnsInode = nsInode(`/run/netns/${h.netns}`);
      writeState(d);
      await createHostMountNs({ mntFile: h.mntFile, dataDir: h.dataDir, hideNode: h.hideNode });
      h.mntInode = nsInode(h.mntFile);
      writeState(d);
    }
    if (registry) {
      registry.daemonPid = await startRegistry(registry);
      writeState(d);
    }
    await Promise.all(
      hosts.map(async (h, i) => {
        h.daemonPid = await startDockerd(h, {
          insecureRegistry: registry?.address,
          cgroupParent: cgroupParent(d.runId, h.name),
          bip: `10.214.${i + 1}.1/24`,
        });
        writeState(d);
      }),
    );
    d.state = 'ready';
    writeState(d);
  }

  get runId(): string {
    return this.descriptor.runId;
  }

  get hosts(): Host[] {
    return this.descriptor.hosts.map((h) => new Host(h));
  }

  host(name: string): Host {
    const h = this.descriptor.hosts.find((x) => x.name === name);
    if (!h)
      throw new Error(
        `no host "${name}" in harness run ${this.runId} (hosts: ${this.descriptor.hosts.map((x) => x.name).join(', ')})`,
      );
    return new Host(h);
  }

  get registry(): Host & { address: string } {
    const r = this.descriptor.registry;
    if (!r) throw new Error('this pool was created without a registry host');
    return Object.assign(new Host(r), { address: r.address });
  }

  /** Pushes an image of the main dockerd to the registry host; returns its tag and digest references. */
  pushImage(localRef: string, repoTag: string): Promise<PushedImage> {
    return pushImage(localRef, this.registry.address, repoTag);
  }

  /** Removes everything the run created. Returns what is still left (empty on success). */
  async teardown(): Promise<string[]> {
    if (!this.owned) throw new Error('only the process that created a pool tears it down');
    this.descriptor.state = 'tearing-down';
    writeState(this.descriptor);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    const left = await cleanupRun(this.runId);
    // Only now: if this process dies during cleanup, the reaper finishes it.
    this.stopReaper();
    return left;
  }

  private readonly onSignal = (sig: NodeJS.Signals): void => {
    process.stderr.write(`\n[testkit] ${sig}: tearing down harness run ${this.runId}\n`);
    void this.teardown().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  private reaperPid: number | undefined;

  private installGuards(): void {
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    // A separate process cleans up if this one is killed without a chance to tear down.
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'reap', this.runId, String(process.pid)], {
      detached: true,
      stdio: 'ignore',
      cwd: path.resolve(path.dirname(cli), '../../..'),
    });
    child.unref();
    this.reaperPid = child.pid;
  }

  private stopReaper(): void {
    if (this.reaperPid) {
      try {
        process.kill(this.reaperPid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      this.reaperPid = undefined;
    }
  }
}
