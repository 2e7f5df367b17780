import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupStalePostgres } from './postgres.js';

describe('cleanup of test PostgreSQL servers', () => {
  it('removes servers whose owner is gone and keeps those of a live owner', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-pg-root-'));
    const dead = path.join(root, 'pg-dead');
    const live = path.join(root, 'pg-live');
    const legacy = path.join(root, 'pg-legacy');
    for (const d of [dead, live, legacy]) fs.mkdirSync(path.join(d, 'data'), { recursive: true });
    fs.writeFileSync(path.join(dead, 'owner.pid'), '2147483646'); // no such process
    fs.writeFileSync(path.join(live, 'owner.pid'), String(process.pid));
    const removed = await cleanupStalePostgres(root);
    expect(removed.sort()).toEqual([dead, legacy].sort());
    expect(fs.existsSync(live)).toBe(true);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
