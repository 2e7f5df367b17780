import fs from 'node:fs';
import path from 'node:path';
import { StackLayout } from '@gnm/bundle';
import type { OperationContext } from '../operations/registry.js';
import { keptRelease } from './release-record.js';
import { composeFor, type StackDeps } from './stack-context.js';
import type { StackResult } from './result.js';

/**
 * Crash recovery for stack.apply and stack.rollback (issue #6, DESIGN invariant 8). Whatever moment
 * the agent died at, the `current` link was switched with one rename, so it names exactly one release:
 * the stack is brought to that release with `compose up`, after which every container's config hash
 * belongs to it. A release folder caught between the two renames of a re-render is put back first,
 * and a `docker compose` the dead agent left running is waited for, so two never race.
 */
export async function recoverStack(ctx: OperationContext, d: StackDeps): Promise<StackResult | undefined> {
  const layout = new StackLayout(d.stacksRoot);
  repairReleases(layout);
  await waitForOrphanCompose(ctx.signal);
  const current = layout.current();
  const kept = keptRelease(d.stacksRoot, current);
  if (!current || !kept) return undefined;
  const compose = composeFor(d, ctx);
  await compose.onRelease(kept.release.composeArgs, ['up', '--detach', '--remove-orphans', '--no-build']);
  return {
    release: current,
    previous: layout.previous() ?? null,
    role: kept.record.role,
    containers: await compose.ps(),
    recovered: true,
  };
}

/** Puts back a release a crash left as `.old-<version>-<pid>`, and drops unfinished stages. */
function repairReleases(layout: StackLayout): void {
  if (!fs.existsSync(layout.releasesDir)) return;
  for (const name of fs.readdirSync(layout.releasesDir)) {
    const full = path.join(layout.releasesDir, name);
    const old = /^\.old-(.+)-\d+$/.exec(name);
    if (old?.[1] && !fs.existsSync(layout.releaseDir(old[1]))) fs.renameSync(full, layout.releaseDir(old[1]));
    else if (name.startsWith('.stage-') || old) fs.rmSync(full, { recursive: true, force: true });
  }
}

/** Waits (up to 10 minutes) for `docker compose` processes of the `join` project still running. */
async function waitForOrphanCompose(signal: AbortSignal): Promise<void> {
  const end = Date.now() + 10 * 60_000;
  while (Date.now() < end && !signal.aborted) {
    if (!orphanCompose()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function orphanCompose(): boolean {
  const ownMounts = fs.readlinkSync('/proc/self/ns/mnt');
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let argv: string[];
    try {
      // Only this host's processes (a container or a test harness may show others in /proc).
      if (fs.readlinkSync(`/proc/${pid}/ns/mnt`) !== ownMounts) continue;
      argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    const at = argv.indexOf('--project-name');
    if (argv.includes('compose') && at >= 0 && argv[at + 1] === 'join' && argv.includes('up')) return true;
  }
  return false;
}
