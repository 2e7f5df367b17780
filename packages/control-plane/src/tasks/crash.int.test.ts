import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAgent } from '@gnm/protocol/testing';
import { openDatabase } from '../db/open.js';
import { Accounts } from '../accounts/accounts.js';
import { AuditLog } from '../audit/audit-log.js';
import { ApiTokens } from '../tokens/api-tokens.js';
import { Hosts } from '../hosts/hosts.js';

/**
 * DESIGN invariant 8 against a real process: the control plane is killed with SIGKILL while a task is
 * running on a host, restarted on the same data folder, and the task completes exactly once.
 */
const MAIN = path.resolve(import.meta.dirname, '../main.ts');

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });

const until = async (f: () => boolean | Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await f().valueOf())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('crash safety: kill -9 the control plane mid-task (SQLite, real process)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-crash-'));
  let port = 0;
  let token = '';
  let enrollToken = '';
  let hostId = '';
  let server: ChildProcess | undefined;
  let enrolled: TestAgent | undefined;

  const start = async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: {
        ...process.env,
        GNM_DATA_DIR: dataDir,
        GNM_PORT: String(port),
        GNM_LOG_LEVEL: 'warn',
        GNM_OUTBOUND_ALLOW: 'loopback,private',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    await until(() => out.includes('identity fingerprint') || child.exitCode !== null, 30_000);
    if (child.exitCode !== null) throw new Error(`control plane exited: ${out}`);
    server = child;
    return child;
  };
  const kill9 = async () => {
    const s = server;
    if (!s) return;
    const exited = new Promise((r) => s.once('exit', r));
    s.kill('SIGKILL');
    await exited;
    server = undefined;
  };
  const api = <T>(method: string, url: string, body?: unknown) =>
    new Promise<{ status: number; body: T }>((resolve, reject) => {
      const req = https.request(
        `https://127.0.0.1:${port}${url}`,
        {
          method,
          rejectUnauthorized: false, // the test reads the pins from the data folder below; this is the test's own channel
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
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
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });

  beforeAll(async () => {
    port = await freePort();
    const opened = await openDatabase({ dataDir });
    const audit = new AuditLog(opened.db);
    const owner = await new Accounts(opened.db, audit).insertUser(
      'owner@example.org',
      'long enough password',
      'owner',
    );
    token = (await new ApiTokens(opened.db).create(owner, 'crash-test', 'write', 1)).token;
    const created = await new Hosts(opened.db, audit, 3600_000).create(owner, 'crash-host');
    enrollToken = created.enrollment.token;
    hostId = created.host.id;
    await opened.close();
  });
  afterAll(async () => {
    await kill9();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a task running when the server is killed completes exactly once after the restart', async () => {
    await start();
    const instance = await api<{ cpFingerprint: string; tlsPin: string }>('GET', '/api/v1/instance');
    const pins = {
      url: `https://127.0.0.1:${port}`,
      cpFingerprint: instance.body.cpFingerprint,
      tlsPin: instance.body.tlsPin,
    };
    let runs = 0;
    let gate: () => void = () => {};
    const journalFile = path.join(dataDir, 'agent-journal.json');
    const first = await TestAgent.enroll(pins, enrollToken, {
      journalFile,
      execute: async (_op, emit) => {
        runs++;
        emit({ progress: { phase: 'working' } });
        await new Promise<void>((r) => (gate = r));
        return { ok: true, result: { finished: true } };
      },
    });
    enrolled = first;
    await first.connect();
    const created = await api<{ id: string }>('POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'stack.status',
    });
    expect(created.status).toBe(201);
    await until(
      async () =>
        (await api<{ state: string }>('GET', `/api/v1/tasks/${created.body.id}`)).body.state === 'running',
    );

    await kill9();
    gate(); // the operation finishes on the host while the control plane is down; its result is journaled
    await first.closed();

    await start();
    // The agent reconnects (its process kept running: same journal, same identity).
    const agent = first.restart();
    await until(async () => {
      try {
        await agent.connect();
        return true;
      } catch {
        return false;
      }
    });
    await until(
      async () =>
        (await api<{ state: string }>('GET', `/api/v1/tasks/${created.body.id}`)).body.state === 'succeeded',
    );
    const t = (
      await api<{ state: string; deliveries: number; result: unknown; events: unknown[] }>(
        'GET',
        `/api/v1/tasks/${created.body.id}`,
      )
    ).body;
    expect(runs).toBe(1);
    expect(t.deliveries).toBe(2);
    expect(t.result).toEqual({ finished: true });
    expect(t.events).toHaveLength(1);
    agent.close();
  });

  it('a task queued for an offline host survives kill -9 and is delivered once when the host connects', async () => {
    // The first case's agent has closed its socket; the server must have seen it go, or the task below
    // would be sent to that closing connection (and journaled there as started) instead of queued.
    await until(
      async () =>
        (await api<{ presence: string }>('GET', `/api/v1/hosts/${hostId}`)).body.presence !== 'online',
    );
    const queued = await api<{ id: string; state: string }>('POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'host.probe',
    });
    expect(queued.body.state).toBe('queued');
    await kill9();
    await start();
    const instance = await api<{ cpFingerprint: string; tlsPin: string }>('GET', '/api/v1/instance');
    let runs = 0;
    const opened = await openDatabase({ dataDir });
    const host = await opened.db
      .selectFrom('hosts')
      .selectAll()
      .where('id', '=', hostId)
      .executeTakeFirstOrThrow();
    await opened.close();
    const journalFile = path.join(dataDir, 'agent-journal.json');
    const identityStillPinned = host.agent_public_key;
    expect(identityStillPinned).toBeTruthy();
    // The same agent (identity and journal) as in the first case, now with the host offline until here.
    const agent = enrolled;
    if (!agent) throw new Error('the first test did not enroll an agent');
    const again = new TestAgent({
      ...agent.o,
      pins: {
        url: `https://127.0.0.1:${port}`,
        cpFingerprint: instance.body.cpFingerprint,
        tlsPin: instance.body.tlsPin,
      },
      journalFile,
      execute: async () => {
        runs++;
        return { ok: true, result: { probed: true } };
      },
    });
    await again.connect();
    await until(
      async () =>
        (await api<{ state: string }>('GET', `/api/v1/tasks/${queued.body.id}`)).body.state === 'succeeded',
    );
    expect(runs).toBe(1);
    again.close();
  });
});
