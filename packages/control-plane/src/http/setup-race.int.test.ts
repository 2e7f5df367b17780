import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.js';
import { Accounts } from '../accounts/accounts.js';
import { AuditLog } from '../audit/audit-log.js';
import { DIALECTS, freshDatabase } from '../testing/databases.js';
import type { OpenedDatabase } from '../db/open.js';

/**
 * The one-time setup token makes one owner, however many requests race with it: spending the token
 * and creating the owner is one transaction only one request can win, and the database itself holds
 * at most one owner.
 */
describe.each(DIALECTS)('owner setup under concurrency, on %s', (dialect) => {
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

  it('six concurrent setups with one token make exactly one owner; the others are refused with a reason', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/setup',
          payload: { setupToken, email: `owner${i}@example.org`, password: 'long enough password' },
        }),
      ),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    for (const a of answers.filter((x) => x.statusCode !== 201)) {
      expect([403, 409]).toContain(a.statusCode);
      expect(a.json<{ detail: string }>().detail).toMatch(/already has an owner|setup token/);
    }
    const owners = await opened.db.selectFrom('users').select('id').where('role', '=', 'owner').execute();
    expect(owners).toHaveLength(1);
  });

  it('the database refuses a second owner even when the application does not check', async () => {
    const second = opened.db
      .insertInto('users')
      .values({
        id: 'usr_second_owner',
        email: 'second-owner@example.org',
        password_hash: 'x',
        role: 'owner',
        created_at: new Date().toISOString(),
        password_changed_at: new Date().toISOString(),
      })
      .execute();
    await expect(second).rejects.toThrow(/unique|duplicate/i);
  });
});
