#!/usr/bin/env -S node --import tsx
/**
 * gnm-testkit: maintenance commands for the harness.
 *   cleanup            remove every leftover of runs whose process is gone
 *   cleanup --all      remove every run, live or not
 *   reap RUN PID       (internal) wait for PID to exit, then clean up RUN if it did not
 */
import { cleanupRun, cleanupStaleRuns } from './cleanup.js';
import { cleanupStalePostgres } from './postgres.js';
import { sleep } from './exec.js';
import { pidAlive } from './procfs.js';
import { listRunIds, readState } from './state-file.js';

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'cleanup') {
    const results = rest.includes('--all')
      ? await Promise.all(listRunIds().map(async (runId) => ({ runId, leftovers: await cleanupRun(runId) })))
      : await cleanupStaleRuns();
    for (const r of results) {
      console.log(
        `run ${r.runId}: ${r.leftovers.length ? `left behind:\n  ${r.leftovers.join('\n  ')}` : 'cleaned'}`,
      );
    }
    const databases = await cleanupStalePostgres();
    for (const d of databases) console.log(`test PostgreSQL server ${d}: owner gone, removed`);
    if (results.length === 0 && databases.length === 0) console.log('nothing to clean up');
    return results.some((r) => r.leftovers.length) ? 1 : 0;
  }
  if (cmd === 'reap') {
    const [runId, pidText] = rest;
    const pid = Number(pidText);
    if (!runId || !Number.isInteger(pid)) return 2;
    process.on('SIGTERM', () => process.exit(0));
    while (pidAlive(pid)) await sleep(500);
    if (readState(runId)) await cleanupRun(runId);
    return 0;
  }
  console.error('usage: gnm-testkit cleanup [--all]');
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
