import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { sharedPool } from '@gnm/testkit/vitest';
import { pushSimImages } from '@gnm/sim/testing';
import { Release, cleanupTuf } from '@gnm/control-plane/testing/tuf-release';
import { seedOwnerAndHost } from '@gnm/control-plane/testing/seed-data';
import { agentExecutable, signAll, simBundles, tmp } from './fixtures.js';

/**
 * The control plane's exactly-once crash test (DESIGN invariant 8), repeated with the real agent: the
 * control plane process is killed with SIGKILL while the single-executable agent on a harness host is
 * in the middle of a stack.apply. The apply finishes on the host while the control plane is down; after
 * the restart the agent reconnects, the task is redelivered, the journal answers it, and the task has
 * one result from one run.
 */
const MAIN = path.resolve(import.meta.dirname, '../../../control-plane/src/main.ts');
const BUNDLE = 'gonka-join-sim';
const VERSION = '0.2.14-1';

interface Task {
  state: string;
  deliveries: number;
  result: { release?: string } | null;
  error: unknown;
  events: { progress?: { phase: string } }[];
}

describe('crash safety with the real agent: kill -9 the control plane during an apply', () => {
  const pool = sharedPool();
  const host = pool.host('agent');
  const gw = pool.descriptor.gatewayIp;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-agent-cp-crash-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const release = new Release();
  let server: ChildProcess | undefined;
  let agent: ResultPromise | undefined;
  let token = '';
  let hostId = '';
  let enrollToken = '';
  let images = { network: '', mlnode: '' };
  let agentOutput = '';

  const until = async (what: string, f: () => Promise<boolean>, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!(await f())) {
      if (Date.now() > end)
        throw new Error(`${what}: not in time. Agent output:\n${agentOutput.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const api = <T>(method: string, url: string, body?: unknown, contentType = 'application/json') =>
    new Promise<{ status: number; body: T }>((resolve, reject) => {
      const req = https.request(
        `https://${gw}:${port}${url}`,
        {
          method,
          rejectUnauthorized: false, // the test's own channel; the agent pins the key
          headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : undefined) as T }),
          );
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body));
    });
  const start = async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: {
        ...process.env,
        GNM_DATA_DIR: dataDir,
        GNM_HOST: gw,
        GNM_PORT: String(port),
        GNM_PUBLIC_URL: `https://${gw}:${port}`,
        GNM_LOG_LEVEL: 'warn',
        GNM_OUTBOUND_ALLOW: 'loopback,private',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const end = Date.now() + 30_000;
    while (!out.includes('identity fingerprint') && child.exitCode === null && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    if (child.exitCode !== null || !out.includes('identity fingerprint'))
      throw new Error(`control plane did not start: ${out}`);
    server = child;
  };
  const kill9 = async () => {
    const s = server;
    if (!s) return;
    const exited = new Promise((r) => s.once('exit', r));
    s.kill('SIGKILL');
    await exited;
    server = undefined;
  };

  beforeAll(async () => {
    const [, pushed] = await Promise.all([agentExecutable(), pushSimImages(pool)]);
    const first = pushed[0];
    if (!first) throw new Error('no sim images');
    images = { network: first.network, mlnode: first.mlnode };
    ({ token, hostId, enrollToken } = await seedOwnerAndHost(dataDir, 'crash-agent'));
    signAll(
      release,
      simBundles([VERSION]).map((b) => b.dir),
    );
  });
  afterAll(async () => {
    agent?.kill('SIGKILL');
    await kill9();
    await host.exec('docker', ['compose', '--project-name', 'join', 'down', '--remove-orphans', '--volumes']);
    await host.exec('rm', [
      '-rf',
      '/var/lib/gnm-agent',
      '/srv/gnm',
      '/srv/gnm-hf',
      '/usr/local/bin/gnm-agent',
    ]);
    fs.rmSync(dataDir, { recursive: true, force: true });
    cleanupTuf();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('an apply running when the control plane is killed completes once, with one result', async () => {
    await start();
    const imported = await api<{ initialRootSha256: string | null }>(
      'POST',
      '/api/v1/bundles',
      await release.archive(),
      'application/gzip',
    );
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const instance = await api<{ cpFingerprint: string; tlsPin: string; rootSha256: string | null }>(
      'GET',
      '/api/v1/instance',
    );
    const rootSha256 = imported.body.initialRootSha256 ?? instance.body.rootSha256 ?? '';

    const exe = await agentExecutable();
    await host.copyIn(path.dirname(exe.file), '/usr/local/lib/gnm-agent-download');
    await host.run('install', [
      '-m',
      '0755',
      '/usr/local/lib/gnm-agent-download/gnm-agent',
      '/usr/local/bin/gnm-agent',
    ]);
    await host.run('rm', ['-rf', '/usr/local/lib/gnm-agent-download']);
    await host.run('/usr/local/bin/gnm-agent', [
      'enroll',
      '--control-plane',
      `https://${gw}:${port}`,
      '--token',
      enrollToken,
      '--cp-fingerprint',
      instance.body.cpFingerprint,
      '--tls-pin',
      instance.body.tlsPin,
      '--root-sha256',
      rootSha256,
    ]);
    agent = host.spawn('/usr/local/bin/gnm-agent', ['run']);
    agent.stdout?.on('data', (d: Buffer) => (agentOutput += d.toString()));
    agent.stderr?.on('data', (d: Buffer) => (agentOutput += d.toString()));
    await until('agent online', async () => {
      const h = await api<{ presence: string }>('GET', `/api/v1/hosts/${hostId}`);
      return h.body.presence === 'online';
    });

    const created = await api<{ id: string }>('POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'stack.apply',
      params: {
        bundle: BUNDLE,
        version: VERSION,
        role: 'network',
        values: {
          KEY_NAME: 'warm-key',
          PUBLIC_URL: `http://${host.ip}:8000`,
          P2P_EXTERNAL_ADDRESS: `tcp://${host.ip}:5000`,
          ACCOUNT_PUBKEY: 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd',
          HF_HOME: '/srv/gnm-hf',
          SEED_API_URL: `http://${host.ip}:18000`,
          SEED_NODE_RPC_URL: `http://${host.ip}:18000/chain-rpc/`,
          SEED_NODE_P2P_URL: `tcp://${host.ip}:15000`,
          RPC_SERVER_URL_1: `http://${host.ip}:18000/chain-rpc/`,
          RPC_SERVER_URL_2: `http://${host.ip}:18000/chain-rpc/`,
          GNM_SIM_IMAGE: images.network,
          GNM_SIM_MLNODE_IMAGE: images.mlnode,
        },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const task = () => api<Task>('GET', `/api/v1/tasks/${created.body.id}`);
    // Killed once the bundle is on the host (the control plane also serves the bundle repository).
    await until('the apply is past verification', async () =>
      (await task()).body.events.some((e) => e.progress?.phase === 'pull' || e.progress?.phase === 'start'),
    );
    await kill9();
    // The apply goes on and finishes on the host with nobody to tell: its result is journaled.
    await until(
      'the journaled result',
      async () =>
        (
          await host.exec('grep', [
            '-q',
            '"state":"done"',
            `/var/lib/gnm-agent/journal/${created.body.id}.json`,
          ])
        ).exitCode === 0,
      120_000,
    );
    await start();
    await until(
      'the redelivered task answered',
      async () => {
        const t = (await task()).body;
        if (t.state !== 'running' && t.state !== 'succeeded') throw new Error(JSON.stringify(t));
        return t.state === 'succeeded';
      },
      90_000,
    ).catch(async (e: Error) => {
      const h = await api('GET', `/api/v1/hosts/${hostId}`);
      throw new Error(
        `${e.message}\ntask: ${JSON.stringify((await task()).body)}\nhost: ${JSON.stringify(h.body).slice(0, 600)}`,
      );
    });
    const t = (await task()).body;
    expect(t.result?.release).toBe(VERSION);
    expect(t.deliveries).toBe(2);
    // One run: the verification phase was reported once (a second run would report it again).
    expect(t.events.filter((e) => e.progress?.phase === 'verify')).toHaveLength(1);
    expect((await host.run('readlink', ['/srv/gnm/join/current'])).trim()).toBe(`releases/${VERSION}`);
  });
});
