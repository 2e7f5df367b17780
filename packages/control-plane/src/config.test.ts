import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('the public URL and plain HTTP', () => {
  it('refuses an http:// public URL while TLS is on: agents and installers would talk without TLS or pin', () => {
    expect(() => loadConfig({ GNM_PUBLIC_URL: 'http://cp.example.org:8787' })).toThrow(ConfigError);
    expect(() => loadConfig({ GNM_PUBLIC_URL: 'http://cp.example.org:8787' })).toThrow(
      /GNM_PUBLIC_URL.*https:\/\/.*GNM_DEV_PLAIN_HTTP/s,
    );
  });

  it('accepts an http:// public URL only with the development flag', () => {
    expect(
      loadConfig({ GNM_PUBLIC_URL: 'http://cp.example.org:8787', GNM_DEV_PLAIN_HTTP: 'true' }).publicUrl,
    ).toBe('http://cp.example.org:8787');
    expect(loadConfig({ GNM_PUBLIC_URL: 'https://cp.example.org:8787' }).publicUrl).toBe(
      'https://cp.example.org:8787',
    );
  });

  it('behind a reverse proxy, refuses an http:// public URL even with the development flag', () => {
    expect(() =>
      loadConfig({
        GNM_BEHIND_PROXY: 'true',
        GNM_DEV_PLAIN_HTTP: 'true',
        GNM_PUBLIC_URL: 'http://cp.example.org',
      }),
    ).toThrow(ConfigError);
  });
});
