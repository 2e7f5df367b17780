import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../testing/databases.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/control-plane.js';

/**
 * Every route, walked: without credentials each non-public one answers 401 with a problem that says
 * what to do, and the routes that take a body refuse an invalid one with 400 naming the fields. A new
 * route that is neither public nor protected fails this test.
 */
const PUBLIC = new Set([
  'GET /api/v1/status',
  'GET /api/v1/setup',
  'POST /api/v1/setup',
  'POST /api/v1/session',
  'POST /api/v1/invitations/accept',
  'GET /api/v1/instance',
  'POST /agent/v1/enroll',
  'GET /install.sh',
  'GET /agent/v1/gnm-agent-linux-x64',
  'GET /agent/v1/gnm-agent-linux-x64.sha256',
]);
const isPublicPath = (url: string) =>
  url === '/' || url.startsWith('/tuf/') || url.startsWith('/api/docs') || url === '/api/openapi.json';

describe.each(DIALECTS)('every route, on %s', (dialect) => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await startTestControlPlane(dialect, { plain: true });
  });
  afterAll(async () => cp.close());

  it('refuses every non-public route without credentials, saying how to log in', async () => {
    const routes = cp.app.routeList.filter(
      (r) => !PUBLIC.has(`${r.method} ${r.url}`) && !isPublicPath(r.url),
    );
    expect(routes.length).toBeGreaterThanOrEqual(20);
    const wrong: string[] = [];
    for (const r of routes) {
      const url = r.url.replace(/:(\w+)/g, 'x_$1').replace('*', 'x');
      const res = await cp.app.inject({
        method: r.method as 'GET',
        url,
        payload: r.method === 'GET' || r.method === 'DELETE' ? undefined : {},
      });
      // A body that fails validation is refused before authentication (400) — also no access.
      if (res.statusCode !== 401 && res.statusCode !== 400)
        wrong.push(`${r.method} ${r.url} → ${res.statusCode}`);
      if (res.statusCode === 401) expect(res.json<{ detail: string }>().detail).toMatch(/log in|token/i);
    }
    expect(wrong).toEqual([]);
    // With a valid body, the answer is 401, not a validation error.
    const hosts = await cp.app.inject({ method: 'POST', url: '/api/v1/hosts', payload: { name: 'x' } });
    expect(hosts.statusCode).toBe(401);
    const tasks = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/tasks',
      payload: { hostIds: ['h'], op: 'host.probe' },
    });
    expect(tasks.statusCode).toBe(401);
  });

  it('names the invalid fields of a request body', async () => {
    for (const [url, payload, field] of [
      ['/api/v1/hosts', { name: 7 }, 'name'],
      ['/api/v1/tasks', { hostIds: [], op: 'host.probe' }, 'hostIds'],
      ['/api/v1/invitations', {}, 'email'],
      ['/api/v1/tokens', { name: 'x', scope: 'admin' }, 'scope'],
    ] as const) {
      const r = await cp.call<{ errors: { field: string }[] }>(cp.owner, 'POST', url, payload);
      expect({ url, status: r.status }).toEqual({ url, status: 400 });
      expect(r.body.errors.map((e) => e.field)).toContain(field);
    }
    const badName = await cp.call<{ detail: string }>(cp.owner, 'POST', '/api/v1/hosts', {
      name: '../etc; rm -rf /',
    });
    expect(badName.status).toBe(422);
    expect(badName.body.detail).toMatch(/letters, digits/);
    const dup = await cp.call(cp.owner, 'POST', '/api/v1/hosts', { name: 'twice' });
    expect(dup.status).toBe(201);
    expect((await cp.call(cp.owner, 'POST', '/api/v1/hosts', { name: 'twice' })).status).toBe(409);
  });
});
