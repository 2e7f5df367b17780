import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { verifyEnrollment, type EnrollRequest } from '@gnm/protocol';
import type { Database } from '../db/schema.js';
import type { AuditLog } from '../audit/audit-log.js';
import { DomainError } from '../errors.js';
import { sha256, type HostRow } from './hosts.js';

/**
 * Enrollment (DESIGN invariant 6): a one-time token, expiring, stored hashed, exchanged once for the
 * agent's pinned public key. The token is spent in the same statement that checks it, so two
 * concurrent uses cannot both succeed. Every refusal is audited and says what to do next.
 */
export class Enrollment {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditLog,
    /** The certificate the agent must have seen (see TlsMaterial.certSha256). */
    private readonly tlsCertSha256: string,
  ) {}

  async enroll(req: EnrollRequest, sourceIp: string | null): Promise<HostRow> {
    const hash = sha256(req.token);
    const tokenRow = await this.db
      .selectFrom('enrollment_tokens')
      .innerJoin('hosts', 'hosts.id', 'enrollment_tokens.host_id')
      .select(['enrollment_tokens.expires_at', 'enrollment_tokens.used_at', 'hosts.id', 'hosts.owner_id'])
      .where('token_sha256', '=', hash)
      .executeTakeFirst();
    const deny = async (title: string, message: string, hostId?: string, ownerId?: string) => {
      await this.audit.record({
        actorId: null,
        action: 'host.enroll',
        target: hostId ?? null,
        sourceIp,
        outcome: 'denied',
        detail: title,
        ownerScope: ownerId ?? null,
      });
      return new DomainError('unauthorized', title, message);
    };
    if (!tokenRow)
      throw await deny(
        'Unknown enrollment token',
        'this enrollment token is not valid: copy the install command again from the host page (each new token replaces the older ones)',
      );
    if (tokenRow.used_at)
      throw await deny(
        'Enrollment token already used',
        'this enrollment token was used already: a token enrolls one agent once. Create a new host, or a new token for a host that has not enrolled',
        tokenRow.id,
        tokenRow.owner_id,
      );
    if (tokenRow.expires_at <= new Date().toISOString())
      throw await deny(
        'Enrollment token expired',
        `this enrollment token expired at ${tokenRow.expires_at}: create a new token on the host page and run the new install command`,
        tokenRow.id,
        tokenRow.owner_id,
      );
    if (!verifyEnrollment(req.token, req.publicKey, this.tlsCertSha256, req.proof))
      throw await deny(
        'Bad enrollment proof',
        'the enrollment proof does not verify for this control plane’s TLS certificate: the agent may be talking through an intercepting proxy; check the --tls-pin of the install command',
        tokenRow.id,
        tokenRow.owner_id,
      );
    const at = new Date().toISOString();
    const agentId = `agt_${crypto.randomBytes(12).toString('hex')}`;
    const host = await this.db.transaction().execute(async (trx) => {
      const spent = await trx
        .updateTable('enrollment_tokens')
        .set({ used_at: at })
        .where('token_sha256', '=', hash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(spent.numUpdatedRows) !== 1) return undefined;
      const updated = await trx
        .updateTable('hosts')
        .set({
          state: 'enrolled',
          agent_id: agentId,
          agent_public_key: req.publicKey,
          agent_version: req.agentVersion,
          hostname: req.hostname,
          enrolled_at: at,
        })
        .where('id', '=', tokenRow.id)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return undefined;
      await trx
        .deleteFrom('enrollment_tokens')
        .where('host_id', '=', tokenRow.id)
        .where('used_at', 'is', null)
        .execute();
      return trx.selectFrom('hosts').selectAll().where('id', '=', tokenRow.id).executeTakeFirstOrThrow();
    });
    if (!host)
      throw await deny(
        'Enrollment token already used',
        'this enrollment token was used already: a token enrolls one agent once',
        tokenRow.id,
        tokenRow.owner_id,
      );
    await this.audit.record({
      actorId: null,
      action: 'host.enroll',
      target: host.id,
      sourceIp,
      outcome: 'ok',
      detail: `agent ${agentId} on ${req.hostname}, agent ${req.agentVersion}`,
      ownerScope: host.owner_id,
    });
    return host;
  }
}
