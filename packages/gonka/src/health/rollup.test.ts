import { describe, expect, it } from 'vitest';
import type { NodeHealthFacts } from './facts.js';
import { rollupHealth } from './rollup.js';

const NOW = new Date('2026-11-22T12:00:00Z');
const healthy: NodeHealthFacts = {
  at: NOW.toISOString(),
  role: 'full',
  release: '0.2.14-1',
  containers: ['tmkms', 'node', 'api', 'proxy', 'mlnode-308', 'inference'].map((service) => ({
    service,
    state: 'running',
    health: null,
    restartCount: 0,
  })),
  chain: {
    height: 1200,
    catchingUp: false,
    latestBlockTime: new Date(NOW.getTime() - 4000).toISOString(),
    networkHeight: 1201,
    chainId: 'gonka-sim',
    consensusKey: null,
  },
  setupReport: {
    overall: 'PASS',
    checks: ['permissions_granted', 'cold_key_not_in_keyring', 'block_sync'].map((id) => ({
      id,
      status: 'PASS',
      message: 'ok',
    })),
  },
  mlNodes: [{ id: 'node1', state: 'INFERENCE', loadedModel: 'MiniMaxAI/MiniMax-M2.7', healthy: true }],
  errors: [],
};
const roll = (f: Partial<NodeHealthFacts>) => rollupHealth({ ...healthy, ...f }, { now: NOW });
const setup = (id: string, status = 'FAIL') => ({
  setupReport: { overall: status, checks: [{ id, status, message: `${id} says ${status}` }] },
});

describe('health rollup', () => {
  it('a healthy full node is ok', () => {
    const r = roll({});
    expect(r).toMatchObject({ status: 'ok', reason: 'all checks pass' });
    expect(r.checks.find((c) => c.name === 'chain')?.detail).toBe('in sync at height 1200 (lag 1)');
  });
  it('syncing is a warning with the heights', () => {
    const r = roll({
      chain: {
        ...healthy.chain,
        height: 300,
        catchingUp: true,
        networkHeight: 1201,
      } as NodeHealthFacts['chain'],
    });
    expect(r).toMatchObject({ status: 'warning', reason: 'syncing: height 300 of 1201 (lag 901 blocks)' });
  });
  it('an old last block is a stalled chain: critical', () => {
    const old = new Date(NOW.getTime() - 300_000).toISOString();
    const r = roll({ chain: { ...healthy.chain, latestBlockTime: old } as NodeHealthFacts['chain'] });
    expect(r.status).toBe('critical');
    expect(r.reason).toMatch(/chain stalled: last block 300 s ago/);
  });
  it('an exited or unhealthy container is critical and named', () => {
    const containers = healthy.containers.map((c) =>
      c.service === 'api' ? { ...c, state: 'exited', restartCount: 3 } : c,
    );
    expect(roll({ containers })).toMatchObject({ status: 'critical', reason: 'api exited (3 restarts)' });
  });
  it('a missing grant is a warning that says what to do; the cold key on the server is critical', () => {
    expect(roll(setup('permissions_granted'))).toMatchObject({
      status: 'warning',
      reason: expect.stringMatching(/cold-key grant/) as unknown,
    });
    expect(roll(setup('cold_key_not_in_keyring')).status).toBe('critical');
  });
  it('a FAILED ML node is critical; nothing deployed is unknown; an unreadable part is named', () => {
    expect(
      roll({ mlNodes: [{ id: 'node1', state: 'FAILED', loadedModel: null, healthy: false }] }).status,
    ).toBe('critical');
    expect(roll({ release: null })).toMatchObject({ status: 'unknown', reason: 'not deployed' });
    const r = roll({ setupReport: null, errors: ['admin API: connection refused'] });
    expect(r.status).toBe('unknown');
    expect(r.checks.at(-1)?.detail).toBe('admin API: connection refused');
  });
  it('a network node has no ML node to judge; an ML-node host has no chain', () => {
    expect(roll({ role: 'network', mlNodes: [] }).status).toBe('ok');
    expect(roll({ role: 'mlnode', chain: null, setupReport: null }).status).toBe('ok');
  });
});
