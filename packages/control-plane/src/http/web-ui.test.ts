import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { FLEET_PRELOAD, WEB_CSP, registerWebUi } from './web-ui.js';

/** A built console of its own (the test does not depend on `vite build` having run). */
const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-web-dist-'));
fs.mkdirSync(path.join(dist, 'assets'));
fs.writeFileSync(
  path.join(dist, 'index.html'),
  '<!doctype html><title>console</title><a href="/api/docs">api</a>',
);
fs.writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
fs.writeFileSync(path.join(dist, 'favicon.svg'), '<svg/>');
fs.writeFileSync(path.join(dist, '.secret'), 'no');
afterAll(() => fs.rmSync(dist, { recursive: true, force: true }));

async function server(distDir: string) {
  const app = Fastify();
  app.get('/api/v1/real', async () => ({ ok: true }));
  await registerWebUi(app, { distDir });
  return app;
}

describe('the web console served by the control plane', () => {
  it('index.html at / and at any unknown non-API path (SPA fallback), no-cache, with a strict CSP', async () => {
    const app = await server(dist);
    for (const url of [
      '/',
      '/hosts/host_1',
      '/tasks/tsk_1?x=1',
      '/../../etc/passwd',
      '/%2e%2e/package.json',
      '/.secret',
    ]) {
      const r = await app.inject({ method: 'GET', url });
      expect({ url, status: r.statusCode }).toEqual({ url, status: 200 });
      expect(r.body).toContain('<title>console</title>');
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.headers['content-security-policy']).toBe(WEB_CSP);
    }
    expect(WEB_CSP).toContain("script-src 'self'");
    expect(WEB_CSP).not.toContain('unsafe-inline');
    expect(WEB_CSP).toContain("frame-ancestors 'none'");
  });

  it('a signed-in browser opening / (the fleet page) gets the fleet call as a preload; nobody else', async () => {
    const app = await server(dist);
    const signedIn = await app.inject({ method: 'GET', url: '/', headers: { cookie: 'gnm_session=abc' } });
    expect(signedIn.headers.link).toBe(FLEET_PRELOAD);
    expect(FLEET_PRELOAD).toMatch(/^<\/api\/v1\/fleet\?scope=mine>; rel=preload; as=fetch/);
    expect((await app.inject({ method: 'GET', url: '/' })).headers.link).toBeUndefined();
    const other = await app.inject({
      method: 'GET',
      url: '/hosts/h1',
      headers: { cookie: 'gnm_session=abc' },
    });
    expect(other.headers.link).toBeUndefined();
  });

  it('hashed assets immutable for a year; other files revalidated; a missing asset is a 404', async () => {
    const app = await server(dist);
    const js = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-type']).toMatch(/javascript/);
    const icon = await app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(icon.headers['cache-control']).toBe('no-cache');
    expect((await app.inject({ method: 'GET', url: '/assets/gone-1.js' })).statusCode).toBe(404);
  });

  it('API, agent and TUF paths keep fastify’s plain 404; other methods are never the console', async () => {
    const app = await server(dist);
    expect((await app.inject({ method: 'GET', url: '/api/v1/real' })).json()).toEqual({ ok: true });
    for (const url of ['/api/v1/nope', '/api', '/agent/v1/x', '/tuf/v1/metadata/x.json']) {
      const r = await app.inject({ method: 'GET', url });
      expect({ url, status: r.statusCode }).toEqual({ url, status: 404 });
      expect(r.json()).toMatchObject({ error: 'Not Found', statusCode: 404 });
    }
    const post = await app.inject({ method: 'POST', url: '/hosts/x' });
    expect(post.statusCode).toBe(404);
    expect(post.body).not.toContain('console');
  });

  it('without a build, / says how to build the console and where the API documentation is', async () => {
    const app = await server(path.join(dist, 'missing'));
    const r = await app.inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain('npm run web:build');
    expect(r.body).toContain('/api/docs');
  });
});
