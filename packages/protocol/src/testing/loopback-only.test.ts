import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { loopbackOnlySockets } from './loopback-only.js';

/** The guard itself must hold, or the policy tests that lean on it could dial for real. Proven on loopback only: the guard is told to refuse everything. */
describe('the loopback-only socket guard', () => {
  const get = (url: string) =>
    new Promise<string>((resolve) => {
      try {
        http.get(url, () => resolve('answered')).on('error', (e) => resolve(e.message));
      } catch (e) {
        resolve(e instanceof Error ? e.message : String(e));
      }
    });

  it('stops a socket to an address it does not allow, given as an address or as a name', async () => {
    const g = loopbackOnlySockets(() => false);
    try {
      expect(await get('http://127.0.0.1:9/')).toMatch(/test guard/);
      expect(await get('http://localhost:9/')).toMatch(/test guard/);
    } finally {
      g.restore();
    }
    expect(g.blocked.length).toBe(2);
    expect(await get('http://127.0.0.1:9/')).toMatch(/ECONNREFUSED/);
  });
});
