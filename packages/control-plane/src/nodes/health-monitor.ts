import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Tasks } from '../tasks/tasks.js';
import { OPEN } from '../tasks/tasks.js';

/**
 * Reads every deployed node's health now and then (GNM_NODE_HEALTH_INTERVAL_S, default 60 s) with a
 * `node.health` task to its host, so the latest state per node is never older than that while the
 * host is connected. A host with a health read still open gets no second one; offline hosts get none
 * (their health turns unknown with the host's last-seen time in the UI, not a queue of stale reads).
 */
export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly tasks: Tasks,
    private readonly connected: (hostId: string) => boolean,
    private readonly onError: (e: unknown) => void,
    private readonly o: { intervalMs?: number } = {},
  ) {}

  start(): void {
    const ms = this.o.intervalMs ?? 60_000;
    if (ms <= 0) return;
    this.timer = setInterval(() => void this.tick().catch(this.onError), ms);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      const nodes = await this.db
        .selectFrom('nodes')
        .select(['id', 'host_id', 'owner_id'])
        .where('release', 'is not', null)
        .execute();
      let queued = 0;
      for (const n of nodes) {
        if (!this.connected(n.host_id)) continue;
        const open = await this.db
          .selectFrom('tasks')
          .select('id')
          .where('host_id', '=', n.host_id)
          .where('op', '=', 'node.health')
          .where('state', 'in', [...OPEN])
          .executeTakeFirst();
        if (open) continue;
        await this.tasks.create(
          { id: n.owner_id, email: '', role: 'user' },
          n.host_id,
          { op: 'node.health', params: {}, deadlineSeconds: 120 },
          null,
          { system: true },
        );
        queued++;
      }
      return queued;
    } finally {
      this.running = false;
    }
  }
}
