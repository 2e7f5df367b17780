import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError } from './secret-box.js';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-secret-box-'));
const key = () => crypto.randomBytes(32).toString('base64');

describe('secret box (AES-256-GCM at rest)', () => {
  it('seals and opens; the sealed value is not the plaintext and differs each time', () => {
    const box = new SecretBox({ envKey: key(), dataDir: dir() });
    const sealed = box.seal('-----BEGIN PRIVATE KEY-----\nabc\n', 'ctx');
    expect(sealed).toMatch(/^gnmsb1\./);
    expect(sealed).not.toContain('abc');
    expect(box.seal('same', 'ctx')).not.toBe(box.seal('same', 'ctx'));
    expect(box.open(sealed, 'ctx').toString()).toBe('-----BEGIN PRIVATE KEY-----\nabc\n');
  });

  it('without GNM_SECRET_KEY, creates <dataDir>/secret.key (0600) at first use and reuses it', () => {
    const d = dir();
    const box = new SecretBox({ dataDir: d });
    expect(fs.existsSync(path.join(d, 'secret.key'))).toBe(false);
    const sealed = box.seal('x', 'c');
    expect(fs.statSync(path.join(d, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(new SecretBox({ dataDir: d }).open(sealed, 'c').toString()).toBe('x');
    fs.chmodSync(path.join(d, 'secret.key'), 0o644);
    expect(() => new SecretBox({ dataDir: d }).open(sealed, 'c')).toThrow(/chmod 600/);
  });

  it('a malformed key is refused with how to make one', () => {
    for (const bad of ['short', Buffer.alloc(16).toString('base64'), 'not base64 at all!!']) {
      const e = (() => {
        try {
          new SecretBox({ envKey: bad, dataDir: dir() });
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(SecretBoxError);
      expect((e as SecretBoxError).code).toBe('bad-key');
      expect((e as Error).message).toMatch(
        /GNM_SECRET_KEY must be the base64 .* 32 random bytes.*openssl rand -base64 32/,
      );
    }
    const d = dir();
    fs.writeFileSync(path.join(d, 'secret.key'), 'garbage', { mode: 0o600 });
    expect(() => new SecretBox({ dataDir: d }).seal('x', 'c')).toThrow(/secret.key must be the base64/);
  });

  it('the wrong key, another context or an altered value: an error that says what to do', () => {
    const sealed = new SecretBox({ envKey: key(), dataDir: dir() }).seal('secret', 'tuf-online-key:a');
    const other = new SecretBox({ envKey: key(), dataDir: dir() });
    expect(() => other.open(sealed, 'tuf-online-key:a')).toThrow(
      /cannot be decrypted with the current master key \(GNM_SECRET_KEY.*encrypted with key id .*Restore the key/,
    );
    const k = key();
    const box = new SecretBox({ envKey: k, dataDir: dir() });
    const s2 = box.seal('secret', 'tuf-online-key:a');
    expect(() => box.open(s2, 'tuf-online-key:b')).toThrow(/altered or belongs to another record/);
    const parts = s2.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 'tuf-online-key:a')).toThrow(SecretBoxError);
    expect(() => box.open('plain text', 'tuf-online-key:a')).toThrow(/not in the expected format/);
  });
});
