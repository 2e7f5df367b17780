import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.js';
import { Accounts } from '../accounts/accounts.js';
import { AuditLog } from '../audit/audit-log.js';
import { Sessions } from '../sessions/sessions.js';
import { ApiTokens } from '../tokens/api-tokens.js';
import { freshDatabase } from '../testing/databases.js';
import type { OpenedDatabase } from '../db/open.js';
import { SESSION_COOKIE } from './context.js';

/**
 * HEAD (and OPTIONS) are safe methods: they change nothing, so a read-scoped token may use them and a
 * session needs no CSRF token for them, exactly as for GET. Changes still need a write token and the
 * CSRF token.
 */
describe('safe methods', () => {
  let opened: OpenedDatabase;
  let app: FastifyInstance;
  let readToken = '';
  let cookie = '';
  beforeAll(async () => {
    opened = await freshDatabase('sqlite');
    const accounts = new Accounts(opened.db, new AuditLog(opened.db));
    const owner = await accounts.createOwner(
      (await accounts.issueSetupToken()) ?? '',
      'owner@example.org',
      'long enough password',
      null,
    );
    readToken = (await new ApiTokens(opened.db).create(owner, 'reader', 'read', 1)).token;
    cookie = `${SESSION_COOKIE}=${(await new Sessions(opened.db).create(owner)).token}`;
    app = await buildServer({ logLevel: 'silent' }, opened.db);
  });
  afterAll(async () => {
    await app.close();
    await opened.close();
  });

  it('a read token gets HEAD like GET on a GET route', async () => {
    const headers = { authorization: `Bearer ${readToken}` };
    expect((await app.inject({ method: 'GET', url: '/api/v1/hosts', headers })).statusCode).toBe(200);
    const head = await app.inject({ method: 'HEAD', url: '/api/v1/hosts', headers });
    expect({ status: head.statusCode, body: head.body }).toEqual({ status: 200, body: '' });
    // A change is still refused to a read token.
    const post = await app.inject({ method: 'POST', url: '/api/v1/hosts', headers, payload: { name: 'x' } });
    expect(post.statusCode).toBe(403);
  });

  it('a session needs no CSRF token for HEAD, but still for a change', async () => {
    const head = await app.inject({ method: 'HEAD', url: '/api/v1/hosts', headers: { cookie } });
    expect(head.statusCode).toBe(200);
    const post = await app.inject({
      method: 'POST',
      url: '/api/v1/hosts',
      headers: { cookie },
      payload: { name: 'x' },
    });
    expect(post.statusCode).toBe(403);
  });
});
