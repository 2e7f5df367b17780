import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

interface Pending {
  hostId: string;
  seenAt: string;
  report: string | null;
  ack: () => void;
}

/**
 * Status reports are written in batches: one transaction every `flushMs` for every report received
 * meanwhile (the latest per host wins), then each agent gets its acknowledgement. This keeps SQLite's
 * single writer far from saturation at thousands of reports a second, and an ack means "stored".
 */
export class ReportIngest {
  private pending = new Map<string, Pending[]>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly flushMs = 50,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  /** Queues a report (or a bare heartbeat when `report` is null). */
  add(hostId: string, report: string | null, ack: () => void): void {
    const entry = { hostId, seenAt: new Date().toISOString(), report, ack };
    const list = this.pending.get(hostId);
    if (list) list.push(entry);
    else this.pending.set(hostId, [entry]);
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  async flush(): Promise<void> {
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    if (!batch.size) return;
    this.flushing = this.flushing.then(async () => {
      try {
        await this.db.transaction().execute(async (trx) => {
          for (const [hostId, entries] of batch) {
            const last = entries[entries.length - 1];
            if (!last) continue;
            const report = [...entries].reverse().find((e) => e.report !== null)?.report;
            await trx
              .updateTable('hosts')
              .set(
                report !== undefined && report !== null
                  ? { last_seen_at: last.seenAt, last_report: report }
                  : { last_seen_at: last.seenAt },
              )
              .where('id', '=', hostId)
              .execute();
          }
        });
        for (const entries of batch.values()) for (const e of entries) e.ack();
      } catch (e) {
        this.onError(e);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
    await this.flushing;
  }
}
