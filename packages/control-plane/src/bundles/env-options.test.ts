import { describe, expect, it } from 'vitest';
import { BundleConfigError, bundleOptionsFromEnv } from './env-options.js';

describe('bundle repository environment variables', () => {
  it('defaults: nothing set', () => {
    expect(bundleOptionsFromEnv({}, '/data')).toEqual({
      dataDir: '/data',
      secretKey: undefined,
      onlineKeysDir: undefined,
      upstream: undefined,
      upstreamRootSha256: undefined,
    });
  });

  it('an upstream must be https (plain http only on localhost), without credentials; the pin is a sha256', () => {
    const pin = 'A'.repeat(64);
    expect(
      bundleOptionsFromEnv(
        { GNM_TUF_UPSTREAM: 'https://b.example.org/tuf', GNM_TUF_UPSTREAM_ROOT_SHA256: pin },
        '/d',
      ),
    ).toMatchObject({ upstream: 'https://b.example.org/tuf', upstreamRootSha256: pin.toLowerCase() });
    expect(bundleOptionsFromEnv({ GNM_TUF_UPSTREAM: 'http://127.0.0.1:9000' }, '/d').upstream).toBe(
      'http://127.0.0.1:9000',
    );
    for (const [env, msg] of [
      [{ GNM_TUF_UPSTREAM: 'http://b.example.org/tuf' }, /must be an https/],
      [{ GNM_TUF_UPSTREAM: 'not a url' }, /is not a URL/],
      [{ GNM_TUF_UPSTREAM: 'https://u:p@b.example.org/' }, /no credentials/],
      [{ GNM_TUF_UPSTREAM_ROOT_SHA256: 'abc' }, /64 characters/],
    ] as const) {
      expect(() => bundleOptionsFromEnv(env, '/d')).toThrow(BundleConfigError);
      expect(() => bundleOptionsFromEnv(env, '/d')).toThrow(msg);
    }
  });
});
