import { openDatabase } from '../../packages/control-plane/src/db/open.js';
import { Accounts } from '../../packages/control-plane/src/accounts/accounts.js';
import { AuditLog } from '../../packages/control-plane/src/audit/audit-log.js';
import { ApiTokens } from '../../packages/control-plane/src/tokens/api-tokens.js';
import type { HostsTable } from '../../packages/control-plane/src/db/schema.js';
import { benchIdentity, benchPublicKey } from './keys.js';

/**
 * Seeds a fresh data folder before the control plane starts: the owner account, a write API token, and
 * `agents` enrolled hosts whose agent keys are the bench's deterministic identities. Enrolling them
 * through the API would take 1,000 minutes at its rate limit (20 a minute per address); the rows are
 * exactly what enrollment writes.
 */
export async function seed(dataDir: string, seedText: string, agents: number): Promise<{ token: string }> {
  const opened = await openDatabase({ dataDir });
  try {
    const accounts = new Accounts(opened.db, new AuditLog(opened.db));
    const owner = await accounts.insertUser('bench@example.org', 'bench password long enough', 'owner');
    const { token } = await new ApiTokens(opened.db).create(owner, 'bench', 'write', 1);
    const now = new Date().toISOString();
    await opened.db.transaction().execute(async (trx) => {
      let rows: HostsTable[] = [];
      for (let i = 0; i < agents; i++) {
        const id = benchIdentity(seedText, i);
        rows.push({
          id: id.hostId,
          owner_id: owner.id,
          name: `bench-${String(i).padStart(5, '0')}`,
          state: 'enrolled',
          agent_id: id.agentId,
          agent_public_key: benchPublicKey(id),
          agent_version: 'bench-agent/1',
          hostname: `gpu-node-${String(i).padStart(5, '0')}`,
          created_at: now,
          enrolled_at: now,
          revoked_at: null,
          last_seen_at: null,
          last_report: null,
        });
        if (rows.length === 1000 || i === agents - 1) {
          await trx.insertInto('hosts').values(rows).execute();
          rows = [];
        }
      }
    });
    return { token };
  } finally {
    await opened.close();
  }
}
