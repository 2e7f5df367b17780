import fs from 'node:fs';
import type { HostDescriptor, PoolDescriptor } from './descriptor.js';
import { exec, sleep } from './exec.js';
import { linkExists, listNetns } from './network.js';
import { cgroupParent, gatewayLinkName, runDataDir, runRuntimeDir } from './paths.js';
import { cgroupDirs, findHostPids, mountsContaining, nsInode, pidAlive } from './procfs.js';
import { listRunIds, readState, removeState } from './state-file.js';

async function waitGone(pids: number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (pids.every((p) => !pidAlive(p))) return true;
    await sleep(100);
  }
  return pids.every((p) => !pidAlive(p));
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Stops one host: its daemon gracefully (so dockerd stops its containers), then anything left. */
async function stopHost(runId: string, h: HostDescriptor): Promise<void> {
  if (h.daemonPid && pidAlive(h.daemonPid)) {
    kill(h.daemonPid, 'SIGTERM');
    if (!(await waitGone([h.daemonPid], 20_000))) kill(h.daemonPid, 'SIGKILL');
  }
  const netnsInode = h.netnsInode ?? nsInode(`/run/netns/${h.netns}`);
  const mntInode = h.mntInode ?? nsInode(h.mntFile);
  for (let round = 0; round < 3; round++) {
    const pids = findHostPids({ netnsInode, mntInode, cgroupPrefix: cgroupParent(runId, h.name) });
    if (pids.length === 0) break;
    for (const p of pids) kill(p, 'SIGKILL');
    await waitGone(pids, 5_000);
  }
  await exec('umount', [h.mntFile]);
  fs.rmSync(h.mntFile, { force: true });
  await exec('ip', ['netns', 'delete', h.netns]);
}

/** Removes cgroup directories left by a host's dockerd (the cgroupfs driver never removes the parent). */
function removeCgroups(prefix: string): void {
  for (const dir of cgroupDirs(prefix)) {
    try {
      fs.rmdirSync(dir);
    } catch {
      /* busy or gone: reported by findLeftovers */
    }
  }
}

/**
 * Removes every resource of a run, whether the run ended cleanly, failed half-way through creation or
 * its process was killed: from the state file first, then by name, so nothing is missed.
 */
export async function cleanupRun(runId: string): Promise<string[]> {
  const state = readState(runId);
  const hosts: HostDescriptor[] = state ? [...state.hosts, ...(state.registry ? [state.registry] : [])] : [];
  await Promise.all(hosts.map((h) => stopHost(runId, h)));

  // Anything named after the run that the state file did not know about (a crash mid-creation).
  for (const ns of await listNetns()) {
    if (!ns.startsWith(`gnm-${runId}-`)) continue;
    const inode = nsInode(`/run/netns/${ns}`);
    for (const p of findHostPids({ netnsInode: inode })) kill(p, 'SIGKILL');
    await exec('ip', ['netns', 'delete', ns]);
  }
  const gw = state?.gatewayLink ?? gatewayLinkName(runId);
  if (await linkExists(gw)) await exec('ip', ['link', 'delete', gw]);

  const runtimeDir = runRuntimeDir(runId);
  const mounts = mountsContaining(`${runtimeDir}`)
    .map((l) => l.split(' ')[4] ?? '')
    .filter(Boolean)
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await exec('umount', ['-l', m]);
  fs.rmSync(runtimeDir, { recursive: true, force: true });
  fs.rmSync(runDataDir(runId), { recursive: true, force: true });
  removeCgroups(`gnm-${runId}-`);
  removeState(runId);
  return findLeftovers(runId, state);
}

/**
 * Everything of a run still present on the machine: namespaces, veths, processes, mounts, iptables
 * rules in the root namespace, cgroups, directories. Empty means the run left nothing behind.
 */
export async function findLeftovers(runId: string, state?: PoolDescriptor): Promise<string[]> {
  const out: string[] = [];
  for (const ns of await listNetns()) if (ns.startsWith(`gnm-${runId}-`)) out.push(`network namespace ${ns}`);
  const gw = state?.gatewayLink ?? gatewayLinkName(runId);
  if (await linkExists(gw)) out.push(`link ${gw}`);
  const hosts = state ? [...state.hosts, ...(state.registry ? [state.registry] : [])] : [];
  for (const h of hosts) {
    const pids = findHostPids({
      netnsInode: h.netnsInode,
      mntInode: h.mntInode,
      cgroupPrefix: cgroupParent(runId, h.name),
    });
    for (const p of pids) out.push(`process ${p} of host ${h.name}`);
  }
  for (const l of mountsContaining(`/gnm-testkit/${runId}`)) out.push(`mount ${l.split(' ')[4]}`);
  for (const l of mountsContaining(`/netns/gnm-${runId}-`)) out.push(`mount ${l.split(' ')[4]}`);
  const rules = (await exec('iptables-save', [])).stdout.split('\n');
  const subnetPrefix = state ? state.subnet.replace(/0\/24$/, '') : undefined;
  for (const r of rules) {
    if (
      r.includes(`gnm${runId}`) ||
      r.includes(`gnm-${runId}`) ||
      (subnetPrefix && r.includes(subnetPrefix))
    ) {
      out.push(`iptables rule: ${r}`);
    }
  }
  for (const c of cgroupDirs(`gnm-${runId}-`)) out.push(`cgroup ${c}`);
  for (const d of [runRuntimeDir(runId), runDataDir(runId)]) if (fs.existsSync(d)) out.push(`directory ${d}`);
  return out;
}

/** Cleans up every run whose owning process is gone (a crashed or killed test run). */
export async function cleanupStaleRuns(): Promise<{ runId: string; leftovers: string[] }[]> {
  const results: { runId: string; leftovers: string[] }[] = [];
  for (const runId of listRunIds()) {
    const s = readState(runId);
    if (s && pidAlive(s.ownerPid)) continue;
    results.push({ runId, leftovers: await cleanupRun(runId) });
  }
  return results;
}
