import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../testing/control-plane.js';
import type { FleetRow } from './fleet.js';

/**
 * GET /api/v1/fleet on a real control plane: one compact row per host with what the list views would
 * make the console compute (health and its reason, height and lag, ML node states, GPU summary),
 * scoped to the caller, and fresh after the node's health changes (the parsed summaries are cached).
 */
describe('the fleet overview', () => {
  let cp: TestControlPlane;
  const now = new Date().toISOString();
  const report = (gpus: number) =>
    JSON.stringify({
      agentVersion: '0.1.0',
      probe: {
        gpus: Array.from({ length: gpus }, (_, i) => ({
          index: i,
          name: 'NVIDIA H200',
          memoryMiB: 143771,
          driverVersion: '570',
        })),
        findings: gpus ? [] : [{ check: 'docker', severity: 'critical', message: 'Docker is not installed' }],
      },
    });
  const facts = (height: number, networkHeight: number, ml: string) =>
    JSON.stringify({
      at: now,
      role: 'full',
      release: '0.2.14-1',
      containers: [],
      chain: {
        height,
        catchingUp: false,
        latestBlockTime: now,
        networkHeight,
        chainId: 'gonka-sim',
        consensusKey: null,
      },
      setupReport: null,
      mlNodes: [{ id: 'node1', state: ml, loadedModel: 'a/b', healthy: ml !== 'FAILED' }],
      errors: [],
    });

  beforeAll(async () => {
    cp = await startTestControlPlane('sqlite');
    const bob = await cp.newUser('bob@example.org');
    const host = (
      id: string,
      owner: string,
      name: string,
      gpus: number,
      state: 'enrolled' | 'pending' = 'enrolled',
    ) => ({
      id,
      owner_id: owner,
      name,
      state,
      agent_id: state === 'enrolled' ? `agt_${id}` : null,
      agent_public_key: null,
      agent_version: state === 'enrolled' ? '0.1.0' : null,
      hostname: `${name}.lan`,
      created_at: now,
      enrolled_at: state === 'enrolled' ? now : null,
      revoked_at: null,
      last_seen_at: state === 'enrolled' ? now : null,
      last_report: state === 'enrolled' ? report(gpus) : null,
    });
    await cp.db.db
      .insertInto('hosts')
      .values([
        host('hst_a', cp.owner.user.id, 'gpu-a', 8),
        host('hst_b', cp.owner.user.id, 'bare-b', 0),
        host('hst_c', cp.owner.user.id, 'new-c', 0, 'pending'),
        host('hst_bob', bob.user.id, 'bobs-host', 2),
      ])
      .execute();
    await cp.db.db
      .insertInto('nodes')
      .values({
        id: 'node_a',
        owner_id: cp.owner.user.id,
        host_id: 'hst_a',
        name: 'node-a',
        role: 'full',
        network: 'sim',
        config: '{}',
        state: 'deployed',
        release: '0.2.14-1',
        last_task_id: null,
        last_error: null,
        warm_address: null,
        warm_pubkey: null,
        warm_mnemonic_file: null,
        consensus_key: null,
        registered_at: null,
        health: facts(990, 1000, 'INFERENCE'),
        health_status: 'ok',
        health_reason: 'all checks pass',
        health_at: now,
        created_at: now,
        updated_at: now,
      })
      .execute();
  });
  afterAll(async () => cp.close());

  const rows = async (who = cp.owner, scope = 'mine') =>
    (await cp.call<{ rows: FleetRow[] }>(who, 'GET', `/api/v1/fleet?scope=${scope}`)).body.rows;

  it('one row per host, with the node’s health, height and lag, ML node state and GPUs', async () => {
    const r = await rows();
    expect(r.map((x) => x.hostName)).toEqual(['gpu-a', 'bare-b', 'new-c']);
    const a = r[0];
    // The test control plane sees no live connection: an enrolled host last seen just now is stale.
    expect(a).toMatchObject({
      hostId: 'hst_a',
      nodeId: 'node_a',
      role: 'full',
      release: '0.2.14-1',
      height: 990,
      lag: 10,
      mlStatus: 'INFERENCE',
      gpuCount: 8,
      gpus: '8× NVIDIA H200 (140 GiB)',
      presence: 'stale',
      health: 'critical',
    });
    expect(a?.healthReason).toBe('agent stale; last: all checks pass');
    expect(r[1]).toMatchObject({
      nodeId: null,
      gpus: 'no GPU',
      health: 'critical',
      healthReason: 'agent stale',
    });
    expect(r[2]).toMatchObject({
      hostState: 'pending',
      health: 'unknown',
      healthReason: 'waiting for the agent to enroll',
    });
    // Compact: no report or facts travel with it.
    expect(JSON.stringify(r)).not.toContain('driverVersion');
  });

  it('fresh after a change: the node’s new health facts show at the next read', async () => {
    await rows();
    await cp.db.db
      .updateTable('nodes')
      .set({ health: facts(1000, 1000, 'FAILED'), updated_at: new Date(Date.now() + 1000).toISOString() })
      .where('id', '=', 'node_a')
      .execute();
    const a = (await rows()).find((x) => x.hostId === 'hst_a');
    expect(a).toMatchObject({ height: 1000, lag: 0, mlStatus: 'FAILED (unhealthy)' });
  });

  it('scoped: Bob sees only his host; the owner sees everyone’s only when asking, and that read is audited', async () => {
    const bob = await cp.newUser('bob2@example.org');
    expect(await rows(bob)).toEqual([]);
    const all = await rows(cp.owner, 'all');
    expect(all.map((x) => x.hostName)).toContain('bobs-host');
    const audit = await cp.call<{ entries: { action: string }[] }>(cp.owner, 'GET', '/api/v1/audit');
    expect(audit.body.entries.some((e) => e.action === 'owner.read-all-hosts')).toBe(true);
    const refused = await cp.call<{ detail: string }>(bob, 'GET', '/api/v1/fleet?scope=all');
    expect(refused.status).toBe(403);
  });
});
