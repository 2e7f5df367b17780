import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { User } from '../accounts/accounts.js';

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export interface Session {
  user: User;
  csrfToken: string;
  expiresAt: string;
}

/**
 * Browser sessions: a random token in an httpOnly SameSite=Strict cookie (only its hash is stored) and
 * a CSRF token the page must send back in a header on every mutation.
 */
export class Sessions {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ttlMs = 12 * 3600_000,
  ) {}

  async create(user: User): Promise<{ token: string; session: Session }> {
    const token = crypto.randomBytes(32).toString('base64url');
    const csrfToken = crypto.randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + this.ttlMs).toISOString();
    await this.db
      .insertInto('sessions')
      .values({
        token_sha256: sha256(token),
        user_id: user.id,
        csrf_token: csrfToken,
        created_at: new Date().toISOString(),
        expires_at: expiresAt,
      })
      .execute();
    return { token, session: { user, csrfToken, expiresAt } };
  }

  async lookup(token: string | undefined): Promise<Session | undefined> {
    if (!token) return undefined;
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id', 'users.email', 'users.role', 'sessions.csrf_token', 'sessions.expires_at'])
      .where('sessions.token_sha256', '=', sha256(token))
      .executeTakeFirst();
    if (!row || Date.parse(row.expires_at) < Date.now()) return undefined;
    return {
      user: { id: row.id, email: row.email, role: row.role },
      csrfToken: row.csrf_token,
      expiresAt: row.expires_at,
    };
  }

  async destroy(token: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_sha256', '=', sha256(token)).execute();
  }

  /** Ends every session of a user (password change). */
  async destroyAllOf(userId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }
}
