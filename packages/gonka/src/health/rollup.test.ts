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
    expect(roll({ containers })).toMatchObject({
      status: 'critical',
      reason: 'api exited (3 restarts): check gnm-agent logs api',
    });
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
    // A side read that failed is listed, but a node that works stays ok and says what was not read.
    const r = roll({ setupReport: null, errors: ['admin API: connection refused'] });
    expect(r).toMatchObject({
      status: 'ok',
      reason: 'all checks pass; not read: setup; admin API: connection refused',
    });
    expect(r.checks.at(-1)).toEqual({
      name: 'read',
      status: 'unknown',
      detail: 'admin API: connection refused',
    });
  });
  it('a network node has no ML node to judge; an ML-node host has no chain', () => {
    expect(roll({ role: 'network', mlNodes: [] }).status).toBe('ok');
    expect(roll({ role: 'mlnode', chain: null, setupReport: null }).status).toBe('ok');
    // The same gaps on a full node are findings.
    expect(roll({ mlNodes: [] })).toMatchObject({ status: 'warning', reason: /no ML node is listed/ });
    expect(roll({ chain: null }).status).toBe('critical');
  });
  it('nothing readable is unknown with the agent’s error', () => {
    const r = roll({
      containers: [],
      chain: null,
      setupReport: null,
      mlNodes: [],
      errors: ['docker: EACCES'],
    });
    expect(r).toMatchObject({ status: 'unknown', reason: 'could not read the node: docker: EACCES' });
  });
  it('syncing has no block-age verdict; behind without catching up is a warning', () => {
    const old = new Date(NOW.getTime() - 3_600_000).toISOString();
    const chain = healthy.chain as NonNullable<NodeHealthFacts['chain']>;
    expect(roll({ chain: { ...chain, catchingUp: true, latestBlockTime: old } }).status).toBe('warning');
    const r = roll({ chain: { ...chain, height: 1100 } });
    expect(r).toMatchObject({
      status: 'warning',
      reason: '101 blocks behind the network (height 1100 of 1201)',
    });
    expect(
      rollupHealth({ ...healthy, chain: { ...chain, height: 1100 } }, { now: NOW, maxLagBlocks: 200 }).status,
    ).toBe('ok');
    expect(rollupHealth(healthy, { now: NOW, expectedChainId: 'gonka-mainnet' })).toMatchObject({
      status: 'critical',
      reason: /wrong chain: the node is on gonka-sim/,
    });
  });
  it('a restarting or unhealthy container is critical; a starting one a warning', () => {
    const set = (state: string, health: string | null) =>
      roll({
        containers: healthy.containers.map((c) => (c.service === 'node' ? { ...c, state, health } : c)),
      });
    expect(set('restarting', null)).toMatchObject({ status: 'critical', reason: /^node restarting/ });
    expect(set('running', 'unhealthy')).toMatchObject({ status: 'critical', reason: /^node unhealthy/ });
    expect(set('running', 'starting')).toMatchObject({ status: 'warning', reason: 'starting: node' });
  });
  it('setup-report FAILs: severity and what to do per check; UNAVAILABLE does not grey out a working node', () => {
    expect(roll(setup('validator_in_set'))).toMatchObject({ status: 'warning', reason: /jailed.*unjail/ });
    expect(roll(setup('warm_key_in_keyring')).status).toBe('critical');
    expect(roll(setup('some_new_check'))).toMatchObject({
      status: 'warning',
      reason: 'some_new_check: some_new_check says FAIL',
    });
    const r = roll(setup('permissions_granted', 'UNAVAILABLE'));
    expect(r).toMatchObject({ status: 'ok', reason: 'all checks pass; not read: setup:permissions_granted' });
    expect(r.checks.find((c) => c.name === 'setup:permissions_granted')?.status).toBe('unknown');
    // The worst finding wins, whatever the order of the facts.
    expect(
      roll({
        ...setup('permissions_granted'),
        mlNodes: [{ id: 'n', state: 'FAILED', loadedModel: null, healthy: null }],
      }).reason,
    ).toBe('ML node n FAILED: check its logs (gnm-agent logs mlnode-308)');
  });
  it('an ML node in inference without its model is a warning', () => {
    expect(
      roll({ mlNodes: [{ id: 'node1', state: 'INFERENCE', loadedModel: null, healthy: true }] }),
    ).toMatchObject({
      status: 'warning',
      reason: /node1 is in inference without a loaded model/,
    });
  });
});
