import type { Kysely } from 'kysely';
import type { OpEvent, OpResult } from '@gnm/protocol';
import type { Database } from '../db/schema.js';
import type { AgentConnection } from '../gateway/agent-gateway.js';
import type { TaskBus } from './task-bus.js';
import { eventView, taskView } from './tasks.js';

/** How long after its deadline a task that reached its host waits for a late result before it is expired. */
const RESULT_GRACE_MS = 5 * 60_000;

/**
 * Moves tasks between the database and connected agents. Every state change is written before the
 * frame that depends on it is sent, and every incoming frame is applied idempotently (events keyed by
 * (task, seq), a result accepted once), so crashes and redeliveries on either side are harmless.
 * Frames of one connection are applied in order.
 */
export class Dispatcher {
  private readonly chains = new Map<string, Promise<void>>();
  /** What each live connection has been sent already: a task is resent only on a new connection. */
  private readonly sentOn = new WeakMap<AgentConnection, Set<string>>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: TaskBus,
    private readonly connection: (hostId: string) => AgentConnection | undefined,
    private readonly onError: (e: unknown) => void,
  ) {}

  private serial(hostId: string, work: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(hostId) ?? Promise.resolve()).then(work).catch(this.onError);
    this.chains.set(hostId, next);
    void next.then(() => {
      if (this.chains.get(hostId) === next) this.chains.delete(hostId);
    });
    return next;
  }

  /**
   * Sends every open task of a connected host that this connection has not been sent yet: new ones,
   * and ones sent on an earlier connection or before a control-plane restart (the agent's journal makes
   * that redelivery harmless).
   */
  deliver(hostId: string): Promise<void> {
    return this.serial(hostId, async () => {
      const conn = this.connection(hostId);
      if (!conn) return;
      const now = new Date().toISOString();
      const open = await this.db
        .selectFrom('tasks')
        .selectAll()
        .where('host_id', '=', hostId)
        .where('state', 'in', ['queued', 'sent', 'running'])
        .where('deadline', '>', now)
        .orderBy('created_at', 'asc')
        .execute();
      let sent = this.sentOn.get(conn);
      if (!sent) this.sentOn.set(conn, (sent = new Set()));
      for (const t of open) {
        if (sent.has(t.id)) continue;
        const updated = await this.db
          .updateTable('tasks')
          .set((eb) => ({
            state: t.state === 'queued' ? 'sent' : t.state,
            sent_at: t.sent_at ?? now,
            deliveries: eb('deliveries', '+', 1),
          }))
          .where('id', '=', t.id)
          .where('state', '=', t.state)
          .returningAll()
          .executeTakeFirst();
        if (!updated) continue;
        sent.add(t.id);
        if (t.state === 'queued')
          this.bus.publish({ kind: 'task', ownerId: t.owner_id, task: taskView(updated) });
        conn.send({
          type: 'op.request',
          opId: t.id,
          op: t.op,
          params: JSON.parse(t.params) as unknown,
          deadline: t.deadline,
        });
      }
    });
  }

  onEvent(conn: AgentConnection, f: OpEvent): void {
    void this.serial(conn.hostId, async () => {
      const at = new Date().toISOString();
      const inserted = await this.db
        .insertInto('task_events')
        .columns(['task_id', 'seq', 'at', 'progress', 'log'])
        .expression((eb) =>
          eb
            .selectFrom('tasks')
            .select([
              'id',
              eb.val(f.seq).as('seq'),
              eb.val(at).as('at'),
              eb.val(f.progress ? JSON.stringify(f.progress) : null).as('progress'),
              eb.val(f.log ?? null).as('log'),
            ])
            .where('id', '=', f.opId)
            .where('host_id', '=', conn.hostId),
        )
        .onConflict((oc) => oc.columns(['task_id', 'seq']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return;
      const started = await this.db
        .updateTable('tasks')
        .set({ state: 'running' })
        .where('id', '=', f.opId)
        .where('state', '=', 'sent')
        .returningAll()
        .executeTakeFirst();
      if (started) this.bus.publish({ kind: 'task', ownerId: started.owner_id, task: taskView(started) });
      this.bus.publish({
        kind: 'event',
        ownerId: conn.ownerId,
        taskId: f.opId,
        event: eventView({
          task_id: f.opId,
          seq: f.seq,
          at,
          progress: f.progress ? JSON.stringify(f.progress) : null,
          log: f.log ?? null,
        }),
      });
    });
  }

  onResult(conn: AgentConnection, f: OpResult): void {
    void this.serial(conn.hostId, async () => {
      const updated = await this.db
        .updateTable('tasks')
        .set(
          f.ok
            ? {
                state: 'succeeded',
                finished_at: new Date().toISOString(),
                result: JSON.stringify(f.result ?? null),
              }
            : {
                state: 'failed',
                finished_at: new Date().toISOString(),
                error_code: f.error.code,
                error_message: f.error.message,
              },
        )
        .where('id', '=', f.opId)
        .where('host_id', '=', conn.hostId)
        // A late result still replaces "expired": it is what really happened on the host.
        .where('state', 'in', ['sent', 'running', 'expired'])
        .returningAll()
        .executeTakeFirst();
      if (updated) this.bus.publish({ kind: 'task', ownerId: updated.owner_id, task: taskView(updated) });
    });
  }

  /** Expires tasks whose host stayed away past the deadline, and sent ones that never answered. */
  async expire(now = Date.now()): Promise<number> {
    const expired = [
      ...(await this.db
        .updateTable('tasks')
        .set({
          state: 'expired',
          finished_at: new Date(now).toISOString(),
          error_code: 'host-offline',
          error_message: 'the host did not connect before the task’s deadline; the operation never ran',
        })
        .where('state', '=', 'queued')
        .where('deadline', '<=', new Date(now).toISOString())
        .returningAll()
        .execute()),
      ...(await this.db
        .updateTable('tasks')
        .set({
          state: 'expired',
          finished_at: new Date(now).toISOString(),
          error_code: 'no-result',
          error_message:
            'the host received the task but sent no result before the deadline; a late result will still be recorded',
        })
        .where('state', 'in', ['sent', 'running'])
        .where('deadline', '<=', new Date(now - RESULT_GRACE_MS).toISOString())
        .returningAll()
        .execute()),
    ];
    for (const t of expired) this.bus.publish({ kind: 'task', ownerId: t.owner_id, task: taskView(t) });
    return expired.length;
  }

  start(everyMs = 5000): void {
    this.sweeper = setInterval(() => void this.expire().catch(this.onError), everyMs);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all(this.chains.values());
  }
}
