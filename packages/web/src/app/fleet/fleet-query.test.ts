import { describe, expect, it } from 'vitest';
import { fleetRows, type ApiFleetRow } from './fleet-rows';
import { DEFAULT_QUERY, applyQuery, paramsFromQuery, queryFromParams } from './fleet-query';

/** A row as GET /api/v1/fleet answers it (the join and health are the control plane's, tested there). */
const row = (hostId: string, hostName: string, o: Partial<ApiFleetRow> = {}): ApiFleetRow => ({
  hostId,
  hostName,
  hostname: null,
  ownerId: 'usr_1',
  presence: 'online',
  hostState: 'enrolled',
  agentVersion: '0.1.0',
  lastSeenAt: null,
  nodeId: `node_${hostId}`,
  nodeName: `n-${hostId}`,
  role: 'full',
  nodeState: 'deployed',
  release: '0.2.14-1',
  health: 'ok',
  healthReason: 'all checks pass',
  height: 100,
  lag: 0,
  mlStatus: 'INFERENCE',
  gpuCount: 0,
  gpus: 'no GPU',
  ...o,
});

describe('fleet rows', () => {
  const rows = fleetRows([
    row('h1', 'gpu-b', { height: 90, lag: 10, gpuCount: 8, gpus: '8× NVIDIA H200 (140 GiB)' }),
    row('h2', 'gpu-a', { health: 'warning' }),
    row('h3', 'cpu-c', { presence: 'offline', health: 'critical', height: 5, lag: 5 }),
    row('h4', 'new-d', {
      hostState: 'pending',
      presence: 'never-connected',
      health: 'unknown',
      nodeId: null,
      nodeName: null,
      role: null,
      nodeState: null,
      release: null,
      height: null,
      lag: null,
      mlStatus: null,
    }),
  ]);

  it('formats the numbers once and searches every shown field', () => {
    const b = rows.find((r) => r.hostName === 'gpu-b');
    expect(b).toMatchObject({ heightText: '90', lagText: '10 blocks' });
    expect(rows.find((r) => r.hostName === 'new-d')).toMatchObject({ heightText: '—', lagText: '—' });
    expect(fleetRows([row('x', 'x', { lag: 1, height: 1234567 })])[0]).toMatchObject({
      lagText: '1 block',
      heightText: (1234567).toLocaleString(),
    });
    expect(b?.haystack).toContain('h200');
  });

  it('sorts worst health first by default, then by name; other keys both ways, unknown numbers last', () => {
    expect(applyQuery(rows, DEFAULT_QUERY).map((r) => r.hostName)).toEqual([
      'cpu-c',
      'gpu-a',
      'new-d',
      'gpu-b',
    ]);
    expect(applyQuery(rows, { ...DEFAULT_QUERY, sort: 'lag', desc: true }).map((r) => r.lag)).toEqual([
      10,
      5,
      0,
      null,
    ]);
    expect(applyQuery(rows, { ...DEFAULT_QUERY, sort: 'lag' }).map((r) => r.lag)).toEqual([0, 5, 10, null]);
    expect(applyQuery(rows, { ...DEFAULT_QUERY, sort: 'host' }).map((r) => r.hostName)[0]).toBe('cpu-c');
  });

  it('filters by every term of the search, health, role and presence', () => {
    expect(applyQuery(rows, { ...DEFAULT_QUERY, search: 'H200 gpu' }).map((r) => r.hostName)).toEqual([
      'gpu-b',
    ]);
    expect(applyQuery(rows, { ...DEFAULT_QUERY, health: 'warning' }).map((r) => r.hostName)).toEqual([
      'gpu-a',
    ]);
    expect(applyQuery(rows, { ...DEFAULT_QUERY, role: 'none' }).map((r) => r.hostName)).toEqual(['new-d']);
    expect(applyQuery(rows, { ...DEFAULT_QUERY, presence: 'offline' }).map((r) => r.hostName)).toEqual([
      'cpu-c',
    ]);
    expect(applyQuery(rows, { ...DEFAULT_QUERY, search: 'nothing-like-this' })).toEqual([]);
  });

  it('round-trips the query through the URL and ignores unknown values', () => {
    const q = {
      ...DEFAULT_QUERY,
      search: 'gpu',
      health: 'critical' as const,
      sort: 'lag' as const,
      desc: true,
    };
    expect(queryFromParams(paramsFromQuery(q))).toEqual(q);
    expect(paramsFromQuery(DEFAULT_QUERY).toString()).toBe('');
    expect(queryFromParams(new URLSearchParams('health=purple&sort=evil'))).toEqual(DEFAULT_QUERY);
  });

  it('filters and sorts 5,000 rows in well under a frame budget', () => {
    const many = fleetRows(
      Array.from({ length: 5000 }, (_, i) =>
        row(`h${i}`, `host-${i}`, { health: i % 7 ? 'ok' : 'critical', height: i, lag: 5000 - i }),
      ),
    );
    const t = performance.now();
    const out = applyQuery(many, { ...DEFAULT_QUERY, search: 'host-4', sort: 'lag' });
    expect(out.length).toBe(1111);
    expect(performance.now() - t).toBeLessThan(200);
  });
});
