#!/usr/bin/env -S node --import tsx
import { ConfigError, loadConfig } from './config.js';
import { buildServer } from './server.js';
import { DatabaseError, openDatabase } from './db/open.js';
import { Accounts } from './accounts/accounts.js';
import { AuditLog } from './audit/audit-log.js';
import { loadOrCreateIdentity } from './identity/identity.js';
import { TlsConfigError, loadTls } from './identity/tls.js';
import { createBundleRepository } from './bundles/bundle-repository.js';
import { BundleConfigError, bundleOptionsFromEnv } from './bundles/env-options.js';
import { BundleRepositoryError } from './bundles/errors.js';
import { SecretBoxError } from './secrets/secret-box.js';
import { AgentBinary } from './agent-dist/agent-binary.js';
import { DataDirError, securePrivateDataDir } from './util/private-files.js';

try {
  const config = loadConfig();
  // Before anything is read or written there: the folder 0700, its private files 0600.
  for (const change of securePrivateDataDir(config.dataDir)) console.warn(change);
  const database = await openDatabase(config);
  const accounts = new Accounts(database.db, new AuditLog(database.db));
  const setupToken = await accounts.issueSetupToken();
  const identity = loadOrCreateIdentity(config.dataDir);
  const tls = await loadTls({
    dataDir: config.dataDir,
    certFile: config.tlsCertFile,
    keyFile: config.tlsKeyFile,
    behindProxy: config.behindProxy,
    devPlain: config.devPlainHttp,
    names: [new URL(config.publicUrl).hostname, config.host].filter((h) => h !== '0.0.0.0' && h !== '::'),
  });
  const bundles = await createBundleRepository(database.db, {
    ...bundleOptionsFromEnv(process.env, config.dataDir),
    log: {
      info: (m) => console.log(m),
      warn: (m) => console.warn(m),
      error: (m) => console.error(m),
    },
  });
  const agentBinary = new AgentBinary({ binary: config.agentBinary, dataDir: config.dataDir });
  const app = await buildServer(config, database.db, { identity, tls, bundles, agentBinary });
  app.addHook('onClose', async () => database.close());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void app.close().then(() => process.exit(0)));
  }
  await app.listen({ host: config.host, port: config.port });
  // Built here, in the background, never on a request: the install routes answer 503 + Retry-After meanwhile.
  if (agentBinary.status === 'idle') {
    console.log('  building the agent executable for installers in the background (a few seconds)…');
    void agentBinary.startBuild().then(() =>
      agentBinary.get().then(
        (a) => console.log(`agent executable ready for installers (sha256 ${a.sha256})`),
        (e: unknown) => console.warn((e as Error).message),
      ),
    );
  }
  const scheme = tls.serve ? 'https' : 'http';
  console.log(`\nGonka Node Manager control plane on ${scheme}://${config.host}:${config.port}/`);
  console.log(`  public URL (agents dial it):  ${config.publicUrl}`);
  console.log(
    `  database:                     ${database.dialect === 'sqlite' ? `SQLite in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)'}`,
  );
  console.log(`  identity fingerprint:         ${identity.fingerprint}`);
  console.log(
    `  outbound for users:           public addresses${config.outboundAllow.trim() ? ` + ${config.outboundAllow.trim()}` : ''} (GNM_OUTBOUND_ALLOW; metadata never)`,
  );
  if (tls.mode === 'plain') {
    console.log(
      '  TLS:                          NONE (GNM_DEV_PLAIN_HTTP: development only, agents are not protected)',
    );
  } else {
    console.log(`  TLS (${tls.mode}):${' '.repeat(Math.max(1, 24 - tls.mode.length))}${tls.spkiPin ?? ''}`);
  }
  if (tls.mode === 'self-signed') {
    console.log(
      '  (a self-signed certificate: your browser will warn once; agents and the CLI pin its key instead)',
    );
  }
  if (setupToken) {
    console.log(
      `\nNo owner account yet. One-time setup token (valid until the owner exists; a new one on each start):\n\n  ${setupToken}\n`,
    );
  }
  console.log('');
} catch (e) {
  if (
    e instanceof ConfigError ||
    e instanceof DatabaseError ||
    e instanceof TlsConfigError ||
    e instanceof BundleConfigError ||
    e instanceof SecretBoxError ||
    e instanceof DataDirError ||
    (e instanceof BundleRepositoryError && e.code === 'offline-key')
  ) {
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
