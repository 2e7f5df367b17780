import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { migrationProvider, type Dialect } from './migrations.js';
import { ensurePrivateDir, ensurePrivateFile } from '../util/private-files.js';

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  close: () => Promise<void>;
}

export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

/**
 * Opens the control plane's database and brings its schema up to date: SQLite (one file in the data
 * folder, WAL) by default, PostgreSQL when DATABASE_URL is a postgres:// URL.
 */
export async function openDatabase(o: { dataDir: string; databaseUrl?: string }): Promise<OpenedDatabase> {
  let db: Kysely<Database>;
  let dialect: Dialect;
  if (o.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(o.databaseUrl)) {
      throw new DatabaseError(
        'DATABASE_URL must be a postgres:// URL (leave it unset to use the embedded SQLite database)',
      );
    }
    dialect = 'postgres';
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: o.databaseUrl, max: 10 }) }),
    });
  } else {
    dialect = 'sqlite';
    ensurePrivateDir(o.dataDir);
    const name = path.join(o.dataDir, 'control-plane.sqlite');
    // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database's mode.
    fs.closeSync(fs.openSync(name, 'a', 0o600));
    for (const f of [name, `${name}-wal`, `${name}-shm`]) ensurePrivateFile(f);
    const file = new SQLite(name);
    file.pragma('journal_mode = WAL');
    file.pragma('synchronous = NORMAL');
    file.pragma('foreign_keys = ON');
    file.pragma('busy_timeout = 5000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: file }) });
  }
  const { error, results } = await new Migrator({
    db,
    provider: migrationProvider(dialect),
  }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new DatabaseError(`database migration ${failed} failed: ${(error as Error).message}`);
  }
  return { db, dialect, close: () => db.destroy() };
}
