import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, UsersTable } from '../db/schema.js';
import type { AuditLog } from '../audit/audit-log.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { Sessions } from '../sessions/sessions.js';
import { ApiTokens } from '../tokens/api-tokens.js';

/** Domain errors; the HTTP layer maps them to status codes. */
export class AccountError extends Error {
  constructor(
    readonly code:
      'setup-done' | 'bad-setup-token' | 'weak-password' | 'bad-email' | 'email-taken' | 'bad-credentials',
    message: string,
  ) {
    super(message);
  }
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const now = () => new Date().toISOString();
const newId = (prefix: string) => `${prefix}_${crypto.randomBytes(12).toString('hex')}`;
const SETUP_KEY = 'setup_token_sha256';
const setupDone = () => new AccountError('setup-done', 'this instance already has an owner: log in instead');

export type User = Pick<UsersTable, 'id' | 'email' | 'role'>;

/**
 * Accounts: the first run has no owner and no default password; a one-time setup token (printed to
 * the console, stored only as a hash) lets one person create the owner account.
 */
export class Accounts {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditLog,
  ) {}

  async hasOwner(): Promise<boolean> {
    return (
      (await this.db.selectFrom('users').select('id').where('role', '=', 'owner').executeTakeFirst()) !==
      undefined
    );
  }

  /** Returns a fresh setup token when the instance has no owner yet (a new one on every start), else undefined. */
  async issueSetupToken(): Promise<string | undefined> {
    if (await this.hasOwner()) return undefined;
    const token = `gnm-setup-${crypto.randomBytes(24).toString('base64url')}`;
    const value = sha256(token);
    const updated = await this.db
      .updateTable('meta')
      .set({ value })
      .where('key', '=', SETUP_KEY)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      await this.db.insertInto('meta').values({ key: SETUP_KEY, value }).execute();
    return token;
  }

  async createOwner(
    setupToken: string,
    email: string,
    password: string,
    sourceIp: string | null,
  ): Promise<User> {
    if (await this.hasOwner()) throw setupDone();
    const row = await this.db
      .selectFrom('meta')
      .select('value')
      .where('key', '=', SETUP_KEY)
      .executeTakeFirst();
    const given = Buffer.from(sha256(setupToken));
    if (!row || !crypto.timingSafeEqual(given, Buffer.from(row.value))) {
      await this.audit.record({
        actorId: null,
        action: 'account.create-owner',
        target: email,
        sourceIp,
        outcome: 'denied',
        detail: 'bad setup token',
      });
      throw new AccountError(
        'bad-setup-token',
        'the setup token is not valid: copy it from the control plane console output (it changes on every start until the owner exists)',
      );
    }
    // Checked and hashed before the transaction (argon2 is slow), so a weak password does not spend
    // the token and the transaction stays short.
    const user = await this.prepareUser(email, password, 'owner');
    // Spending the token and creating the owner commit together. Of any number of racing requests,
    // only the one whose delete still finds the token goes on; the unique index on the owner role
    // holds the rule even if a second path to an owner ever appears.
    try {
      await this.db.transaction().execute(async (trx) => {
        const spent = await trx
          .deleteFrom('meta')
          .where('key', '=', SETUP_KEY)
          .where('value', '=', row.value)
          .executeTakeFirst();
        if (Number(spent.numDeletedRows) !== 1) throw setupDone();
        await this.insertPrepared(trx, user);
      });
    } catch (e) {
      if (!(e instanceof AccountError) && (await this.hasOwner())) throw setupDone();
      throw e;
    }
    await this.audit.record({
      actorId: user.id,
      action: 'account.create-owner',
      target: user.id,
      sourceIp,
      outcome: 'ok',
      ownerScope: user.id,
    });
    return { id: user.id, email: user.email, role: user.role };
  }

  /** Creates an account (the owner through setup, others through an accepted invitation). */
  async insertUser(email: string, password: string, role: 'owner' | 'user'): Promise<User> {
    const user = await this.prepareUser(email, password, role);
    await this.insertPrepared(this.db, user);
    return { id: user.id, email: user.email, role };
  }

  /** A new account's row, checked and with its password hashed; nothing is written yet. */
  private async prepareUser(email: string, password: string, role: 'owner' | 'user'): Promise<UsersTable> {
    const normalized = email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normalized) || normalized.length > 254)
      throw new AccountError('bad-email', 'enter a valid e-mail address');
    const weak = passwordProblem(password);
    if (weak) throw new AccountError('weak-password', `password too weak: ${weak}`);
    return {
      id: newId('usr'),
      email: normalized,
      role,
      password_hash: await hashPassword(password),
      created_at: now(),
      password_changed_at: now(),
    };
  }

  private async insertPrepared(db: Kysely<Database>, user: UsersTable): Promise<void> {
    const exists = await db
      .selectFrom('users')
      .select('id')
      .where('email', '=', user.email)
      .executeTakeFirst();
    if (exists) throw new AccountError('email-taken', 'an account with this e-mail already exists');
    await db.insertInto('users').values(user).execute();
  }

  /**
   * Checks a login. The error never says which part was wrong, and an unknown e-mail costs the same
   * hashing work as a wrong password, so timing does not tell either.
   */
  async verifyLogin(email: string, password: string, sourceIp: string | null): Promise<User> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email.trim().toLowerCase())
      .executeTakeFirst();
    const ok = await verifyPassword(row?.password_hash ?? (await dummyHash()), password);
    if (!row || !ok) {
      await this.audit.record({
        actorId: row?.id ?? null,
        action: 'account.login',
        target: null,
        sourceIp,
        outcome: 'denied',
        ownerScope: row?.id ?? null,
      });
      throw new AccountError('bad-credentials', 'wrong e-mail or password');
    }
    await this.audit.record({
      actorId: row.id,
      action: 'account.login',
      target: row.id,
      sourceIp,
      outcome: 'ok',
      ownerScope: row.id,
    });
    return { id: row.id, email: row.email, role: row.role };
  }

  /**
   * Changes the password and, in the same transaction, ends every session of the account and — unless
   * `keepTokens` — revokes every API token: someone who changes a password may fear the account was
   * used by another, and a token made by that other would otherwise outlive the change.
   */
  async changePassword(
    userId: string,
    current: string,
    next: string,
    sourceIp: string | null,
    o: { keepTokens?: boolean } = {},
  ): Promise<{ tokensRevoked: number }> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    if (!row || !(await verifyPassword(row.password_hash, current))) {
      await this.audit.record({
        actorId: userId,
        action: 'account.change-password',
        target: userId,
        sourceIp,
        outcome: 'denied',
        ownerScope: userId,
      });
      throw new AccountError('bad-credentials', 'the current password is wrong');
    }
    const weak = passwordProblem(next);
    if (weak) throw new AccountError('weak-password', `password too weak: ${weak}`);
    const hash = await hashPassword(next);
    const tokensRevoked = await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ password_hash: hash, password_changed_at: now() })
        .where('id', '=', userId)
        .execute();
      await new Sessions(trx).destroyAllOf(userId);
      return o.keepTokens ? 0 : new ApiTokens(trx).revokeAllOf(userId);
    });
    await this.audit.record({
      actorId: userId,
      action: 'account.change-password',
      target: userId,
      sourceIp,
      outcome: 'ok',
      ownerScope: userId,
      detail: `every session ended; ${o.keepTokens ? 'API tokens kept (keepTokens)' : `${tokensRevoked} API tokens revoked`}`,
    });
    return { tokensRevoked };
  }
}

/** An argon2id hash of a random value, verified against when the e-mail is unknown (same cost). */
let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(crypto.randomBytes(16).toString('hex'));
  return dummy;
}
