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
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
