import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts, AccountError } from './accounts.js';
import { AuditLog } from '../audit/audit-log.js';
import { DIALECTS, freshDatabase } from '../testing/databases.js';
import type { OpenedDatabase } from '../db/open.js';

describe.each(DIALECTS)('accounts and audit log on %s', (dialect) => {
  let opened: OpenedDatabase;
  let accounts: Accounts;
  let audit: AuditLog;
  beforeAll(async () => {
    opened = await freshDatabase(dialect);
    audit = new AuditLog(opened.db);
    accounts = new Accounts(opened.db, audit);
  });
  afterAll(async () => opened.close());

  const code = async (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: unknown) => (e instanceof AccountError ? e.code : String(e)),
    );

  it('starts with no owner and no default password: a one-time setup token creates the owner', async () => {
    expect(opened.dialect).toBe(dialect);
    expect(await accounts.hasOwner()).toBe(false);
    const first = await accounts.issueSetupToken();
    const token = await accounts.issueSetupToken();
    expect(token).toMatch(/^gnm-setup-/);
    expect(
      await code(accounts.createOwner(first ?? '', 'owner@example.org', 'correct horse battery', '10.0.0.1')),
    ).toBe('bad-setup-token');
    expect(await code(accounts.createOwner(token ?? '', 'owner@example.org', 'short', '10.0.0.1'))).toBe(
      'weak-password',
    );
    const owner = await accounts.createOwner(
      token ?? '',
      ' Owner@Example.org ',
      'correct horse battery',
      '10.0.0.1',
    );
    expect(owner).toMatchObject({ email: 'owner@example.org', role: 'owner' });
    expect(await accounts.issueSetupToken()).toBeUndefined();
    expect(
      await code(accounts.createOwner(token ?? '', 'other@example.org', 'correct horse battery', null)),
    ).toBe('setup-done');
  });

  it('logs in with argon2id, without saying which part was wrong', async () => {
    const u = await accounts.verifyLogin('owner@example.org', 'correct horse battery', '10.0.0.2');
    const wrongPassword = await accounts
      .verifyLogin('owner@example.org', 'wrong password!!', null)
      .catch((e: Error) => e.message);
    const unknownUser = await accounts
      .verifyLogin('nobody@example.org', 'correct horse battery', null)
      .catch((e: Error) => e.message);
    expect(wrongPassword).toBe(unknownUser);
    await accounts.changePassword(u.id, 'correct horse battery', 'a new and longer passphrase', null);
    expect(await code(accounts.verifyLogin('owner@example.org', 'correct horse battery', null))).toBe(
      'bad-credentials',
    );
    expect((await accounts.verifyLogin('owner@example.org', 'a new and longer passphrase', null)).id).toBe(
      u.id,
    );
    const stored = await opened.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('records every attempt in the audit log of the account, newest first', async () => {
    const owner = await opened.db.selectFrom('users').select('id').executeTakeFirstOrThrow();
    const entries = await audit.list(owner.id);
    expect(entries.map((e) => `${e.action}:${e.outcome}`)).toEqual([
      'account.login:ok',
      'account.login:denied',
      'account.change-password:ok',
      'account.login:denied',
      'account.login:ok',
      'account.create-owner:ok',
    ]);
    expect(entries.at(-1)?.sourceIp).toBe('10.0.0.1');
    expect(await audit.list('usr_someone_else')).toEqual([]);
    const page = await audit.list(owner.id, { limit: 2 });
    expect(await audit.list(owner.id, { before: page[1]?.seq, limit: 1 })).toHaveLength(1);
  });
});
