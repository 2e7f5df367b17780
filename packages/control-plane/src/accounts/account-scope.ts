import { sql, type SelectQueryBuilder } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { DomainError, notFound } from '../errors.js';
import type { User } from './accounts.js';

/** The kinds of object an account owns, as they are named in not-found answers and audit actions. */
export type Owned = 'host' | 'node' | 'task' | 'attachment';

export interface ListScope {
  /** The owner's view of every account (`scope=all`); refused for anyone else. */
  all?: boolean;
  sourceIp?: string | null;
}

/**
 * The one rule for reading another account's objects (DESIGN invariant 7), used by every service
 * that lists or opens an account's objects, so no route can forget it:
 *
 * - Lists hold the caller's objects. The instance owner sees every account's only by asking
 *   (`all`, the API's `scope=all`), and each such list is in the owner's audit log; anyone else
 *   asking is refused.
 * - By id, an object of another account is "not found", the same answer as an id nobody has,
 *   naming only the id asked for. The owner may open it; each such access lands in the audit log of
 *   both accounts.
 */
export class AccountScope {
  constructor(private readonly audit: AuditLog) {}

  /** `q` restricted to the caller's rows by `ownerColumn`, or left whole for the owner's audited `all`. */
  async list<DB, TB extends keyof DB, O>(
    user: User,
    what: `${Owned}s`,
    q: SelectQueryBuilder<DB, TB, O>,
    ownerColumn: string,
    o: ListScope,
  ): Promise<SelectQueryBuilder<DB, TB, O>> {
    if (!o.all) return q.where(sql<boolean>`${sql.ref(ownerColumn)} = ${user.id}`);
    if (user.role !== 'owner')
      throw new DomainError(
        'forbidden',
        'Owner only',
        `only the instance owner can list every account’s ${what}: leave scope=all out to list yours`,
      );
    await this.audit.record({
      actorId: user.id,
      action: `owner.read-all-${what}`,
      target: null,
      sourceIp: o.sourceIp ?? null,
      outcome: 'ok',
      ownerScope: user.id,
    });
    return q;
  }

  /** The row `id` named if the caller may open it (audited when it is another account's), else not found. */
  async open<R extends { owner_id: string }>(
    user: User,
    what: Owned,
    id: string,
    row: R | undefined,
    sourceIp: string | null,
  ): Promise<R> {
    if (!row || (row.owner_id !== user.id && user.role !== 'owner')) throw notFound(what, id);
    if (row.owner_id !== user.id)
      for (const scope of [user.id, row.owner_id])
        await this.audit.record({
          actorId: user.id,
          action: `owner.read-${what}`,
          target: id,
          sourceIp,
          outcome: 'ok',
          ownerScope: scope,
        });
    return row;
  }
}
