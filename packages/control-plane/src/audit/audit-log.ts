import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface AuditEvent {
  actorId: string | null;
  action: string;
  target: string | null;
  sourceIp: string | null;
  outcome: 'ok' | 'denied' | 'failed';
  detail?: string;
  /** The account the event belongs to: queries are scoped by it (DESIGN invariant 7). */
  ownerScope?: string | null;
}

export interface AuditEntry extends AuditEvent {
  seq: number;
  at: string;
}

/** Append-only record of every mutation and every denied attempt: who, what, target, when, from where, outcome. */
export class AuditLog {
  constructor(private readonly db: Kysely<Database>) {}

  async record(e: AuditEvent): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        at: new Date().toISOString(),
        actor_id: e.actorId,
        action: e.action,
        target: e.target,
        source_ip: e.sourceIp,
        outcome: e.outcome,
        detail: e.detail ?? null,
        owner_scope: e.ownerScope ?? null,
      })
      .execute();
  }

  /** The events of one account, newest first (`before` pages back by sequence number). */
  async list(ownerScope: string, o: { limit?: number; before?: number } = {}): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll().where('owner_scope', '=', ownerScope);
    if (o.before !== undefined) q = q.where('seq', '<', o.before);
    const rows = await q
      .orderBy('seq', 'desc')
      .limit(Math.min(o.limit ?? 100, 1000))
      .execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      at: r.at,
      actorId: r.actor_id,
      action: r.action,
      target: r.target,
      sourceIp: r.source_ip,
      outcome: r.outcome,
      detail: r.detail ?? undefined,
      ownerScope: r.owner_scope,
    }));
  }
}
