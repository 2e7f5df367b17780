#!/usr/bin/env -S node --import tsx
import fs from 'node:fs';
import { ConfigError, loadConfig } from './config.js';
import { buildServer } from './server.js';

try {
  const config = loadConfig();
  fs.mkdirSync(config.dataDir, { recursive: true });
  const app = buildServer(config);
  await app.listen({ host: config.host, port: config.port });
  console.log(`\nGonka Node Manager control plane (skeleton) on http://${config.host}:${config.port}/`);
  console.log('It does not manage nodes yet: the page lists what is built and what is not.\n');
} catch (e) {
  if (e instanceof ConfigError) {
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
