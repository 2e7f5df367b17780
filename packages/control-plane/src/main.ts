#!/usr/bin/env -S node --import tsx
import fs from 'node:fs';
import { ConfigError, loadConfig } from './config.js';
import { buildServer } from './server.js';
import { DatabaseError, openDatabase } from './db/open.js';
import { Accounts } from './accounts/accounts.js';
import { AuditLog } from './audit/audit-log.js';

try {
  const config = loadConfig();
  fs.mkdirSync(config.dataDir, { recursive: true });
  const database = await openDatabase(config);
  const accounts = new Accounts(database.db, new AuditLog(database.db));
  const setupToken = await accounts.issueSetupToken();
  const app = await buildServer(config, database.db);
  app.addHook('onClose', async () => database.close());
  await app.listen({ host: config.host, port: config.port });
  console.log(`\nGonka Node Manager control plane (skeleton) on http://${config.host}:${config.port}/`);
  console.log(
    `Database: ${database.dialect === 'sqlite' ? `SQLite in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)'}`,
  );
  if (setupToken) {
    console.log(
      `\nNo owner account yet. One-time setup token (valid until the owner exists; a new one on each start):\n\n  ${setupToken}\n`,
    );
  }
  console.log('It does not manage nodes yet: the page lists what is built and what is not.\n');
} catch (e) {
  if (e instanceof ConfigError || e instanceof DatabaseError) {
    console.error(e.message);
    process.exit(2);
  }
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE') {
    console.error(`the port is already in use: set GNM_PORT to a free port (${err.message})`);
    process.exit(2);
  }
  throw e;
}
