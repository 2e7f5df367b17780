import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirError, ensurePrivateDir, securePrivateDataDir } from './private-files.js';

describe('the private data folder', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-private-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('creates a missing folder 0700 and reports nothing', () => {
    const dir = path.join(tmp(), 'a', 'b');
    expect(ensurePrivateDir(dir)).toBeUndefined();
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses a shared folder (sticky bit) instead of changing it', () => {
    const dir = tmp();
    fs.chmodSync(dir, 0o1777);
    expect(() => ensurePrivateDir(dir)).toThrow(DataDirError);
    expect(() => ensurePrivateDir(dir)).toThrow(/shared folder.*GNM_DATA_DIR/);
    expect(fs.statSync(dir).mode & 0o7777).toBe(0o1777);
  });

  it('tightens the folder, the TLS folder and every private file at start, and says what it changed', () => {
    const dir = tmp();
    fs.chmodSync(dir, 0o750);
    fs.mkdirSync(path.join(dir, 'tls'), { mode: 0o755 });
    fs.chmodSync(path.join(dir, 'tls'), 0o755);
    for (const f of ['control-plane.sqlite', 'identity.key', 'secret.key', 'tls/key.pem', 'tls/cert.pem'])
      fs.writeFileSync(path.join(dir, f), 'x', { mode: 0o644 });
    const changed = securePrivateDataDir(dir);
    expect(changed).toHaveLength(6);
    expect(changed.join('\n')).toMatch(/mode 0750\): changed to 0700/);
    for (const f of ['control-plane.sqlite', 'identity.key', 'secret.key', 'tls/key.pem'])
      expect({ f, mode: fs.statSync(path.join(dir, f)).mode & 0o777 }).toEqual({ f, mode: 0o600 });
    // The certificate is public.
    expect(fs.statSync(path.join(dir, 'tls/cert.pem')).mode & 0o777).toBe(0o644);
    expect(securePrivateDataDir(dir)).toEqual([]);
  });
});
