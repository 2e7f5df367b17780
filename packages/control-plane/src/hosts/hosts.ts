import crypto from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, HostsTable } from '../db/schema.js';
import type { User } from '../accounts/accounts.js';
import type { AuditLog } from '../audit/audit-log.js';
import { AccountScope, type ListScope } from '../accounts/account-scope.js';
import { DomainError } from '../errors.js';

export type HostRow = Selectable<HostsTable>;
const now = () => new Date().toISOString();
export const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export interface NewEnrollment {
  token: string;
  expiresAt: string;
}

/**
 * Hosts of an account. Every query is scoped to the caller through AccountScope (DESIGN invariant 7):
 * another user's host is "not found", never "forbidden", so ids cannot be probed; the owner's access
 * to other accounts' hosts is audited.
 */
export class Hosts {
  private readonly scope: AccountScope;

  constructor(
    private readonly db: Kysely<Database>,
    audit: AuditLog,
    private readonly enrollmentTtlMs: number,
  ) {
    this.scope = new AccountScope(audit);
  }

  async create(user: User, name: string): Promise<{ host: HostRow; enrollment: NewEnrollment }> {
    const clean = name.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$/.test(clean))
      throw new DomainError(
        'invalid',
        'Invalid host name',
        'a host name is 1-63 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit',
      );
    const taken = await this.db
      .selectFrom('hosts')
      .select('id')
      .where('owner_id', '=', user.id)
      .where('name', '=', clean)
      .where('state', '!=', 'revoked')
      .executeTakeFirst();
    if (taken)
      throw new DomainError(
        'conflict',
        'Name taken',
        `you already have a host named "${clean}": pick another`,
      );
    const host: HostRow = {
      id: `hst_${crypto.randomBytes(10).toString('hex')}`,
      owner_id: user.id,
      name: clean,
      state: 'pending',
      agent_id: null,
      agent_public_key: null,
      agent_version: null,
      hostname: null,
      created_at: now(),
      enrolled_at: null,
      revoked_at: null,
      last_seen_at: null,
      last_report: null,
    };
    const enrollment = await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('hosts').values(host).execute();
      return this.insertToken(trx, host.id);
    });
    return { host, enrollment };
  }

  private async insertToken(db: Kysely<Database>, hostId: string): Promise<NewEnrollment> {
    const token = `gnm-enroll-${crypto.randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + this.enrollmentTtlMs).toISOString();
    await db
      .insertInto('enrollment_tokens')
      .values({
        token_sha256: sha256(token),
        host_id: hostId,
        created_at: now(),
        expires_at: expiresAt,
        used_at: null,
      })
      .execute();
    return { token, expiresAt };
  }

  /** A fresh token for a host that has not enrolled yet (the first expired or was lost); older ones stop working. */
  async renewEnrollment(user: User, id: string, sourceIp: string | null): Promise<NewEnrollment> {
    const host = await this.get(user, id, sourceIp);
    if (host.state !== 'pending')
      throw new DomainError(
        'conflict',
        'Already enrolled',
        host.state === 'revoked'
          ? 'this host is revoked: add it again as a new host'
          : 'this host has enrolled already; to move the agent to another machine, revoke it and add a new host',
      );
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('enrollment_tokens').where('host_id', '=', id).execute();
      return this.insertToken(trx, id);
    });
  }

  async list(user: User, o: ListScope = {}): Promise<HostRow[]> {
    return (await this.scoped(user, o)).selectAll().orderBy('created_at', 'asc').execute();
  }

  /**
   * The caller's hosts as a query to select columns from (the owner's `all` checked and audited):
   * the fleet view reads the small columns of every host and the large report only where it changed.
   */
  async scoped(user: User, o: ListScope = {}) {
    // Qualified: callers join other tables.
    return this.scope.list(user, 'hosts', this.db.selectFrom('hosts'), 'hosts.owner_id', o);
  }

  /** One host of the caller's (or, for the owner, anyone's, audited). */
  async get(user: User, id: string, sourceIp: string | null = null): Promise<HostRow> {
    const row = await this.db.selectFrom('hosts').selectAll().where('id', '=', id).executeTakeFirst();
    return this.scope.open(user, 'host', id, row, sourceIp);
  }

  /** Revokes a host: its key is no longer accepted and the caller closes its connection at once. */
  async revoke(user: User, id: string, sourceIp: string | null): Promise<HostRow> {
    const host = await this.get(user, id, sourceIp);
    if (host.state === 'revoked') return host;
    const revokedAt = now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('hosts')
        .set({ state: 'revoked', revoked_at: revokedAt })
        .where('id', '=', id)
        .execute();
      await trx.deleteFrom('enrollment_tokens').where('host_id', '=', id).execute();
      await trx
        .updateTable('tasks')
        .set({
          state: 'cancelled',
          finished_at: revokedAt,
          error_code: 'host-revoked',
          error_message: 'the host was revoked',
        })
        .where('host_id', '=', id)
        .where('state', 'in', ['queued', 'sent', 'running'])
        .execute();
    });
    return { ...host, state: 'revoked', revoked_at: revokedAt };
  }

  /** For the gateway: an enrolled host by agent id, whoever owns it. */
  async byAgentId(agentId: string): Promise<HostRow | undefined> {
    return this.db.selectFrom('hosts').selectAll().where('agent_id', '=', agentId).executeTakeFirst();
  }

  async countEnrolled(): Promise<number> {
    const r = await this.db
      .selectFrom('hosts')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('state', '=', 'enrolled')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
