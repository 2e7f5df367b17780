import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Migrations, in order. Each gets the dialect, so the few statements that differ (auto-increment keys)
 * are written per dialect; everything else uses Kysely's portable schema builder.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_accounts_and_audit': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('email', 'text', (c) => c.notNull().unique())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'user')`))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('password_changed_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('meta')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
        let audit = db.schema.createTable('audit_log');
        audit =
          dialect === 'postgres'
            ? audit.addColumn('seq', 'bigserial', (c) => c.primaryKey())
            : audit.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement());
        await audit
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor_id', 'text')
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text')
          .addColumn('source_ip', 'text')
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('detail', 'text')
          .addColumn('owner_scope', 'text')
          .execute();
        await db.schema
          .createIndex('audit_log_scope_seq')
          .on('audit_log')
          .columns(['owner_scope', 'seq'])
          .execute();
      },
    },
    '0002_sessions': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('sessions')
          .addColumn('token_sha256', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('csrf_token', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      },
    },
    '0003_api_tokens': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('api_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
          .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('read', 'write')`))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('last_used_at', 'text')
          .execute();
        await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
      },
    },
    '0004_invitations_hosts_tasks': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('invitations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('invited_by', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('accepted_at', 'text')
          .addColumn('user_id', 'text')
          .execute();
        await db.schema
          .createTable('hosts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) =>
            c.notNull().check(sql`state in ('pending', 'enrolled', 'revoked')`),
          )
          .addColumn('agent_id', 'text', (c) => c.unique())
          .addColumn('agent_public_key', 'text')
          .addColumn('agent_version', 'text')
          .addColumn('hostname', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('enrolled_at', 'text')
          .addColumn('revoked_at', 'text')
          .addColumn('last_seen_at', 'text')
          .addColumn('last_report', 'text')
          .execute();
        await db.schema.createIndex('hosts_owner').on('hosts').columns(['owner_id', 'created_at']).execute();
        await db.schema
          .createTable('enrollment_tokens')
          .addColumn('token_sha256', 'text', (c) => c.primaryKey())
          .addColumn('host_id', 'text', (c) => c.notNull().references('hosts.id').onDelete('cascade'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .execute();
        await db.schema
          .createTable('tasks')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('host_id', 'text', (c) => c.notNull().references('hosts.id').onDelete('cascade'))
          .addColumn('op', 'text', (c) => c.notNull())
          .addColumn('params', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('deadline', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'text')
          .addColumn('deliveries', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('finished_at', 'text')
          .addColumn('result', 'text')
          .addColumn('error_code', 'text')
          .addColumn('error_message', 'text')
          .execute();
        await db.schema.createIndex('tasks_owner').on('tasks').columns(['owner_id', 'created_at']).execute();
        await db.schema.createIndex('tasks_host_state').on('tasks').columns(['host_id', 'state']).execute();
        await db.schema
          .createTable('task_events')
          .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('progress', 'text')
          .addColumn('log', 'text')
          .addPrimaryKeyConstraint('task_events_pk', ['task_id', 'seq'])
          .execute();
      },
    },
    '0005_bundle_repository': {
      async up(db: Kysely<unknown>) {
        const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
        await db.schema
          .createTable('tuf_metadata')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('role', 'text', (c) =>
            c.notNull().check(sql`role in ('root', 'targets', 'snapshot', 'timestamp')`),
          )
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('data', bytes, (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('tuf_metadata_role')
          .on('tuf_metadata')
          .columns(['role', 'version'])
          .execute();
        await db.schema
          .createTable('tuf_target_files')
          .addColumn('stored_path', 'text', (c) => c.primaryKey())
          .addColumn('target_path', 'text', (c) => c.notNull())
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('length', 'integer', (c) => c.notNull())
          .addColumn('data', bytes, (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('bundles')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('version', 'text', (c) => c.notNull())
          .addColumn('gonka_release', 'text', (c) => c.notNull())
          .addColumn('file_count', 'integer', (c) => c.notNull())
          .addColumn('targets_version', 'integer', (c) => c.notNull())
          .addColumn('imported_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('bundles_pk', ['name', 'version'])
          .execute();
        await db.schema
          .createTable('tuf_online_keys')
          .addColumn('key_id', 'text', (c) => c.primaryKey())
          .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('snapshot', 'timestamp')`))
          .addColumn('public_hex', 'text', (c) => c.notNull())
          .addColumn('private_pem_sealed', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0006_nodes': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('nodes')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('host_id', 'text', (c) =>
            c.notNull().unique().references('hosts.id').onDelete('cascade'),
          )
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('network', 'mlnode', 'full')`))
          .addColumn('network', 'text', (c) => c.notNull())
          .addColumn('config', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('release', 'text')
          .addColumn('last_task_id', 'text')
          .addColumn('last_error', 'text')
          .addColumn('warm_address', 'text')
          .addColumn('warm_pubkey', 'text')
          .addColumn('warm_mnemonic_file', 'text')
          .addColumn('consensus_key', 'text')
          .addColumn('registered_at', 'text')
          .addColumn('health', 'text')
          .addColumn('health_status', 'text')
          .addColumn('health_reason', 'text')
          .addColumn('health_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('nodes_owner').on('nodes').columns(['owner_id', 'created_at']).execute();
      },
    },
    '0007_attachments': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('attachments')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('network_node_id', 'text', (c) => c.notNull().references('nodes.id').onDelete('cascade'))
          .addColumn('ml_node_id', 'text', (c) => c.notNull().references('nodes.id').onDelete('cascade'))
          .addColumn('network_host_id', 'text', (c) => c.notNull())
          .addColumn('ml_host_id', 'text', (c) => c.notNull())
          .addColumn('network_address', 'text', (c) => c.notNull())
          .addColumn('ml_address', 'text', (c) => c.notNull())
          .addColumn('callback_url', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) =>
            c.notNull().check(sql`state in ('attaching', 'attached', 'failed', 'detaching', 'detached')`),
          )
          .addColumn('step', 'text')
          .addColumn('step_task_id', 'text')
          .addColumn('last_error', 'text')
          .addColumn('checks', 'text')
          .addColumn('warnings', 'text')
          .addColumn('accept_warnings', 'text')
          .addColumn('disable_epoch', 'integer')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('attached_at', 'text')
          .addColumn('detached_at', 'text')
          .execute();
        await db.schema
          .createIndex('attachments_network')
          .on('attachments')
          .columns(['network_node_id'])
          .execute();
        await db.schema.createIndex('attachments_ml').on('attachments').columns(['ml_node_id']).execute();
        await db.schema.createIndex('attachments_task').on('attachments').columns(['step_task_id']).execute();
      },
    },
    '0008_one_owner': {
      async up(db: Kysely<unknown>) {
        // Before this index, concurrent setups could each create an owner; say how to repair that
        // instead of failing on the index with the database's own words.
        const owners = await sql<{ id: string }>`select id from users where role = 'owner'`.execute(db);
        if (owners.rows.length > 1)
          throw new Error(
            `${owners.rows.length} owner accounts exist (${owners.rows.map((r) => r.id).join(', ')}) but an instance has one: keep one and make the others users (UPDATE users SET role = 'user' WHERE id = '…'), then start again`,
          );
        // At most one owner, held by the database itself: only one of any number of racing setups commits.
        await db.schema
          .createIndex('users_one_owner')
          .on('users')
          .column('role')
          .unique()
          .where(sql.ref('role'), '=', 'owner')
          .execute();
      },
    },
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
