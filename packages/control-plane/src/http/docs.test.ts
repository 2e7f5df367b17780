import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerDocs } from './docs.js';

describe('/api/docs', () => {
  it('serves Swagger UI over the OpenAPI document, every asset from this server (no CDN)', async () => {
    const app = Fastify({ logger: false });
    await app.register(swagger, { openapi: { info: { title: 'Gonka Node Manager API', version: '0.1.0' } } });
    app.get('/api/v1/status', async () => ({ status: 'ok' }));
    app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    await registerDocs(app);
    await app.ready();

    const page = await app.inject({ method: 'GET', url: '/api/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(refs.length).toBeGreaterThan(3);
    for (const ref of refs) {
      expect(ref, 'no outside host').not.toMatch(/^(https?:)?\/\//);
      const asset = await app.inject({ method: 'GET', url: new URL(ref, 'http://cp/api/docs').pathname });
      expect(asset.statusCode, ref).toBe(200);
      expect(asset.body.length, ref).toBeGreaterThan(0);
    }
    const init = await app.inject({ method: 'GET', url: '/api/docs/static/swagger-initializer.js' });
    expect(init.body).toContain("resolveUrl('./json')");
    const doc = await app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(doc.json()).toEqual((await app.inject({ method: 'GET', url: '/api/openapi.json' })).json());
    expect(doc.json<{ paths: object }>().paths).toHaveProperty('/api/v1/status');
    await app.close();
  });

  it('needs the API (and its OpenAPI document) registered first', async () => {
    await expect(registerDocs(Fastify())).rejects.toThrow(/before the documentation/);
  });
});
