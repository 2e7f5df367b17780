import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../db/open.js';

/**
 * Both database modes for a test: a fresh SQLite file, and a fresh database on the run's PostgreSQL
 * server (started by the integration project's global setup). Every suite that touches the database
 * runs `describe.each(DIALECTS)`.
 */
export const DIALECTS = ['sqlite', 'postgres'] as const;

export async function freshDatabase(dialect: (typeof DIALECTS)[number]): Promise<OpenedDatabase> {
  if (dialect === 'sqlite') {
    return openDatabase({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-cp-db-')) });
  }
  const base = inject('postgresUrl');
  if (!base) throw new Error('no PostgreSQL for this run: run the test in the "integration" vitest project');
  const name = `gnm_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return openDatabase({ dataDir: '/nonexistent', databaseUrl: base.replace(/\/postgres$/, `/${name}`) });
}
