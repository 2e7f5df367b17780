import { describe, expect, it } from 'vitest';
import { exec } from './exec.js';
import { filledConfigEnv, joinDir } from './fixtures.js';
import { DOCKER_BIN } from './paths.js';

/** Values for the template's placeholders, as an operator would fill them in. */
const FILLED: Record<string, string> = {
  KEY_NAME: 'warm-key-1',
  KEYRING_PASSWORD: 'test-password-not-secret',
  PUBLIC_URL: 'http://203.0.113.7:8000',
  P2P_EXTERNAL_ADDRESS: 'tcp://203.0.113.7:5000',
  ACCOUNT_PUBKEY: 'A2Q7n0hQ2a8yPp3r0xk1f9ZlBq5m0m8s1l0kQ8xvYt0a',
  JAEGER_BASIC_AUTH_PASSWORD: 'x',
  GRAFANA_ADMIN_PASSWORD: 'x',
};

describe('Docker Compose v2 and the official Gonka files (v0.2.14)', () => {
  it('accepts docker-compose.yml + docker-compose.mlnode.yml with a filled-in env', async () => {
    const dir = joinDir('v0.2.14');
    const env = filledConfigEnv('v0.2.14', FILLED);
    expect(Object.values(env).some((v) => v.includes('<FILLIN>') || v.includes('<HOST>'))).toBe(false);
    const r = await exec(
      DOCKER_BIN,
      [
        'compose',
        '-f',
        'docker-compose.yml',
        '-f',
        'docker-compose.mlnode.yml',
        'config',
        '--format',
        'json',
      ],
      { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root', ...env } },
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.exitCode).toBe(0);
    const cfg = JSON.parse(r.stdout) as {
      name: string;
      services: Record<string, { environment?: Record<string, string>; deploy?: unknown }>;
    };
    // The project is `join`, as the official overlays expect (they use the join_default network).
    expect(cfg.name).toBe('join');
    expect(Object.keys(cfg.services).sort()).toEqual(
      ['api', 'bridge', 'explorer', 'inference', 'mlnode-308', 'node', 'proxy', 'tmkms', 'versiond'].sort(),
    );
    expect(cfg.services.api?.environment?.DAPI_API__PUBLIC_URL).toBe(FILLED.PUBLIC_URL);
    expect(JSON.stringify(cfg.services['mlnode-308']?.deploy)).toContain('nvidia');
  });

  it('is Compose v2 (bookworm’s 1.29 rejects the official files)', async () => {
    const r = await exec(DOCKER_BIN, ['compose', 'version', '--short']);
    expect(r.exitCode).toBe(0);
    expect(Number.parseInt(r.stdout.trim().replace(/^v/, ''), 10)).toBeGreaterThanOrEqual(2);
  });
});
