import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './open.js';
import { loadOrCreateIdentity } from '../identity/identity.js';

/**
 * The data folder holds the database (password hashes, audit log, sealed online keys) and the identity
 * key: only the control plane's own user may read it, whatever the umask or an earlier version left.
 */
const modeOf = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);

describe('the data folder and its files are private to the control plane user', () => {
  const dirs: string[] = [];
  const newDataDir = (mode: number) => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-modes-'));
    dirs.push(parent);
    const dir = path.join(parent, 'data');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, mode);
    return dir;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('an existing 0755 data folder becomes 0700; the SQLite file and its -wal/-shm are 0600', async () => {
    const dir = newDataDir(0o755);
    const opened = await openDatabase({ dataDir: dir });
    try {
      await opened.db.selectFrom('users').select('id').execute();
      expect(modeOf(dir)).toBe('700');
      const files = fs.readdirSync(dir).filter((f) => f.startsWith('control-plane.sqlite'));
      expect(files).toEqual(
        expect.arrayContaining([
          'control-plane.sqlite',
          'control-plane.sqlite-wal',
          'control-plane.sqlite-shm',
        ]),
      );
      for (const f of files) expect({ f, mode: modeOf(path.join(dir, f)) }).toEqual({ f, mode: '600' });
    } finally {
      await opened.close();
    }
  });

  it('a database file left 0644 by an earlier version is made 0600', async () => {
    const dir = newDataDir(0o700);
    await (await openDatabase({ dataDir: dir })).close();
    fs.chmodSync(path.join(dir, 'control-plane.sqlite'), 0o644);
    const opened = await openDatabase({ dataDir: dir });
    await opened.close();
    expect(modeOf(path.join(dir, 'control-plane.sqlite'))).toBe('600');
  });

  it('the identity key is 0600 even when it was restored with wider bits', () => {
    const dir = newDataDir(0o755);
    loadOrCreateIdentity(dir);
    expect(modeOf(dir)).toBe('700');
    fs.chmodSync(path.join(dir, 'identity.key'), 0o644);
    loadOrCreateIdentity(dir);
    expect(modeOf(path.join(dir, 'identity.key'))).toBe('600');
  });
});
