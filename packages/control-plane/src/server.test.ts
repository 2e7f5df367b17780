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
    expect(page.body).toContain('/api/docs');
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
  it('serves HTTPS by default; plain HTTP only with the development flag', () => {
    expect(loadConfig({}).publicUrl).toBe('https://127.0.0.1:8787');
    expect(loadConfig({ GNM_DEV_PLAIN_HTTP: 'true' })).toMatchObject({
      devPlainHttp: true,
      publicUrl: 'http://127.0.0.1:8787',
    });
    expect(() => loadConfig({ GNM_DEV_PLAIN_HTTP: 'yes please' })).toThrow(/GNM_DEV_PLAIN_HTTP/);
  });
  it('opens loopback, private or link-local to user-chosen requests only by GNM_OUTBOUND_ALLOW', () => {
    expect(loadConfig({}).outboundAllow).toBe('');
    expect(loadConfig({ GNM_OUTBOUND_ALLOW: 'loopback,10.213.0.0/16' }).outboundAllow).toBe(
      'loopback,10.213.0.0/16',
    );
    expect(() => loadConfig({ GNM_OUTBOUND_ALLOW: 'privat' })).toThrow(/GNM_OUTBOUND_ALLOW: "privat"/);
    expect(() => loadConfig({ GNM_OUTBOUND_ALLOW: '169.254.169.254' })).toThrow(/metadata/);
  });
  it('behind a reverse proxy, needs the https address agents dial', () => {
    expect(() => loadConfig({ GNM_BEHIND_PROXY: 'true' })).toThrow(/GNM_PUBLIC_URL/);
    expect(
      loadConfig({
        GNM_BEHIND_PROXY: 'true',
        GNM_PUBLIC_URL: 'https://cp.example.org/',
        GNM_TRUSTED_PROXIES: '10.0.0.1, 10.0.0.2',
      }),
    ).toMatchObject({
      behindProxy: true,
      publicUrl: 'https://cp.example.org',
      trustedProxies: ['10.0.0.1', '10.0.0.2'],
    });
    expect(() => loadConfig({ GNM_PUBLIC_URL: 'https://cp.example.org/path' })).toThrow(/no path/);
  });
});
