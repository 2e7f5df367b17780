import fs from 'node:fs';
import { RUNS_DIR, runStateFile } from './paths.js';
import type { PoolDescriptor } from './descriptor.js';

/** Persists the run descriptor after every step, so a crashed run can still be cleaned up completely. */
export function writeState(d: PoolDescriptor): void {
  fs.mkdirSync(RUNS_DIR, { recursive: true });
  const file = runStateFile(d.runId);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(d, null, 2));
  fs.renameSync(tmp, file);
}

export function readState(runId: string): PoolDescriptor | undefined {
  try {
    return JSON.parse(fs.readFileSync(runStateFile(runId), 'utf8')) as PoolDescriptor;
  } catch {
    return undefined;
  }
}

export function removeState(runId: string): void {
  fs.rmSync(runStateFile(runId), { force: true });
}

export function listRunIds(): string[] {
  try {
    return fs
      .readdirSync(RUNS_DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length));
  } catch {
    return [];
  }
}
