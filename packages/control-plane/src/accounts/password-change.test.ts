import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.js';
import { Accounts, type User } from './accounts.js';
import { AuditLog } from '../audit/audit-log.js';
import { Sessions } from '../sessions/sessions.js';
import { ApiTokens } from '../tokens/api-tokens.js';
import { freshDatabase } from '../testing/databases.js';
import type { OpenedDatabase } from '../db/open.js';
import { SESSION_COOKIE } from '../http/context.js';

/**
 * A password change is what someone does who fears their account was used by another: every session
 * ends and, unless they say to keep them, every API token is revoked too. "Revoke all" exists on its
 * own as well. Each is audited with what it ended.
 */
describe('password change and API tokens', () => {
  let opened: OpenedDatabase;
  let app: FastifyInstance;
  let owner: User;
  let password = 'long enough password';
  const sessionHeaders = async (user: User) => {
    const { token, session } = await new Sessions(opened.db).create(user);
    return { cookie: `${SESSION_COOKIE}=${token}`, 'x-csrf-token': session.csrfToken };
  };
  const newToken = async (scope: 'read' | 'write' = 'read') =>
    (await new ApiTokens(opened.db).create(owner, `t-${Math.random()}`, scope, 1)).token;
  const tokenWorks = async (token: string) =>
    (
      await app.inject({
        method: 'GET',
        url: '/api/v1/hosts',
        headers: { authorization: `Bearer ${token}` },
      })
    ).statusCode === 200;
  const changePassword = async (body: Record<string, unknown>) => {
    const next = `${password}!`;
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/account/password',
      headers: await sessionHeaders(owner),
      payload: { currentPassword: password, newPassword: next, ...body },
    });
    if (r.statusCode < 300) password = next;
    return r;
  };
  const lastAudit = async (action: string) =>
    opened.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', action)
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    opened = await freshDatabase('sqlite');
    const accounts = new Accounts(opened.db, new AuditLog(opened.db));
    owner = await accounts.createOwner(
      (await accounts.issueSetupToken()) ?? '',
      'o@example.org',
      password,
      null,
    );
    app = await buildServer({ logLevel: 'silent' }, opened.db);
  });
  afterAll(async () => {
    await app.close();
    await opened.close();
  });

  it('a password change revokes every API token of the account and ends every session', async () => {
    const tokens = [await newToken('read'), await newToken('write')];
    const other = await sessionHeaders(owner);
    expect(await tokenWorks(tokens[0] ?? '')).toBe(true);
    const r = await changePassword({});
    expect(r.statusCode).toBe(204);
    for (const t of tokens) expect(await tokenWorks(t)).toBe(false);
    expect((await app.inject({ method: 'GET', url: '/api/v1/session', headers: other })).statusCode).toBe(
      401,
    );
    expect(String((await lastAudit('account.change-password')).detail)).toMatch(/2 API tokens revoked/);
  });

  it('keepTokens: true keeps the API tokens, and the audit entry says so', async () => {
    const token = await newToken();
    expect((await changePassword({ keepTokens: true })).statusCode).toBe(204);
    expect(await tokenWorks(token)).toBe(true);
    expect(String((await lastAudit('account.change-password')).detail)).toMatch(/API tokens kept/);
  });

  it('revoke-all revokes every API token of the account, audited', async () => {
    const tokens = [await newToken(), await newToken()];
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens/revoke-all',
      headers: await sessionHeaders(owner),
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ revoked: 3 });
    for (const t of tokens) expect(await tokenWorks(t)).toBe(false);
    expect(String((await lastAudit('token.revoke-all')).detail)).toMatch(/3 API tokens/);
  });
});
