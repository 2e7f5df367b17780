#!/usr/bin/env -S node --import tsx
/**
 * Time to node (issue #7): from nothing to a registered sim node with a green checklist, through the
 * product's API — the same driver as `npm run try` (scripts/try/driver.ts), non-interactive, on this
 * machine's Docker engine with the sim images already built (their build is reported, not counted).
 *
 *   npm run bench:time-to-node -- [--smoke]
 *
 * Phases of the deploy come from the deploy task's own event timestamps (the control plane stamps each
 * event); the others from the API calls around them. --smoke stops after the deploy (no registration,
 * grant or checklist). Logs go to stderr; stdout carries only the JSON result. Needs root; it refuses
 * to run while `npm run try` is up (same ports and compose project) and removes everything it made.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { DOCKER_BIN, exec } from '@gnm/testkit';
import {
  LABEL,
  drive,
  failureText,
  teardown,
  type Running,
  type TaskEvent,
} from '../../scripts/try/driver.js';

const { values: args } = parseArgs({
  options: { smoke: { type: 'boolean' }, port: { type: 'string' } },
});
const log = (m: string) => process.stderr.write(`[time-to-node] ${m}\n`);
const DOWNLOAD_MS = 3000;

/** ms from each phase's first event to the next phase's first event (the last one ends at `end`). */
function phaseDurations(events: TaskEvent[], end: number): Record<string, number> {
  const starts: [string, number][] = [];
  for (const e of events)
    if (e.progress && !starts.some(([p]) => p === e.progress?.phase))
      starts.push([e.progress.phase, Date.parse(e.at)]);
  return Object.fromEntries(starts.map(([p, t], i) => [p, (starts[i + 1]?.[1] ?? end) - t]));
}
const sum = (d: Record<string, number>, names: string[]) => names.reduce((a, n) => a + (d[n] ?? 0), 0);

async function main(): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new Error('needs root (Docker, the agent): sudo npm run bench:time-to-node');
  if ((await exec(DOCKER_BIN, ['ps', '-aq', '--filter', `label=${LABEL}`])).stdout.trim())
    throw new Error(
      'a `npm run try` is up (its containers are there): stop it, or run `sudo npm run try:down`',
    );
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-time-to-node-'));
  const running: Running = {};
  try {
    const r = await drive(
      {
        root,
        port: Number(args.port ?? 18787),
        say: log,
        simValues: { SIM_MODEL_DOWNLOAD_MS: String(DOWNLOAD_MS) },
        healthIntervalS: 3,
        deployOnly: args.smoke === true,
      },
      running,
    );
    const m = r.marks;
    const dt = r.deployTask;
    const deployEnd = Date.parse(dt.finishedAt ?? new Date(m.deployed ?? Date.now()).toISOString());
    const d = phaseDurations(dt.events, deployEnd);
    const span = (a: string, b: string) => (m[b] ?? NaN) - (m[a] ?? NaN);
    const out = {
      bench: 'time-to-node',
      smoke: args.smoke === true,
      machine: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30) },
      sim: { gpus: '8×H200 (replayed)', modelDownloadMs: DOWNLOAD_MS, blockTimeMs: 1000, healthIntervalS: 3 },
      setupMs: {
        images: span('start', 'images'),
        controlPlaneStart: span('images', 'controlPlane'),
        ownerAndBundleImport: span('controlPlane', 'bundle'),
        seedAndColdKey: span('images', 'seed'),
        installAndEnroll: span('hostCreate', 'hostOnline'),
        nodeConfig: span('hostOnline', 'nodeCreate'),
      },
      deployMs: {
        queued: Date.parse(dt.events[0]?.at ?? dt.createdAt) - Date.parse(dt.createdAt),
        prepare: sum(d, ['preflight', 'verify', 'render']),
        pull: sum(d, ['pull']),
        start: sum(d, ['start', 'start-chain', 'node-rpc']),
        key: sum(d, ['warm-key']),
        download: sum(d, ['download']),
        restAndHealth: sum(d, ['mlnode', 'start-rest', 'health']),
        sync: sum(d, ['sync']),
        total: deployEnd - Date.parse(dt.createdAt),
        phases: d,
      },
      registrationMs: r.registerTask ? span('registerStart', 'registered') : null,
      grantToGreenMs: r.checklistGreenAt ? span('grantStart', 'green') : null,
      waitForChainIdMs: r.checklistGreenAt ? span('registered', 'grantStart') : null,
      timeToNodeMs: r.checklistGreenAt ? span('hostCreate', 'green') : span('hostCreate', 'deployed'),
      totalMs: (r.checklistGreenAt ?? m.deployed ?? NaN) - (m.start ?? NaN),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await teardown(root, running, log);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log(`failed: ${failureText(e)}`);
    process.exit(1);
  },
);
