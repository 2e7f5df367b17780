import { describe, expect, it } from 'vitest';
import { sharedPool } from './shared-pool.js';

describe('shared host pool (created once per run by global-setup)', () => {
  it('is reachable from a test worker and its hosts keep separate agent directories', async () => {
    const pool = sharedPool();
    expect(pool.hosts.length).toBeGreaterThanOrEqual(2);
    const [x, y] = pool.hosts;
    if (!x || !y) throw new Error('need two hosts');
    await x.writeFile('/var/lib/gnm-agent/who', x.name);
    await y.writeFile('/var/lib/gnm-agent/who', y.name);
    expect(await x.readFile('/var/lib/gnm-agent/who')).toBe(x.name);
    expect(await y.readFile('/var/lib/gnm-agent/who')).toBe(y.name);
    expect(await x.httpStatus(`http://${pool.registry.ip}:5000/v2/`)).toBe(200);
  });
});
