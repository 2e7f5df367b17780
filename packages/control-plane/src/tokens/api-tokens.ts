import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { User } from '../accounts/accounts.js';

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export type TokenScope = 'read' | 'write';

export interface ApiTokenInfo {
  id: string;
  name: string;
  scope: TokenScope;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
}

export class TokenError extends Error {
  constructor(
    readonly code: 'not-found' | 'bad-name',
    message: string,
  ) {
    super(message);
  }
}

/** API tokens for scripts and the CLI: hashed at rest, scoped read or write, always expiring. */
export class ApiTokens {
  constructor(private readonly db: Kysely<Database>) {}

  async create(
    user: User,
    name: string,
    scope: TokenScope,
    expiresInDays: number,
  ): Promise<{ token: string; info: ApiTokenInfo }> {
    const clean = name.trim();
    if (!/^[\x20-\x7e]{1,64}$/.test(clean))
      throw new TokenError('bad-name', 'give the token a name of 1 to 64 printable characters');
    const token = `gnmt_${crypto.randomBytes(32).toString('base64url')}`;
    const now = new Date();
    const info: ApiTokenInfo = {
      id: `tok_${crypto.randomBytes(8).toString('hex')}`,
      name: clean,
      scope,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + expiresInDays * 86_400_000).toISOString(),
      lastUsedAt: null,
    };
    await this.db
      .insertInto('api_tokens')
      .values({
        id: info.id,
        user_id: user.id,
        name: info.name,
        token_sha256: sha256(token),
        scope,
        created_at: info.createdAt,
        expires_at: info.expiresAt,
        last_used_at: null,
      })
      .execute();
    return { token, info };
  }

  /** The user and scope of a presented token, if it is known and not expired. */
  async authenticate(token: string): Promise<{ user: User; scope: TokenScope; tokenId: string } | undefined> {
    if (!token.startsWith('gnmt_')) return undefined;
    const row = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([
        'api_tokens.id as tokenId',
        'api_tokens.scope',
        'api_tokens.expires_at',
        'users.id',
        'users.email',
        'users.role',
      ])
      .where('api_tokens.token_sha256', '=', sha256(token))
      .executeTakeFirst();
    if (!row || Date.parse(row.expires_at) <= Date.now()) return undefined;
    await this.db
      .updateTable('api_tokens')
      .set({ last_used_at: new Date().toISOString() })
      .where('id', '=', row.tokenId)
      .execute();
    return { user: { id: row.id, email: row.email, role: row.role }, scope: row.scope, tokenId: row.tokenId };
  }

  async list(userId: string): Promise<ApiTokenInfo[]> {
    const rows = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      scope: r.scope,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  /** Revokes one of the user's tokens; another user's token id is "not found" (never "forbidden"). */
  async revoke(userId: string, id: string): Promise<void> {
    const r = await this.db
      .deleteFrom('api_tokens')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new TokenError('not-found', `no token ${id} in your account`);
  }

  /** Revokes every token of the user (password change, "revoke all"); returns how many there were. */
  async revokeAllOf(userId: string): Promise<number> {
    const r = await this.db.deleteFrom('api_tokens').where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
