import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { OpResult } from '@gnm/protocol';
import { writeFileAtomic } from '../state/files.js';

/**
 * The operation journal (DESIGN invariant 8): one file per operation id, written with fsync before the
 * agent acknowledges anything. A redelivered operation returns its stored result; one found
 * `started` at boot was interrupted by a crash and is reconciled before new work is accepted.
 * Files, not a database: the agent is a single executable with no native addons.
 */
const Entry = z.strictObject({
  opId: z.string(),
  op: z.string(),
  /** The parameters, so an operation interrupted by a crash can be finished (never secrets: the wire has none). */
  params: z.unknown().optional(),
  state: z.enum(['started', 'done']),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  result: OpResult.optional(),
});
export type JournalEntry = z.infer<typeof Entry>;

const SAFE_ID = /^[A-Za-z0-9_-]{8,64}$/;

export class Journal {
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private file(opId: string): string {
    if (!SAFE_ID.test(opId)) throw new Error(`invalid operation id ${JSON.stringify(opId)}`);
    return path.join(this.dir, `${opId}.json`);
  }

  get(opId: string): JournalEntry | undefined {
    try {
      return Entry.parse(JSON.parse(fs.readFileSync(this.file(opId), 'utf8')));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  start(opId: string, op: string, params?: unknown): JournalEntry {
    const entry: JournalEntry = { opId, op, params, state: 'started', startedAt: new Date().toISOString() };
    writeFileAtomic(this.file(opId), JSON.stringify(entry));
    return entry;
  }

  finish(entry: JournalEntry, result: OpResult): JournalEntry {
    const done: JournalEntry = { ...entry, state: 'done', finishedAt: new Date().toISOString(), result };
    writeFileAtomic(this.file(entry.opId), JSON.stringify(done));
    return done;
  }

  /** Operations a crash interrupted (started, never finished). */
  interrupted(): JournalEntry[] {
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .map((f) => this.get(f.slice(0, -'.json'.length)))
      .filter((e): e is JournalEntry => e?.state === 'started');
  }

  /** Drops finished entries older than `maxAgeMs` (the control plane never redelivers that late). */
  prune(maxAgeMs = 30 * 86400_000, now = Date.now()): number {
    let n = 0;
    for (const f of fs.readdirSync(this.dir)) {
      if (!f.endsWith('.json') || f.startsWith('.')) continue;
      const e = this.get(f.slice(0, -'.json'.length));
      if (e?.state === 'done' && e.finishedAt && now - Date.parse(e.finishedAt) > maxAgeMs) {
        fs.rmSync(path.join(this.dir, f));
        n++;
      }
    }
    return n;
  }
}
