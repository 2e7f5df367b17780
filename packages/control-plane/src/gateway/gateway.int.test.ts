import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newIdentity, PinError } from '@gnm/protocol';
import type { HandshakeRefused } from '@gnm/protocol/testing';
import { TestAgent } from '@gnm/protocol/testing';
import { DIALECTS } from '../testing/databases.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/control-plane.js';

interface HostCreated {
  host: { id: string; state: string };
  enrollment: { token: string; expiresAt: string; installCommand: string };
}

const until = async (f: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.each(DIALECTS)('enrollment and the agent gateway over wss, on %s', (dialect) => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await startTestControlPlane(dialect);
  });
  afterAll(async () => cp.close());

  const addHost = async (name: string) => {
    const r = await cp.call<HostCreated>(cp.owner, 'POST', '/api/v1/hosts', { name });
    expect(r.status).toBe(201);
    return r.body;
  };

  it('a new host comes with a one-time token and an install command carrying the pins', async () => {
    const { host, enrollment } = await addHost('gpu-01');
    expect(host.state).toBe('pending');
    expect(enrollment.token).toMatch(/^gnm-enroll-/);
    const ttl = Date.parse(enrollment.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(59 * 60_000);
    expect(ttl).toBeLessThanOrEqual(60 * 60_000);
    expect(enrollment.installCommand).toContain(`--cp-fingerprint ${cp.pins.cpFingerprint}`);
    expect(enrollment.installCommand).toContain(`--pinnedpubkey '${cp.pins.tlsPin}'`);
    expect(enrollment.installCommand).toContain(`--tls-pin '${cp.pins.tlsPin}'`);
    // The token is stored only as a hash.
    const rows = await cp.db.db.selectFrom('enrollment_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(enrollment.token);
    expect(
      rows.some((r) => r.token_sha256 === crypto.createHash('sha256').update(enrollment.token).digest('hex')),
    ).toBe(true);
  });

  it('enrolls once: a reused, expired, unknown or relayed token is refused clearly', async () => {
    const { host, enrollment } = await addHost('gpu-02');
    // Relayed: the proof covers another TLS certificate than the one the control plane serves.
    await expect(
      TestAgent.enroll(cp.pins, enrollment.token, { tlsCertSha256Override: 'ab'.repeat(32) }),
    ).rejects.toThrow(/Bad enrollment proof/);
    const agent = await TestAgent.enroll(cp.pins, enrollment.token);
    expect(agent.o.agentId).toMatch(/^agt_/);
    await expect(TestAgent.enroll(cp.pins, enrollment.token)).rejects.toThrow(/already used/);
    await expect(TestAgent.enroll(cp.pins, `gnm-enroll-${'x'.repeat(43)}`)).rejects.toThrow(/not valid/);
    const got = await cp.call<{ state: string; agentId: string }>(
      cp.owner,
      'GET',
      `/api/v1/hosts/${host.id}`,
    );
    expect(got.body).toMatchObject({ state: 'enrolled', agentId: agent.o.agentId });

    const expiring = await addHost('gpu-03');
    await cp.db.db
      .updateTable('enrollment_tokens')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('host_id', '=', expiring.host.id)
      .execute();
    await expect(TestAgent.enroll(cp.pins, expiring.enrollment.token)).rejects.toThrow(
      /expired at .*create a new token/,
    );
    // A renewed token works, and the old one no longer does.
    const renewed = await cp.call<{ token: string }>(
      cp.owner,
      'POST',
      `/api/v1/hosts/${expiring.host.id}/enrollment`,
    );
    expect(renewed.status).toBe(201);
    await TestAgent.enroll(cp.pins, renewed.body.token);
    const audit = await cp.db.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'host.enroll')
      .execute();
    expect(audit.filter((a) => a.outcome === 'denied').length).toBeGreaterThanOrEqual(4);
  });

  it('the handshake: welcome for the enrolled agent; forged, replayed and relayed proofs are refused', async () => {
    const agent = await TestAgent.enroll(cp.pins, (await addHost('gpu-04')).enrollment.token);
    let recorded = '';
    const welcome = await agent.connect({ onChallenge: (_t, proof) => (recorded = proof) });
    expect(welcome.reportIntervalMs).toBeGreaterThanOrEqual(10_000);
    agent.close();
    await agent.closed();

    const forged = new TestAgent(agent.o);
    await expect(forged.connect({ signWith: newIdentity().privateKey })).rejects.toMatchObject({
      code: 'bad-proof',
      closeCode: 4401,
    });
    const replayed = new TestAgent(agent.o);
    await expect(replayed.connect({ proof: recorded })).rejects.toMatchObject({ code: 'bad-proof' });
    const relayed = new TestAgent(agent.o);
    await expect(relayed.connect({ tlsCertSha256: 'cd'.repeat(32) })).rejects.toMatchObject({
      code: 'bad-proof',
    });
    const unknown = new TestAgent({ ...agent.o, agentId: TestAgent.newAgentId() });
    await expect(unknown.connect()).rejects.toMatchObject({ code: 'unknown-agent' });
    const denied = await cp.db.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'agent.connect')
      .execute();
    expect(denied.length).toBeGreaterThanOrEqual(4);
    // The genuine agent still gets in afterwards.
    const again = new TestAgent(agent.o);
    await again.connect();
    again.close();
  });

  it('refuses an unsupported protocol version with a message saying who must upgrade', async () => {
    const agent = await TestAgent.enroll(cp.pins, (await addHost('gpu-05')).enrollment.token);
    const future = new TestAgent({ ...agent.o, versions: [7] });
    const e = (await future.connect().catch((x: unknown) => x)) as HandshakeRefused;
    expect(e.code).toBe('unsupported-version');
    expect(e.closeCode).toBe(4426);
    expect(e.message).toMatch(/upgrade the control plane/);
  });

  it('the agent refuses a server with the wrong TLS pin or identity before saying anything', async () => {
    const agent = await TestAgent.enroll(cp.pins, (await addHost('gpu-06')).enrollment.token);
    const wrongPin = new TestAgent({
      ...agent.o,
      pins: { ...cp.pins, tlsPin: 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
    });
    await expect(wrongPin.connect()).rejects.toBeInstanceOf(PinError);
    const wrongId = new TestAgent({ ...agent.o, pins: { ...cp.pins, cpFingerprint: '00'.repeat(32) } });
    await expect(wrongId.connect()).rejects.toMatchObject({ code: 'cp-identity' });
    await expect(
      TestAgent.enroll(
        { ...cp.pins, tlsPin: 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
        (await addHost('gpu-07')).enrollment.token,
      ),
    ).rejects.toBeInstanceOf(PinError);
    // gpu-07's token was never sent, so it still works.
    const hosts = await cp.call<{ hosts: { name: string; state: string }[] }>(
      cp.owner,
      'GET',
      '/api/v1/hosts',
    );
    expect(hosts.body.hosts.find((h) => h.name === 'gpu-07')?.state).toBe('pending');
  });

  it('status reports are stored and acknowledged; presence follows the connection', async () => {
    const { host, enrollment } = await addHost('gpu-08');
    const agent = await TestAgent.enroll(cp.pins, enrollment.token);
    await agent.connect();
    const latency = await agent.report({ gpus: 8, docker: 'ok' });
    expect(latency).toBeLessThan(2000);
    const got = await cp.call<{ presence: string; lastReport: { gpus: number } }>(
      cp.owner,
      'GET',
      `/api/v1/hosts/${host.id}`,
    );
    expect(got.body.presence).toBe('online');
    expect(got.body.lastReport.gpus).toBe(8);
    agent.close();
    await until(() => !cp.services.gateway.isConnected(host.id));
    const after = await cp.call<{ presence: string }>(cp.owner, 'GET', `/api/v1/hosts/${host.id}`);
    expect(after.body.presence).toBe('stale'); // just dropped: a reconnect may be under way
  });

  it('revoking a host closes its connection at once and its key stops working', async () => {
    const { host, enrollment } = await addHost('gpu-09');
    const agent = await TestAgent.enroll(cp.pins, enrollment.token);
    await agent.connect();
    const closed = agent.closed();
    const t0 = Date.now();
    const r = await cp.call<{ state: string }>(cp.owner, 'POST', `/api/v1/hosts/${host.id}/revoke`);
    expect(r.body.state).toBe('revoked');
    expect(await closed).toBe(4403);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(agent.refusal?.code).toBe('revoked');
    await expect(new TestAgent(agent.o).connect()).rejects.toMatchObject({ code: 'revoked' });
  });

  it('malformed frames close the connection', async () => {
    const agent = await TestAgent.enroll(cp.pins, (await addHost('gpu-10')).enrollment.token);
    await agent.connect();
    const closed = agent.closed();
    agent.sendRaw('{"type":"status.report","seq":-1}');
    expect(await closed).toBe(4400);
  });
});
