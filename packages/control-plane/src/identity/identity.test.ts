import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from './identity.js';
import { describeCertificate, loadTls } from './tls.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-id-'));

describe('control-plane identity and TLS', () => {
  it('makes an Ed25519 identity once, 0600, and keeps it across restarts', () => {
    const dir = tmp();
    const a = loadOrCreateIdentity(dir);
    const b = loadOrCreateIdentity(dir);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.statSync(path.join(dir, 'identity.key')).mode & 0o777).toBe(0o600);
    fs.writeFileSync(path.join(dir, 'identity.key'), 'garbage');
    expect(() => loadOrCreateIdentity(dir)).toThrow(/restore it from a backup/);
  });

  it('makes a self-signed certificate when none is configured, and its pin stays the same', async () => {
    const dir = tmp();
    const a = await loadTls({ dataDir: dir, behindProxy: false, devPlain: false, names: ['cp.example.org'] });
    expect(a.mode).toBe('self-signed');
    expect(a.spkiPin).toMatch(/^sha256\/\/[A-Za-z0-9+/]{43}=$/);
    expect(fs.statSync(path.join(dir, 'tls', 'key.pem')).mode & 0o777).toBe(0o600);
    const b = await loadTls({ dataDir: dir, behindProxy: false, devPlain: false, names: [] });
    expect(b.spkiPin).toBe(a.spkiPin);
    expect(b.certSha256).toBe(a.certSha256);
  });

  it('uses a given certificate, refusing a key that does not match it', async () => {
    const one = tmp();
    const two = tmp();
    await loadTls({ dataDir: one, behindProxy: false, devPlain: false, names: [] });
    await loadTls({ dataDir: two, behindProxy: false, devPlain: false, names: [] });
    const cert = path.join(one, 'tls', 'cert.pem');
    const file = await loadTls({
      dataDir: tmp(),
      certFile: cert,
      keyFile: path.join(one, 'tls', 'key.pem'),
      behindProxy: false,
      devPlain: false,
      names: [],
    });
    expect(file.mode).toBe('file');
    expect(file.spkiPin).toBe(describeCertificate(fs.readFileSync(cert, 'utf8')).spkiPin);
    await expect(
      loadTls({
        dataDir: tmp(),
        certFile: cert,
        keyFile: path.join(two, 'tls', 'key.pem'),
        behindProxy: false,
        devPlain: false,
        names: [],
      }),
    ).rejects.toThrow(/is not the key of the certificate/);
    await expect(
      loadTls({ dataDir: tmp(), certFile: cert, behindProxy: false, devPlain: false, names: [] }),
    ).rejects.toThrow(/both/);
  });

  it('behind a proxy, pins the proxy’s certificate and serves plain HTTP', async () => {
    const one = tmp();
    await loadTls({ dataDir: one, behindProxy: false, devPlain: false, names: [] });
    const proxied = await loadTls({
      dataDir: tmp(),
      certFile: path.join(one, 'tls', 'cert.pem'),
      behindProxy: true,
      devPlain: false,
      names: [],
    });
    expect(proxied.mode).toBe('proxy');
    expect(proxied.serve).toBeUndefined();
    expect(proxied.spkiPin).toMatch(/^sha256\/\//);
    await expect(loadTls({ dataDir: tmp(), behindProxy: true, devPlain: false, names: [] })).rejects.toThrow(
      /GNM_TLS_CERT_FILE/,
    );
  });
});
