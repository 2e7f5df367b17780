import { openDatabase } from '../db/open.js';
import { Accounts } from '../accounts/accounts.js';
import { AuditLog } from '../audit/audit-log.js';
import { ApiTokens } from '../tokens/api-tokens.js';
import { Hosts } from '../hosts/hosts.js';

/**
 * For tests that run the control plane as a real process (kill -9 tests): an owner with a write API
 * token and one host awaiting enrollment, written into a fresh data folder before the server starts.
 */
export async function seedOwnerAndHost(
  dataDir: string,
  hostName: string,
): Promise<{ token: string; hostId: string; enrollToken: string }> {
  const opened = await openDatabase({ dataDir });
  try {
    const audit = new AuditLog(opened.db);
    const owner = await new Accounts(opened.db, audit).insertUser(
      'owner@example.org',
      'long enough password',
      'owner',
    );
    const token = (await new ApiTokens(opened.db).create(owner, 'crash-test', 'write', 1)).token;
    const created = await new Hosts(opened.db, audit, 3600_000).create(owner, hostName);
    return { token, hostId: created.host.id, enrollToken: created.enrollment.token };
  } finally {
    await opened.close();
  }
}
