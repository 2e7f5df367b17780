import { describe, expect, it } from 'vitest';
import type { Host, NodeView } from '../api/types';
import { fleetRows } from './fleet-rows';
import { DEFAULT_QUERY, applyQuery, paramsFromQuery, queryFromParams } from './fleet-query';

const host = (id: string, name: string, o: Partial<Host> = {}): Host => ({
  id,
  ownerId: 'usr_1',
  name,
  state: 'enrolled',
  presence: 'online',
  agentId: null,
  agentVersion: '0.1.0',
  hostname: null,
  createdAt: '2026-01-01T00:00:00Z',
  enrolledAt: null,
  revokedAt: null,
  lastSeenAt: null,
  lastReport: null,
  ...o,
});
const node = (
  hostId: string,
  status: NodeView['health']['status'],
  height: number,
  top: number,
): NodeView => ({
  id: `node_${hostId}`,
  hostId,
  name: `n-${hostId}`,
  role: 'full',
  network: 'sim',
  state: 'deployed',
  config: {},
  release: '0.2.14-1',
  lastTaskId: null,
  lastError: null,
  warmKey: null,
  registration: null,
  health: {
    status,
    reason: `${status} reason`,
    at: '2026-01-01T00:00:00Z',
    checks: [],
    facts: { chain: { height, networkHeight: top }, mlNodes: [{ state: 'INFERENCE', healthy: true }] },
  },
  coldKey: null,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});

const gpus = {
  probe: {
    gpus: Array.from({ length: 8 }, (_, i) => ({
      index: i,
      name: 'NVIDIA H200',
      memoryMiB: 143771,
      driverVersion: '570',
    })),
    findings: [],
  },
};

describe('fleet rows', () => {
  const rows = fleetRows(
    [
      host('h1', 'gpu-b', { lastReport: gpus }),
      host('h2', 'gpu-a'),
      host('h3', 'cpu-c', { presence: 'offline' }),
      host('h4', 'new-d', { state: 'pending', presence: 'never-connected' }),
    ],
    [node('h1', 'ok', 90, 100), node('h2', 'warning', 100, 100), node('h3', 'ok', 5, 10)],
  );

  it('joins each host with its node: health, height, lag, ML node status, GPU summary', () => {
    const b = rows.find((r) => r.hostName === 'gpu-b');
    expect(b).toMatchObject({ health: 'ok', height: 90, lag: 10, mlStatus: 'INFERENCE', gpuCount: 8 });
    expect(b?.gpus).toBe('8× NVIDIA H200 (140 GiB)');
    // A node whose agent is offline is not shown healthy on its last (stale) report.
    expect(rows.find((r) => r.hostName === 'cpu-c')).toMatchObject({ health: 'critical' });
    expect(rows.find((r) => r.hostName === 'new-d')).toMatchObject({ health: 'unknown', nodeId: null });
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
      Array.from({ length: 5000 }, (_, i) => host(`h${i}`, `host-${i}`, { lastReport: gpus })),
      Array.from({ length: 5000 }, (_, i) => node(`h${i}`, i % 7 ? 'ok' : 'critical', i, 5000)),
    );
    const t = performance.now();
    const out = applyQuery(many, { ...DEFAULT_QUERY, search: 'host-4', sort: 'lag' });
    expect(out.length).toBe(1111);
    expect(performance.now() - t).toBeLessThan(200);
  });
});
