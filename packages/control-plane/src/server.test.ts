import { describe, expect, it } from 'vitest';
import { buildServer } from './server.js';
import { ConfigError, loadConfig } from './config.js';

describe('control-plane skeleton', () => {
  it('says what is built and what is not', async () => {
    const app = await buildServer({ logLevel: 'silent' });
    const r = await app.inject({ method: 'GET', url: '/api/v1/status' });
    expect(r.statusCode).toBe(200);
    const body = r.json() as { status: string; notBuiltYet: string[] };
    expect(body.status).toBe('ok');
    expect(body.notBuiltYet.join(' ')).toContain('node agent');
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.body).toContain('does not manage nodes yet');
  });
});

describe('configuration', () => {
  it('has defaults', () => {
    expect(loadConfig({})).toMatchObject({ host: '127.0.0.1', port: 8787, databaseUrl: undefined });
  });
  it('refuses a bad port, naming the variable', () => {
    expect(() => loadConfig({ GNM_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ GNM_PORT: '70000' })).toThrow(/GNM_PORT/);
  });
});
