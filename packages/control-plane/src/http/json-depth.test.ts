import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../server.js';
import { openDatabase, type OpenedDatabase } from '../db/open.js';
import { seedOwnerAndHost } from '../testing/seed-data.js';

const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);

/**
 * A request body nested thousands of levels deep used to reach recursive code behind the parser (the
 * free-form node configuration) and overflow its stack: a 500. The parser refuses it first, with a 400.
 */
describe('deeply nested JSON bodies', () => {
  let dir: string;
  let db: OpenedDatabase;
  let app: FastifyInstance;
  let headers: Record<string, string>;
  let hostId: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-json-depth-'));
    const seed = await seedOwnerAndHost(dir, 'depth-host');
    hostId = seed.hostId;
    headers = { authorization: `Bearer ${seed.token}`, 'content-type': 'application/json' };
    db = await openDatabase({ dataDir: dir });
    app = await buildServer({ logLevel: 'silent', dataDir: dir }, db.db);
  });
  afterAll(async () => {
    await app.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a 10,000-deep node configuration with a 400 that says why', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/nodes',
      headers,
      payload: `{"hostId":"${hostId}","config":${deepObject(10_000)}}`,
    });
    expect(r.statusCode).toBe(400);
    expect(r.json<{ detail: string }>().detail).toMatch(/nested deeper than 64/);
  });

  it('refuses deep arrays in task parameters the same way', async () => {
    const r = await app.inject({
      method: 'POST',
      url: `/api/v1/hosts/${hostId}/tasks`,
      headers,
      payload: `{"op":"host.probe","params":${deepArray(10_000)}}`,
    });
    expect(r.statusCode).toBe(400);
    expect(r.json<{ detail: string }>().detail).toMatch(/nested deeper than 64/);
  });

  it('still accepts ordinary nesting', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/v1/nodes', headers });
    expect(r.statusCode).toBe(200);
    const ok = await app.inject({
      method: 'POST',
      url: `/api/v1/hosts/${hostId}/tasks`,
      headers,
      payload: JSON.stringify({ op: 'host.probe', params: {} }),
    });
    expect(ok.statusCode).toBe(201);
  });
});
