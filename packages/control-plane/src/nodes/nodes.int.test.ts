import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS } from '../testing/databases.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/control-plane.js';

/**
 * Node configuration through the API, on both databases: public values only, cold-key material
 * refused in any field (and stored nowhere), the values a deploy sends (NAT ports, no secret), and
 * registration refused until PUBLIC_URL and the P2P port answer from outside.
 */
const PUBKEY = 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd';
const MNEMONIC =
  'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title';
const PRIVATE_HEX = '8a'.repeat(32);

describe.each(DIALECTS)('nodes, on %s', (dialect) => {
  let cp: TestControlPlane;
  let hostId = '';
  const base = {
    name: 'node-a',
    role: 'network',
    network: 'mainnet',
    publicHost: '127.0.0.1',
    accountPubkey: PUBKEY,
  };

  beforeAll(async () => {
    cp = await startTestControlPlane(dialect, { plain: true });
    hostId = (await cp.call<{ host: { id: string } }>(cp.owner, 'POST', '/api/v1/hosts', { name: 'gpu-1' }))
      .body.host.id;
  });
  afterAll(async () => cp.close());

  const dumpDb = async () => {
    const out: string[] = [];
    for (const t of ['nodes', 'audit_log', 'tasks', 'hosts'])
      out.push(JSON.stringify((await sql`select * from ${sql.table(t)}`.execute(cp.db.db)).rows));
    return out.join('\n');
  };

  it('refuses cold-key material in any field, says why, and stores it nowhere', async () => {
    for (const [config, field] of [
      [{ ...base, name: MNEMONIC }, 'name'],
      [{ ...base, extraValues: { SERVER_NAME: PRIVATE_HEX } }, 'extraValues.SERVER_NAME'],
      [{ ...base, keyName: Buffer.alloc(32, 7).toString('base64') }, 'keyName'],
      [{ ...base, accountPubkey: MNEMONIC }, 'accountPubkey'],
    ] as const) {
      const r = await cp.call<{ detail: string }>(cp.owner, 'POST', '/api/v1/nodes', { hostId, config });
      expect(r.status).toBe(422);
      expect(r.body.detail).toContain(`${field}:`);
      expect(r.body.detail).toMatch(/never|cold|private|recovery/i);
      expect(JSON.stringify(r.body)).not.toContain('sausage');
      expect(JSON.stringify(r.body)).not.toContain(PRIVATE_HEX);
    }
    const dump = await dumpDb();
    expect(dump).not.toContain('sausage');
    expect(dump).not.toContain(PRIVATE_HEX);
  });

  it('refuses a host folder that is, holds or lies in a system folder, and stores nothing', async () => {
    for (const [config, field] of [
      [{ ...base, hfHome: '/var/run' }, 'hfHome'],
      [{ ...base, hfHome: '//etc' }, 'hfHome'],
      [{ ...base, hfHome: '/var/lib/docker/' }, 'hfHome'],
      [{ ...base, extraValues: { SSL_CERT_SOURCE: '/etc/cron.d' } }, 'extraValues.SSL_CERT_SOURCE'],
    ] as const) {
      const r = await cp.call<{ detail: string }>(cp.owner, 'POST', '/api/v1/nodes', { hostId, config });
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.detail).toContain(`${field}:`);
      expect(r.body.detail).toMatch(/\/srv\/gonka\/hf-cache/);
    }
    const list = await cp.call<{ nodes: unknown[] }>(cp.owner, 'GET', '/api/v1/nodes');
    expect(list.body.nodes).toHaveLength(0);
  });

  it('checks the account public key and names what is wrong', async () => {
    const short = await cp.call<{ detail: string }>(cp.owner, 'POST', '/api/v1/nodes', {
      hostId,
      config: { ...base, accountPubkey: Buffer.alloc(20, 2).toString('base64') },
    });
    expect(short.status).toBe(422);
    expect(short.body.detail).toMatch(/accountPubkey: decodes to 20 bytes/);
    const missing = await cp.call<{ detail: string }>(cp.owner, 'POST', '/api/v1/nodes', {
      hostId,
      config: { ...base, accountPubkey: undefined },
    });
    expect(missing.body.detail).toMatch(/accountPubkey: required for a network node/);
    const sim = await cp.call<{ detail: string }>(cp.owner, 'POST', '/api/v1/nodes', {
      hostId,
      config: { ...base, network: 'sim' },
    });
    expect(sim.body.detail).toMatch(/seed: required for the sim network/);
  });

  let nodeId = '';
  it('keeps public keys and image digests, and one node per host', async () => {
    const digest = `registry.example/gonka/api@sha256:${'ab'.repeat(32)}`;
    const r = await cp.call<{ id: string; state: string; config: { extraValues: Record<string, string> } }>(
      cp.owner,
      'POST',
      '/api/v1/nodes',
      {
        hostId,
        config: {
          ...base,
          ports: { api: 8000, apiExternal: 18080, p2pExternal: 15000 },
          extraValues: { GNM_SIM_IMAGE: digest },
        },
      },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.state).toBe('configured');
    expect(r.body.config.extraValues.GNM_SIM_IMAGE).toBe(digest);
    nodeId = r.body.id;
    const again = await cp.call<{ detail: string }>(cp.owner, 'POST', '/api/v1/nodes', {
      hostId,
      config: base,
    });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/one Gonka stack per host/);
  });

  it('deploy sends the configuration as bundle values: NAT ports in the public addresses, no secret', async () => {
    const noBundle = await cp.call<{ detail: string }>(
      cp.owner,
      'POST',
      `/api/v1/nodes/${nodeId}/deploy`,
      {},
    );
    expect(noBundle.status).toBe(422);
    expect(noBundle.body.detail).toMatch(/import one first \(gnm bundle import\)/);
    await cp.db.db
      .insertInto('bundles')
      .values({
        name: 'gonka-join',
        version: '0.2.14-3',
        gonka_release: 'v0.2.14',
        file_count: 1,
        targets_version: 1,
        imported_at: new Date().toISOString(),
      })
      .execute();
    const t = await cp.call<{ op: string; params: { version: string; values: Record<string, unknown> } }>(
      cp.owner,
      'POST',
      `/api/v1/nodes/${nodeId}/deploy`,
      { acceptWarnings: ['disk'] },
    );
    expect(t.status, JSON.stringify(t.body)).toBe(202);
    expect(t.body.op).toBe('node.deploy');
    expect(t.body.params.version).toBe('0.2.14-3');
    expect(t.body.params.values).toMatchObject({
      PUBLIC_URL: 'http://127.0.0.1:18080',
      API_PORT: '8000',
      P2P_EXTERNAL_ADDRESS: 'tcp://127.0.0.1:15000',
      ACCOUNT_PUBKEY: PUBKEY,
      SEED_API_URL: 'http://node2.gonka.ai:8000',
      SEED_NODE_RPC_URL: 'http://node2.gonka.ai:8000/chain-rpc/',
    });
    expect(Object.keys(t.body.params.values)).not.toContain('KEYRING_PASSWORD');
    const n = await cp.call<{ state: string; lastTaskId: string }>(
      cp.owner,
      'GET',
      `/api/v1/nodes/${nodeId}`,
    );
    expect(n.body.state).toBe('deploying');
  });

  it('registration waits for a deploy, then for PUBLIC_URL and the P2P port to answer from outside', async () => {
    const early = await cp.call<{ detail: string }>(cp.owner, 'POST', `/api/v1/nodes/${nodeId}/register`);
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/deploy the node first/);
    await cp.db.db
      .updateTable('nodes')
      .set({ release: '0.2.14-3', state: 'deployed' })
      .where('id', '=', nodeId)
      .execute();
    const closed = await cp.call<{ detail: string }>(cp.owner, 'POST', `/api/v1/nodes/${nodeId}/register`);
    expect(closed.status).toBe(409);
    expect(closed.body.detail).toMatch(/nothing was registered/);
    // The reason is one of a fixed list: what the far side said is never passed on.
    expect(closed.body.detail).toMatch(/127\.0\.0\.1:18080\/v1\/status not reachable \(connect-failed\)/);
    expect(closed.body.detail).toMatch(/127\.0\.0\.1:15000 not reachable \(connect-failed\)/);

    // The same ports answering: the public API's status and a P2P listener.
    const api = http.createServer((_q, s) => s.end('{"ok":true}')).listen(18080, '127.0.0.1');
    const p2p = net.createServer((s) => s.end()).listen(15000, '127.0.0.1');
    try {
      const ok = await cp.call<{
        task: { op: string };
        reachability: { publicUrl: { ok: boolean }; p2p: { ok: boolean } };
      }>(cp.owner, 'POST', `/api/v1/nodes/${nodeId}/register`);
      expect(ok.status, JSON.stringify(ok.body)).toBe(202);
      expect(ok.body.task.op).toBe('node.register');
      expect(ok.body.reachability.publicUrl.ok && ok.body.reachability.p2p.ok).toBe(true);
    } finally {
      api.close();
      p2p.close();
    }
  });

  it('another user sees none of it', async () => {
    const bob = await cp.newUser(`bob-${dialect}@example.org`);
    expect((await cp.call<{ nodes: unknown[] }>(bob, 'GET', '/api/v1/nodes')).body.nodes).toEqual([]);
    expect((await cp.call(bob, 'GET', `/api/v1/nodes/${nodeId}`)).status).toBe(404);
    const create = await cp.call(bob, 'POST', '/api/v1/nodes', { hostId, config: { ...base, name: 'x' } });
    expect(create.status).toBe(404);
  });
});
