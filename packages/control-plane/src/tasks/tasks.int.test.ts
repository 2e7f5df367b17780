import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAgent } from '@gnm/protocol/testing';
import { DIALECTS } from '../testing/databases.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/control-plane.js';

interface Task {
  id: string;
  state: string;
  deliveries: number;
  result: unknown;
  error: { code: string; message: string } | null;
  events?: { seq: number; progress: { phase: string } | null; log: string | null }[];
}
const until = async (f: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.each(DIALECTS)('tasks, on %s', (dialect) => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    // Plain HTTP here so the test can read Server-Sent Events with fetch; TLS is covered by the gateway tests.
    cp = await startTestControlPlane(dialect, { plain: true });
  });
  afterAll(async () => cp.close());

  const enrolledHost = async (
    name: string,
    o: ConstructorParameters<typeof TestAgent>[0] extends infer T ? Partial<T> : never = {},
  ) => {
    const r = await cp.call<{ host: { id: string }; enrollment: { token: string } }>(
      cp.owner,
      'POST',
      '/api/v1/hosts',
      { name },
    );
    const agent = await TestAgent.enroll(cp.pins, r.body.enrollment.token, o);
    return { hostId: r.body.host.id, agent };
  };
  const task = (id: string) => cp.call<Task>(cp.owner, 'GET', `/api/v1/tasks/${id}`);

  it('is stored while the host is offline, sent when it connects, and its progress and result are kept', async () => {
    let gate: () => void = () => {};
    const { hostId, agent } = await enrolledHost('t-01', {
      execute: async (_op, emit) => {
        emit({ progress: { phase: 'pulling', done: 1, total: 3 } });
        await new Promise<void>((r) => (gate = r));
        emit({ progress: { phase: 'starting', done: 3, total: 3 }, log: 'container join-node-1 started' });
        return { ok: true, result: { containers: 3 } };
      },
    });
    const created = await cp.call<Task>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'stack.status',
    });
    expect(created.status).toBe(201);
    expect(created.body.state).toBe('queued');
    expect((await task(created.body.id)).body.state).toBe('queued');

    // A live stream opened before the agent connects sees everything.
    const stream = await fetch(`${cp.url}/api/v1/tasks/${created.body.id}/stream`, {
      headers: cp.owner.headers,
    });
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = stream.text();

    await agent.connect();
    await until(async () => (await task(created.body.id)).body.state === 'running');
    gate();
    await until(async () => (await task(created.body.id)).body.state === 'succeeded');
    const done = (await task(created.body.id)).body;
    expect(done.result).toEqual({ containers: 3 });
    expect(done.deliveries).toBe(1);
    expect(done.events?.map((e) => e.progress?.phase)).toEqual(['pulling', 'starting']);
    expect(done.events?.[1]?.log).toBe('container join-node-1 started');
    const sse = await text; // the stream ends by itself when the task finishes
    expect(sse).toMatch(/event: event\nid: 0|id: 0\nevent: event/);
    expect(sse).toContain('"phase":"starting"');
    expect(sse).toMatch(/event: task\ndata: .*"state":"succeeded"/);
    agent.close();
  });

  it('a task for a host that stays offline expires at its deadline and never runs', async () => {
    const { hostId } = await enrolledHost('t-02');
    const created = await cp.call<Task>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'host.probe',
      deadlineSeconds: 60,
    });
    expect(await cp.services.dispatcher.expire(Date.now() + 61_000)).toBeGreaterThanOrEqual(1);
    const t = (await task(created.body.id)).body;
    expect(t.state).toBe('expired');
    expect(t.error?.code).toBe('host-offline');
    expect(t.deliveries).toBe(0);
  });

  it('only a queued task can be cancelled', async () => {
    const { hostId, agent } = await enrolledHost('t-03');
    const queued = await cp.call<Task>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'host.probe',
    });
    const c = await cp.call<Task>(cp.owner, 'POST', `/api/v1/tasks/${queued.body.id}/cancel`);
    expect(c.body.state).toBe('cancelled');
    await agent.connect();
    const sent = await cp.call<Task>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, { op: 'host.probe' });
    await until(async () => (await task(sent.body.id)).body.state === 'succeeded');
    const late = await cp.call<{ detail: string }>(cp.owner, 'POST', `/api/v1/tasks/${sent.body.id}/cancel`);
    expect(late.status).toBe(409);
    expect(late.body.detail).toMatch(/only a task still queued/);
    expect(agent.received.map((r) => r.opId)).not.toContain(queued.body.id);
    agent.close();
  });

  it('refuses operations outside the closed registry and bad parameters, saying what is accepted', async () => {
    const { hostId } = await enrolledHost('t-04');
    const unknown = await cp.call<{ status: number; detail: string }>(
      cp.owner,
      'POST',
      `/api/v1/hosts/${hostId}/tasks`,
      {
        op: 'shell.exec',
        params: { cmd: 'rm -rf /' },
      },
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toMatch(/unknown operation "shell.exec".*host.probe/);
    const bad = await cp.call<{ detail: string }>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'stack.logs',
      params: { service: '../../etc', tail: 10 },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toMatch(/service/);
    const noHost = await cp.call(cp.owner, 'POST', '/api/v1/hosts/hst_nope/tasks', { op: 'host.probe' });
    expect(noHost.status).toBe(404);
    const invalid = await cp.call(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'host.probe',
      deadlineSeconds: 1,
    });
    expect(invalid.status).toBe(400);
  });

  it('refuses a host path in or under a system folder in stack.apply and node.deploy values, queuing nothing', async () => {
    const { hostId } = await enrolledHost('t-hp');
    const apply = (values: Record<string, string>, op = 'stack.apply') => ({
      op,
      params: { bundle: 'gonka-join', version: '0.2.14-1', role: 'mlnode', values },
    });
    for (const body of [
      apply({ HF_HOME: '/var/run' }),
      apply({ HF_HOME: '/var/run' }, 'node.deploy'),
      apply({ HF_HOME: '/srv/x/../../etc' }),
      apply({ SSL_CERT_SOURCE: '/root/.ssh' }),
      // Any value can reach a volume source, whatever kind the bundle declares it.
      apply({ SOME_STRING: '/var/lib/docker' }),
    ]) {
      const r = await cp.call<{ detail: string }>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, body);
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.detail).toMatch(/srv\/gonka\/hf-cache/);
    }
    const fan = await cp.call(cp.owner, 'POST', '/api/v1/tasks', {
      hostIds: [hostId],
      ...apply({ HF_HOME: '/run' }),
    });
    expect(fan.status).toBe(422);
    const listed = await cp.call<{ tasks: unknown[] }>(cp.owner, 'GET', `/api/v1/tasks?hostId=${hostId}`);
    expect(listed.body.tasks).toHaveLength(0);
    const fine = await cp.call(
      cp.owner,
      'POST',
      `/api/v1/hosts/${hostId}/tasks`,
      apply({ HF_HOME: '/srv/gonka/hf-cache' }),
    );
    expect(fine.status).toBe(201);
  });

  it('a redelivered task is not run twice: the agent answers from its journal', async () => {
    const journalFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-journal-')), 'journal.json');
    let runs = 0;
    let gate: () => void = () => {};
    const { hostId, agent } = await enrolledHost('t-05', {
      journalFile,
      execute: async () => {
        runs++;
        await new Promise<void>((r) => (gate = r));
        return { ok: true, result: { runs } };
      },
    });
    await agent.connect();
    const created = await cp.call<Task>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'host.probe',
    });
    await until(() => runs === 1);
    // The connection drops mid-operation; the operation finishes while disconnected.
    agent.close();
    await until(() => !cp.services.gateway.isConnected(hostId));
    gate();
    await new Promise((r) => setTimeout(r, 50));
    const again = agent.restart();
    await again.connect();
    await until(async () => (await task(created.body.id)).body.state === 'succeeded');
    const t = (await task(created.body.id)).body;
    expect(runs).toBe(1);
    expect({ d: t.deliveries, first: agent.received.length, second: again.received.length }).toEqual({
      d: 2,
      first: 1,
      second: 1,
    });
    expect(t.result).toEqual({ runs: 1 });
    again.close();
  });

  it('fans one operation out to many hosts in one request', async () => {
    const hosts = await Promise.all(['f-1', 'f-2', 'f-3'].map((n) => enrolledHost(n)));
    await Promise.all(hosts.map((h) => h.agent.connect()));
    const r = await cp.call<{ tasks: Task[] }>(cp.owner, 'POST', '/api/v1/tasks', {
      hostIds: hosts.map((h) => h.hostId),
      op: 'host.probe',
    });
    expect(r.status).toBe(201);
    expect(r.body.tasks).toHaveLength(3);
    await until(async () => {
      const states = await Promise.all(r.body.tasks.map(async (t) => (await task(t.id)).body.state));
      return states.every((s) => s === 'succeeded');
    });
    const foreign = await cp.call<{ detail: string }>(cp.owner, 'POST', '/api/v1/tasks', {
      hostIds: [hosts[0]?.hostId ?? '', 'hst_unknown'],
      op: 'host.probe',
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.detail).toMatch(/nothing was queued/);
    for (const h of hosts) h.agent.close();
  });
});
