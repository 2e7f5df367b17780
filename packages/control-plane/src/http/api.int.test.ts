import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildServer } from '../server.js';
import { Accounts } from '../accounts/accounts.js';
import { AuditLog } from '../audit/audit-log.js';
import { DIALECTS, freshDatabase } from '../testing/databases.js';
import type { OpenedDatabase } from '../db/open.js';
import { SESSION_COOKIE } from './api.js';

describe.each(DIALECTS)('REST API, accounts slice, on %s', (dialect) => {
  let opened: OpenedDatabase;
  let app: FastifyInstance;
  let setupToken = '';
  beforeAll(async () => {
    opened = await freshDatabase(dialect);
    setupToken = (await new Accounts(opened.db, new AuditLog(opened.db)).issueSetupToken()) ?? '';
    app = await buildServer({ logLevel: 'silent' }, opened.db);
  });
  afterAll(async () => {
    await app.close();
    await opened.close();
  });

  const cookieOf = (r: LightMyRequestResponse) => {
    const c = r.cookies.find((x) => x.name === SESSION_COOKIE);
    return c ? `${SESSION_COOKIE}=${c.value}` : '';
  };
  const problemOf = (r: LightMyRequestResponse) => {
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    const p = r.json() as { status: number; title: string; detail: string };
    expect(p.status).toBe(r.statusCode);
    expect(JSON.stringify(p)).not.toMatch(/at .*\.ts:\d+/);
    return p;
  };

  it('first run: the owner is created with the console setup token, never with a default password', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/setup' })).json()).toEqual({ needsOwner: true });
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/setup',
      payload: { setupToken: 'guess', email: 'o@example.org', password: 'long enough password' },
    });
    expect(bad.statusCode).toBe(403);
    expect(problemOf(bad).detail).toMatch(/console output/);
    const invalid = await app.inject({
      method: 'POST',
      url: '/api/v1/setup',
      payload: { email: 'o@example.org' },
    });
    expect(invalid.statusCode).toBe(400);
    expect(
      (problemOf(invalid) as unknown as { errors: { field: string }[] }).errors.map((e) => e.field),
    ).toContain('setupToken');
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/setup',
      payload: { setupToken, email: 'o@example.org', password: 'long enough password' },
    });
    expect(ok.statusCode).toBe(201);
    const c = ok.cookies.find((x) => x.name === SESSION_COOKIE);
    expect(c).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect((await app.inject({ method: 'GET', url: '/api/v1/setup' })).json()).toEqual({ needsOwner: false });
    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/setup',
      payload: { setupToken, email: 'x@example.org', password: 'long enough password' },
    });
    expect(again.statusCode).toBe(409);
  });

  it('sessions: login, CSRF on mutations, logout; the database holds only token hashes', async () => {
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'o@example.org', password: 'long enough password' },
    });
    expect(login.statusCode).toBe(200);
    const { csrfToken } = login.json() as { csrfToken: string };
    const cookie = cookieOf(login);
    const me = await app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } });
    expect(me.json()).toMatchObject({ user: { email: 'o@example.org', role: 'owner' } });
    const rawToken = cookie.split('=')[1] ?? '';
    const rows = await opened.db.selectFrom('sessions').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(rawToken);

    const noCsrf = await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie } });
    expect(noCsrf.statusCode).toBe(403);
    expect(problemOf(noCsrf).title).toBe('Missing CSRF token');
    const out = await app.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expect(out.statusCode).toBe(204);
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } })).statusCode,
    ).toBe(401);
  });

  it('login errors do not say which part was wrong, and logins are rate-limited', async () => {
    const wrongPw = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'o@example.org', password: 'nope' },
    });
    const noUser = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'who@example.org', password: 'nope' },
    });
    expect(wrongPw.statusCode).toBe(401);
    expect(problemOf(wrongPw).detail).toBe(problemOf(noUser).detail);
    let last: LightMyRequestResponse | undefined;
    for (let i = 0; i < 12; i++)
      last = await app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { email: 'o@example.org', password: 'nope' },
      });
    expect(last?.statusCode).toBe(429);
    expect(problemOf(last as LightMyRequestResponse).detail).toMatch(/wait a minute/);
  });

  it('password change ends every session; the audit log lists what happened', async () => {
    await app.close();
    app = await buildServer({ logLevel: 'silent' }, opened.db); // a fresh rate-limit window
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'o@example.org', password: 'long enough password' },
    });
    const cookie = cookieOf(login);
    const csrf = (login.json() as { csrfToken: string }).csrfToken;
    const change = await app.inject({
      method: 'POST',
      url: '/api/v1/account/password',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { currentPassword: 'long enough password', newPassword: 'an even longer password' },
    });
    expect(change.statusCode).toBe(204);
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } })).statusCode,
    ).toBe(401);
    const relogin = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'o@example.org', password: 'an even longer password' },
    });
    const auditRes = await app.inject({
      method: 'GET',
      url: '/api/v1/audit?limit=5',
      headers: { cookie: cookieOf(relogin) },
    });
    const actions = (auditRes.json() as { entries: { action: string; outcome: string }[] }).entries.map(
      (e) => `${e.action}:${e.outcome}`,
    );
    expect(actions.slice(0, 3)).toEqual([
      'account.login:ok',
      'account.change-password:ok',
      'account.login:ok',
    ]);
  });

  it('API tokens: shown once, stored hashed, scoped, expiring, revocable', async () => {
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'o@example.org', password: 'an even longer password' },
    });
    const headers = {
      cookie: cookieOf(login),
      'x-csrf-token': (login.json() as { csrfToken: string }).csrfToken,
    };
    const create = (payload: object) =>
      app.inject({ method: 'POST', url: '/api/v1/tokens', headers, payload });
    const read = (await create({ name: 'monitoring', scope: 'read' })).json() as {
      id: string;
      token: string;
      expiresAt: string;
    };
    const write = (await create({ name: 'deploy script', scope: 'write', expiresInDays: 1 })).json() as {
      id: string;
      token: string;
    };
    expect(read.token).toMatch(/^gnmt_/);
    expect(JSON.stringify(await opened.db.selectFrom('api_tokens').selectAll().execute())).not.toContain(
      read.token,
    );
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/audit', headers: bearer(read.token) })).statusCode,
    ).toBe(200);
    const denied = await app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${write.id}`,
      headers: bearer(read.token),
    });
    expect(denied.statusCode).toBe(403);
    expect(problemOf(denied).title).toBe('Read-only token');
    const listed = (
      await app.inject({ method: 'GET', url: '/api/v1/tokens', headers: bearer(read.token) })
    ).json() as { tokens: { id: string; lastUsedAt: string | null }[] };
    expect(listed.tokens.map((t) => t.id).sort()).toEqual([read.id, write.id].sort());
    expect(JSON.stringify(listed)).not.toContain('gnmt_');
    expect((await create({ name: 'bad\nname', scope: 'read' })).statusCode).toBe(400);
    expect((await create({ name: 'x', scope: 'admin' })).statusCode).toBe(400);
    expect((await create({ name: 'x', scope: 'read', expiresInDays: 3650 })).statusCode).toBe(400);

    expect(
      (await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${read.id}`, headers: bearer(write.token) }))
        .statusCode,
    ).toBe(204);
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/audit', headers: bearer(read.token) })).statusCode,
    ).toBe(401);
    expect(
      (
        await app.inject({
          method: 'DELETE',
          url: '/api/v1/tokens/tok_not_mine',
          headers: bearer(write.token),
        })
      ).statusCode,
    ).toBe(404);
    await opened.db
      .updateTable('api_tokens')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', write.id)
      .execute();
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/tokens', headers: bearer(write.token) })).statusCode,
    ).toBe(401);
  });

  it('publishes an OpenAPI document of its routes', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/account/password',
        '/api/v1/audit',
        '/api/v1/session',
        '/api/v1/setup',
        '/api/v1/status',
        '/api/v1/tokens',
        '/api/v1/tokens/{id}',
        '/api/v1/invitations',
        '/api/v1/invitations/accept',
        '/api/v1/hosts',
        '/api/v1/hosts/{id}',
        '/api/v1/hosts/{id}/revoke',
        '/api/v1/hosts/{id}/tasks',
        '/api/v1/tasks',
        '/api/v1/tasks/{id}',
        '/api/v1/tasks/{id}/stream',
        '/agent/v1/enroll',
        '/api/v1/instance',
      ]),
    );
    // Every API route is documented.
    const documented = new Set(Object.keys(doc.paths).map((p) => p.replace(/\{(\w+)\}/g, ':$1')));
    const undocumented = app.routeList
      .filter((r) => r.url.startsWith('/api/v1/') || r.url.startsWith('/agent/'))
      .filter((r) => !documented.has(r.url));
    expect(undocumented).toEqual([]);
  });
});
