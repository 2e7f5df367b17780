import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.js';
import { DIALECTS, freshDatabase } from '../testing/databases.js';
import type { OpenedDatabase } from '../db/open.js';

/** X-Forwarded-For is believed only from the configured proxies (audit source addresses, rate limits). */
describe.each(DIALECTS)('trusted proxies, on %s', (dialect) => {
  let opened: OpenedDatabase;
  let behind: FastifyInstance;
  let direct: FastifyInstance;
  beforeAll(async () => {
    opened = await freshDatabase(dialect);
    behind = await buildServer({ logLevel: 'silent', trustedProxies: ['10.9.0.1'] }, opened.db);
    direct = await buildServer({ logLevel: 'silent' }, opened.db);
  });
  afterAll(async () => {
    await behind.close();
    await direct.close();
    await opened.close();
  });

  const badLogin = (app: FastifyInstance, from: string, email: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/session',
      remoteAddress: from,
      headers: { 'x-forwarded-for': '203.0.113.7' },
      payload: { email, password: 'wrong password here' },
    });
  const lastSource = async () => {
    const rows = await opened.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'account.login')
      .execute();
    return rows.length ? rows[rows.length - 1]?.source_ip : undefined;
  };

  it('uses the forwarded client address only when the request comes from a trusted proxy', async () => {
    expect((await badLogin(behind, '10.9.0.1', 'a@example.org')).statusCode).toBe(401);
    expect(await lastSource()).toBe('203.0.113.7');
    expect((await badLogin(behind, '10.9.0.2', 'b@example.org')).statusCode).toBe(401);
    expect(await lastSource()).toBe('10.9.0.2');
    expect((await badLogin(direct, '10.9.0.1', 'c@example.org')).statusCode).toBe(401);
    expect(await lastSource()).toBe('10.9.0.1');
  });
});
