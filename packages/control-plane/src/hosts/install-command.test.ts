import { describe, expect, it } from 'vitest';
import { installCommand } from './install-command.js';

describe('the install command', () => {
  const pins = {
    publicUrl: 'https://cp.example.org:8787',
    cpFingerprint: 'ab'.repeat(32),
    tlsPin: 'sha256//F4JliRfRKIGpk33MAaohmGYGhdqREtw9PUIiGCtLNiw=',
    rootSha256: 'cd'.repeat(32),
  };
  it('carries the three pins and the token, with curl checking the TLS pin on download', () => {
    const c = installCommand(pins, 'gnm-enroll-abc');
    expect(c).toBe(
      `curl -fsSL --retry 8 --pinnedpubkey '${pins.tlsPin}' -k 'https://cp.example.org:8787/install.sh' | sudo sh -s -- ` +
        `--control-plane 'https://cp.example.org:8787' --token 'gnm-enroll-abc' --cp-fingerprint ${'ab'.repeat(32)} ` +
        `--tls-pin '${pins.tlsPin}' --root-sha256 ${'cd'.repeat(32)}`,
    );
  });
  it('quotes for the shell, so an odd URL cannot inject a command', () => {
    const c = installCommand({ ...pins, publicUrl: "https://x'; rm -rf / #" }, 't');
    expect(c).toContain(`'https://x'\\''; rm -rf / #'`);
  });
  it('in development mode says so instead of a TLS pin', () => {
    expect(installCommand({ ...pins, tlsPin: null, publicUrl: 'http://127.0.0.1:8787' }, 't')).toMatch(
      /^curl -fsSL --retry 8 'http:\/\/127\.0\.0\.1:8787\/install\.sh' .* --dev-plain-http/,
    );
  });
  it('the agent-side development flag follows the URL: http:// carries it, https:// never goes unpinned', () => {
    const plain = installCommand({ ...pins, publicUrl: 'http://127.0.0.1:8787' }, 't');
    expect(plain).toContain('--dev-plain-http');
    expect(plain).not.toContain('--pinnedpubkey');
    expect(plain).not.toContain('--tls-pin');
    expect(() => installCommand({ ...pins, tlsPin: null }, 't')).toThrow(/TLS pin/);
  });
});
