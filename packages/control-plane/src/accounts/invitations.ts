import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Accounts, User } from './accounts.js';
import type { AuditLog } from '../audit/audit-log.js';
import { DomainError, notFound } from '../errors.js';

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const INVITATION_TTL_MS = 7 * 86400_000;

export interface InvitationView {
  id: string;
  email: string;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
}

/**
 * Invitations: only the owner adds people. An invitation is a one-time token (shown once, stored as a
 * hash, valid 7 days) that the invitee exchanges for an account with a password of their own choosing.
 */
export class Invitations {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly accounts: Accounts,
    private readonly audit: AuditLog,
  ) {}

  async create(
    owner: User,
    email: string,
    sourceIp: string | null,
  ): Promise<InvitationView & { token: string }> {
    const normalized = email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normalized) || normalized.length > 254)
      throw new DomainError('invalid', 'Invalid e-mail', 'enter a valid e-mail address');
    const exists = await this.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', normalized)
      .executeTakeFirst();
    if (exists)
      throw new DomainError('conflict', 'Already a user', 'an account with this e-mail already exists');
    const token = `gnm-invite-${crypto.randomBytes(24).toString('base64url')}`;
    const row = {
      id: `inv_${crypto.randomBytes(10).toString('hex')}`,
      token_sha256: sha256(token),
      email: normalized,
      invited_by: owner.id,
      created_at: new Date().toISOString(),
      expires_at: new Date(Date.now() + INVITATION_TTL_MS).toISOString(),
      accepted_at: null,
      user_id: null,
    };
    await this.db.insertInto('invitations').values(row).execute();
    await this.audit.record({
      actorId: owner.id,
      action: 'invitation.create',
      target: row.id,
      sourceIp,
      outcome: 'ok',
      detail: normalized,
      ownerScope: owner.id,
    });
    return { ...view(row), token };
  }

  async list(): Promise<InvitationView[]> {
    const rows = await this.db.selectFrom('invitations').selectAll().orderBy('created_at', 'desc').execute();
    return rows.map(view);
  }

  async revoke(owner: User, id: string, sourceIp: string | null): Promise<void> {
    const r = await this.db
      .deleteFrom('invitations')
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) throw notFound('open invitation', id);
    await this.audit.record({
      actorId: owner.id,
      action: 'invitation.revoke',
      target: id,
      sourceIp,
      outcome: 'ok',
      ownerScope: owner.id,
    });
  }

  async accept(token: string, password: string, sourceIp: string | null): Promise<User> {
    const row = await this.db
      .selectFrom('invitations')
      .selectAll()
      .where('token_sha256', '=', sha256(token))
      .executeTakeFirst();
    if (!row || row.accepted_at || row.expires_at <= new Date().toISOString()) {
      await this.audit.record({
        actorId: null,
        action: 'invitation.accept',
        target: row?.id ?? null,
        sourceIp,
        outcome: 'denied',
        ownerScope: row?.invited_by ?? null,
      });
      throw new DomainError(
        'unauthorized',
        'Invalid invitation',
        'this invitation is unknown, used or expired: ask the owner for a new one',
      );
    }
    const user = await this.accounts.insertUser(row.email, password, 'user');
    const at = new Date().toISOString();
    const spent = await this.db
      .updateTable('invitations')
      .set({ accepted_at: at, user_id: user.id })
      .where('id', '=', row.id)
      .where('accepted_at', 'is', null)
      .executeTakeFirst();
    if (Number(spent.numUpdatedRows) !== 1) {
      await this.db.deleteFrom('users').where('id', '=', user.id).execute();
      throw new DomainError('unauthorized', 'Invalid invitation', 'this invitation was used already');
    }
    for (const scope of [user.id, row.invited_by]) {
      await this.audit.record({
        actorId: user.id,
        action: 'invitation.accept',
        target: row.id,
        sourceIp,
        outcome: 'ok',
        detail: user.email,
        ownerScope: scope,
      });
    }
    return user;
  }
}

function view(r: {
  id: string;
  email: string;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
}): InvitationView {
  return {
    id: r.id,
    email: r.email,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    acceptedAt: r.accepted_at,
  };
}
