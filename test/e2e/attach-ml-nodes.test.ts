import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import type { Host } from '@gnm/testkit';
import { sharedPool } from '@gnm/testkit/vitest';
import { admin, createColdKey, pushSimImages, startSeed } from '@gnm/sim/testing';
import { startTestControlPlane, type TestControlPlane } from '@gnm/control-plane/testing';
import { Release, cleanupTuf } from '@gnm/control-plane/testing/tuf-release';
import {
  agentExecutable,
  installSimNvidiaSmi,
  resetAgentHost,
  signAll,
  simBundles,
  tmp,
} from '../../packages/agent/src/harness/fixtures.js';

/**
 * Issue #8 on four harness hosts: A runs the network node, B and C an ML node each, D is "the
 * internet" (and the rest of the sim network: the seed, the operator's cold key). Through the API
 * only: deploy and register A, deploy B and C, attach both, prove who reaches what, see both earn PoC
 * weight in one epoch, detach C. Every path shown blocked is first shown open. A wrong callback URL
 * is caught by the connectivity check before anything is registered, with the address to use.
 */
const BUNDLE = 'gonka-join-sim';
const VERSION = '0.2.14-8';
const COLD_DIR = '/srv/operator-cold-key';
const ML_GPUS = { profile: 'h100-sxm-8x', sim: '8xNVIDIA H100 80GB HBM3:81559' };
const ACCEPT = ['fabric-manager', 'nvidia-runtime'];

interface Task {
  id: string;
  state: string;
  error: { code: string; message: string } | null;
}
interface NodeView {
  id: string;
  name: string;
  state: string;
  warmKey: { address: string } | null;
  coldKey: { commands: { id: string; argv: string[] }[]; checklist: { id: string; state: string }[] } | null;
  health: { facts: { mlNodes: { id: string; state: string | null; pocWeight?: number | null }[] } | null };
}
interface Attachment {
  id: string;
  state: string;
  step: string | null;
  error: string | null;
  callbackUrl: string;
  checks: { network: { id: string; ok: boolean }[]; ml: { id: string; ok: boolean }[] } | null;
}

describe('attach ML nodes on other hosts to a network node (sim, four hosts)', () => {
  const pool = sharedPool();
  const [A, B, C, D] = [pool.host('a'), pool.host('b'), pool.host('c'), pool.host('agent')];
  const release = new Release();
  let cp: TestControlPlane;
  let images: { network: string; mlnode: string };
  let seed: { api: string; p2p: string };
  let cold: { address: string; pubkey: string };
  const agents: ResultPromise[] = [];
  const output = new Map<string, string>();
  const hostIds = new Map<Host, string>();
  const nodeIds = new Map<Host, string>();
  const attachments = new Map<Host, string>();

  const until = async <T>(
    what: string,
    f: () => Promise<T | undefined | false>,
    ms = 180_000,
  ): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (v) return v;
      if (Date.now() > end)
        throw new Error(
          `${what}: not in time.\n${[...output].map(([h, o]) => `--- agent on ${h}\n${o.slice(-1500)}`).join('\n')}`,
        );
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const finished = (id: string, ms = 600_000) =>
    until(
      `task ${id}`,
      async () => {
        const t = (await cp.call<Task>(cp.owner, 'GET', `/api/v1/tasks/${id}`)).body;
        return ['succeeded', 'failed', 'expired'].includes(t.state) ? t : undefined;
      },
      ms,
    );
  const node = async (h: Host) =>
    (await cp.call<NodeView>(cp.owner, 'GET', `/api/v1/nodes/${nodeIds.get(h)}`)).body;
  const attachment = async (h: Host) =>
    (await cp.call<Attachment>(cp.owner, 'GET', `/api/v1/attachments/${attachments.get(h)}`)).body;
  const settled = (h: Host, ms = 600_000) =>
    until(
      `attachment of ${h.name}`,
      async () => {
        const a = await attachment(h);
        return ['attached', 'failed', 'detached'].includes(a.state) ? a : undefined;
      },
      ms,
    );
  /** Whether `from` gets any HTTP answer (or, for 5050, a TCP connection) from `to`:port. */
  const reaches = async (from: Host, to: Host, port: number) =>
    (await from.exec('curl', ['-s', '-o', '/dev/null', '--max-time', '3', `http://${to.ip}:${port}/`]))
      .exitCode !== 7 &&
    (await from.exec('curl', ['-s', '-o', '/dev/null', '--max-time', '3', `http://${to.ip}:${port}/`]))
      .exitCode !== 28;
  const deploy = async (h: Host) => {
    const r = await cp.call<Task>(cp.owner, 'POST', `/api/v1/nodes/${nodeIds.get(h)}/deploy`, {
      acceptWarnings: ACCEPT,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const t = await finished(r.body.id);
    expect(t.state, `${h.name}: ${JSON.stringify(t.error)}`).toBe('succeeded');
  };
  const mlConfig = (h: Host, name: string) => ({
    name,
    role: 'mlnode',
    network: 'sim',
    seed: { apiUrl: seed.api, p2pAddress: seed.p2p },
    publicHost: h.ip,
    hfHome: '/srv/gnm-hf',
    bundle: { name: BUNDLE },
    extraValues: {
      GNM_SIM_MLNODE_IMAGE: images.mlnode,
      SIM_GPUS: ML_GPUS.sim,
      SIM_MODEL_DOWNLOAD_MS: '1000',
      // Published on the host's LAN address from the start, as an operator following the official
      // files does: the paths below are shown open before they are shown blocked.
      MLNODE_BIND_ADDRESS: h.ip,
    },
  });

  beforeAll(async () => {
    const [exe, pushed] = await Promise.all([agentExecutable(), pushSimImages(pool)]);
    const first = pushed[0];
    if (!first) throw new Error('no sim images');
    images = first;
    cp = await startTestControlPlane('sqlite', {
      listenHost: pool.descriptor.gatewayIp,
      agentBinary: exe.file,
      nodeHealthIntervalMs: 2000,
    });
    const [bundle] = simBundles([VERSION]);
    if (!bundle) throw new Error('no bundle');
    signAll(release, [bundle.dir]);
    await cp.services.bundles.import(await release.archive());
    seed = await startSeed(D, images.network, { SIM_EPOCH_LENGTH: '20' });
    cold = await createColdKey(D, images.network, COLD_DIR);
    await Promise.all([B, C].map((h) => installSimNvidiaSmi(h, ML_GPUS.profile)));
    for (const h of [A, B, C]) {
      const created = await cp.call<{ host: { id: string }; enrollment: { installCommand: string } }>(
        cp.owner,
        'POST',
        '/api/v1/hosts',
        { name: `host-${h.name}` },
      );
      hostIds.set(h, created.body.host.id);
      const p = h.spawn('sh', [
        '-c',
        `${created.body.enrollment.installCommand.replace('| sudo sh -s --', '| sh -s --')} --foreground`,
      ]);
      output.set(h.name, '');
      p.stdout?.on('data', (d: Buffer) => output.set(h.name, (output.get(h.name) ?? '') + d.toString()));
      p.stderr?.on('data', (d: Buffer) => output.set(h.name, (output.get(h.name) ?? '') + d.toString()));
      p.catch(() => undefined);
      agents.push(p);
    }
    for (const h of [A, B, C])
      await until(`${h.name} online`, async () => {
        const r = await cp.call<{ presence: string; lastReport: { probe?: unknown } | null }>(
          cp.owner,
          'GET',
          `/api/v1/hosts/${hostIds.get(h)}`,
        );
        return r.body.presence === 'online' && !!r.body.lastReport?.probe;
      });
  });

  afterAll(async () => {
    for (const p of agents) p.kill('SIGKILL');
    await Promise.all([A, B, C].map(resetAgentHost));
    await D.exec('docker', ['rm', '-f', 'sim-seed']);
    await D.exec('rm', ['-rf', COLD_DIR]);
    await cp?.close();
    cleanupTuf();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('deploys and registers the network node on A; the operator grants from the cold key', async () => {
    const created = await cp.call<NodeView>(cp.owner, 'POST', '/api/v1/nodes', {
      hostId: hostIds.get(A),
      config: {
        name: 'net-a',
        role: 'network',
        network: 'sim',
        seed: { apiUrl: seed.api, p2pAddress: seed.p2p },
        publicHost: A.ip,
        accountPubkey: cold.pubkey,
        bundle: { name: BUNDLE },
        // The official default publishes 9100 on every interface: shown open first.
        extraValues: {
          GNM_SIM_IMAGE: images.network,
          SIM_SETUP_REPORT_CACHE_MS: '1000',
          DAPI_CALLBACK_BIND_ADDRESS: A.ip,
        },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    nodeIds.set(A, created.body.id);
    await deploy(A);
    const reg = await cp.call<{ task: Task }>(cp.owner, 'POST', `/api/v1/nodes/${nodeIds.get(A)}/register`);
    expect(reg.status, JSON.stringify(reg.body)).toBe(202);
    expect((await finished(reg.body.task.id)).state).toBe('succeeded');
    const grant = (await node(A)).coldKey?.commands.find((c) => c.id === 'grant-ml-ops-permissions');
    const [, ...args] = grant?.argv ?? [];
    await D.docker(
      ['run', '--rm', '-i', '-v', `${COLD_DIR}:/root/.inference`, images.network, 'inferenced', ...args],
      {
        input: 'test-keyring-password\n',
      },
    );
  });

  it('deploys the ML nodes on B and C with the recommender’s serving configuration', async () => {
    for (const [h, name] of [
      [B, 'ml-b'],
      [C, 'ml-c'],
    ] as const) {
      const created = await cp.call<NodeView & { config: { serving?: { model: string } } }>(
        cp.owner,
        'POST',
        '/api/v1/nodes',
        { hostId: hostIds.get(h), config: mlConfig(h, name) },
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.config.serving?.model).toMatch(/\//);
      nodeIds.set(h, created.body.id);
    }
    await Promise.all([deploy(B), deploy(C)]);
  });

  it('before attaching: the internet (D) reaches the ML ports of B and C and A’s callback port', async () => {
    for (const h of [B, C]) {
      expect(await reaches(D, h, 8080), `D → ${h.name}:8080`).toBe(true);
      expect(await reaches(D, h, 5050), `D → ${h.name}:5050`).toBe(true);
    }
    expect(await reaches(D, A, 9100), 'D → A:9100').toBe(true);
    // 9200 is on 127.0.0.1 in the official files; the path to A itself is open (its public API).
    expect(await reaches(D, A, 8000), 'D → A:8000').toBe(true);
  });

  it('a wrong callback URL is caught by the connectivity check, nothing is registered, and the address to use is named', async () => {
    const wrong = `http://${pool.descriptor.subnet.replace(/0\/24$/, '250')}:9100`;
    const r = await cp.call<Attachment>(cp.owner, 'POST', `/api/v1/nodes/${nodeIds.get(A)}/attachments`, {
      mlNodeId: nodeIds.get(B),
      networkAddress: A.ip,
      mlAddress: B.ip,
      callbackUrl: wrong,
      acceptWarnings: ACCEPT,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    attachments.set(B, r.body.id);
    const a = await settled(B);
    expect(a.state, JSON.stringify(a)).toBe('failed');
    expect(a.step).toBe('check-ml-side');
    expect(a.error).toContain(`cannot reach the PoC callback URL ${wrong}`);
    expect(a.error).toContain(`use that as the callback URL`);
    expect(a.error).toContain(`http://${A.ip}:9100`);
    const listed = (await admin(A, 'GET', '/admin/v1/nodes')).body as { node: { id: string } }[];
    expect(listed.map((n) => n.node.id)).not.toContain('ml-b');
  });

  it('attaches B (with the callback fixed) and C', async () => {
    const fixed = await cp.call<Attachment>(cp.owner, 'PUT', `/api/v1/attachments/${attachments.get(B)}`, {
      callbackUrl: `http://${A.ip}:9100`,
    });
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(202);
    const r = await cp.call<Attachment>(cp.owner, 'POST', `/api/v1/nodes/${nodeIds.get(A)}/attachments`, {
      mlNodeId: nodeIds.get(C),
      networkAddress: A.ip,
      mlAddress: C.ip,
      acceptWarnings: ACCEPT,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    attachments.set(C, r.body.id);
    for (const h of [B, C]) {
      const a = await settled(h);
      expect(a.state, `${h.name}: ${a.error ?? ''}`).toBe('attached');
      expect(a.checks?.network.every((c) => c.ok)).toBe(true);
      expect(a.checks?.ml.every((c) => c.ok)).toBe(true);
    }
    const listed = (await admin(A, 'GET', '/admin/v1/nodes')).body as {
      node: { id: string; host: string };
    }[];
    expect(listed.find((n) => n.node.id === 'ml-b')?.node.host).toBe(B.ip);
    expect(listed.find((n) => n.node.id === 'ml-c')?.node.host).toBe(C.ip);
  });

  it('attached: A reaches B and C; D reaches none of them, nor A’s 9100 or 9200; B and C reach A’s 9100', async () => {
    for (const h of [B, C]) {
      expect(await reaches(A, h, 8080), `A → ${h.name}:8080`).toBe(true);
      expect(await reaches(A, h, 5050), `A → ${h.name}:5050`).toBe(true);
      expect(await reaches(D, h, 8080), `D → ${h.name}:8080`).toBe(false);
      expect(await reaches(D, h, 5050), `D → ${h.name}:5050`).toBe(false);
      expect(await reaches(h, A, 9100), `${h.name} → A:9100`).toBe(true);
    }
    expect(await reaches(D, A, 9100), 'D → A:9100').toBe(false);
    expect(await reaches(D, A, 9200), 'D → A:9200').toBe(false);
    expect(await reaches(D, A, 8000), 'D → A:8000 (public)').toBe(true);
  });

  it('both ML nodes earn PoC weight in the same epoch', async () => {
    const both = await until(
      'both ML nodes with weight in one read of A',
      async () => {
        const ml = (await node(A)).health.facts?.mlNodes ?? [];
        const w = (id: string) => ml.find((m) => m.id === id)?.pocWeight ?? 0;
        return w('ml-b') > 0 && w('ml-c') > 0 ? ml : undefined;
      },
      240_000,
    );
    expect(
      both
        .filter((m) => (m.pocWeight ?? 0) > 0)
        .map((m) => m.id)
        .sort(),
    ).toEqual(['ml-b', 'ml-c']);
  });

  it('detaching C: disabled, removed after the epoch boundary, its rules gone; D reaches C again as it still publishes', async () => {
    const r = await cp.call<Attachment>(cp.owner, 'DELETE', `/api/v1/attachments/${attachments.get(C)}`);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const a = await settled(C);
    expect(a.state, a.error ?? '').toBe('detached');
    const listed = (await admin(A, 'GET', '/admin/v1/nodes')).body as { node: { id: string } }[];
    expect(listed.map((n) => n.node.id)).not.toContain('ml-c');
    expect(listed.map((n) => n.node.id)).toContain('ml-b');
    expect((await C.exec('iptables', ['-S', 'GNM-FWD'])).exitCode).not.toBe(0);
    expect(await reaches(D, C, 8080), 'D → C:8080 after detach').toBe(true);
    // B stays attached and protected; A's callback no longer admits C.
    expect(await reaches(D, B, 8080), 'D → B:8080').toBe(false);
    expect(await reaches(C, A, 9100), 'C → A:9100 after detach').toBe(false);
    expect(await reaches(B, A, 9100), 'B → A:9100').toBe(true);
  });
});
