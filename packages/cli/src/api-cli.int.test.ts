import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import selfsigned from 'selfsigned';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Repository, ROLES, buildBundle, generateKey, publishBundle } from '@gnm/bundle';
import { startTestControlPlane, type TestControlPlane } from '@gnm/control-plane/testing';
import { TestAgent } from '@gnm/protocol/testing';
import { joinDir } from '@gnm/testkit';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '../../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-cli-api-'));
const CONFIG = path.join(tmp, 'home/.config/gnm/config.json');

interface Run {
  code: number;
  out: string;
  err: string;
  json: <T = Record<string, unknown>>() => T;
}

/**
 * The real CLI as a child process, asynchronously: the control plane runs in this process, so a
 * blocking spawn would stall it. The environment carries only the config file (no GNM_* leaks in).
 */
function start(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GNM_')));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'main.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { ...clean, HOME: path.join(tmp, 'home'), GNM_CONFIG: CONFIG, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? -1, out, err, json: <T>() => JSON.parse(out) as T })),
  );
  return { child, done, out: () => out, err: () => err };
}
const gnm = (args: string[], env?: Record<string, string>): Promise<Run> => start(args, env).done;

const until = async (f: () => boolean | Promise<boolean>, what: string, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

const ndjson = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> });

/** A TLS server with a key of its own that records every request it gets (an impostor). */
async function impostor(claims: Record<string, unknown>) {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'impostor' }], {
    keyType: 'ec',
    curve: 'P-256',
  });
  const seen: { url: string; authorization: string | undefined }[] = [];
  const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(claims));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A signed repository archive, made the way `gnm bundle keys init / build / sign / publish / export` do. */
async function releaseArchive(): Promise<string> {
  const dir = path.join(tmp, 'release');
  const keys = Object.fromEntries(ROLES.map((r) => [r, [generateKey(r)]])) as Parameters<
    typeof Repository.init
  >[1];
  const repo = Repository.init(path.join(dir, 'repo'), keys);
  buildBundle({
    from: joinDir('v0.2.14'),
    manifest: path.join(REPO_ROOT, 'packages/bundle/manifests/gonka-join-v0.2.14.json'),
    out: path.join(dir, 'bundle'),
    files: { 'genesis/genesis.json': path.join(REPO_ROOT, 'packages/sim/compose/genesis.json') },
  });
  publishBundle(repo, path.join(dir, 'bundle'), keys.targets);
  repo.publish(keys.snapshot, keys.timestamp);
  const out = path.join(dir, 'release.tar.gz');
  await tar.create({ gzip: true, file: out, cwd: path.join(dir, 'repo'), portable: true }, [
    'metadata',
    'targets',
  ]);
  return out;
}

describe('gnm against a real control plane (HTTPS, self-signed, pinned)', { timeout: 60_000 }, () => {
  let cp: TestControlPlane;
  let token: string;
  let readToken: string;
  let pin: string;

  beforeAll(async () => {
    cp = await startTestControlPlane('sqlite');
    pin = cp.pins.tlsPin ?? '';
    const mk = async (name: string, scope: 'read' | 'write') =>
      (await cp.call<{ token: string }>(cp.owner, 'POST', '/api/v1/tokens', { name, scope })).body.token;
    token = await mk('cli', 'write');
    readToken = await mk('cli-read', 'read');
  }, 120_000);
  afterAll(async () => {
    await cp.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('login: nothing saved until the key is trusted; --trust pins it; a given pin is checked; 0600 config', async () => {
    const refused = await gnm(['login', '--url', cp.url, '--token', token]);
    expect(refused.code, refused.err).toBe(2);
    expect(refused.err).toContain(pin);
    expect(refused.err).toContain(cp.pins.cpFingerprint);
    expect(refused.err).toMatch(/trust on first use/);
    expect(refused.err).toMatch(/--trust/);
    expect(fs.existsSync(CONFIG)).toBe(false);

    const tofu = await gnm(['--json', 'login', '--url', cp.url, '--token', token, '--trust']);
    expect(tofu.code, tofu.err).toBe(0);
    expect(tofu.json()).toMatchObject({ url: cp.url, tlsPin: pin, trustedOnFirstUse: true, hosts: 0 });
    expect(JSON.parse(fs.readFileSync(CONFIG, 'utf8'))).toEqual({
      url: cp.url,
      token,
      tlsPin: pin,
      cpFingerprint: cp.pins.cpFingerprint,
    });
    expect((fs.statSync(CONFIG).mode & 0o777).toString(8)).toBe('600');
    expect((fs.statSync(path.dirname(CONFIG)).mode & 0o777).toString(8)).toBe('700');
    expect(tofu.out).not.toContain(token);

    const pinned = await gnm(['login', '--url', cp.url, '--token', token, '--tls-pin', pin]);
    expect(pinned.code, pinned.err).toBe(0);
    expect(pinned.out).toMatch(/Logged in to https:\/\/127\.0\.0\.1:\d+ \(0 hosts\)/);

    const badToken = await gnm(['login', '--url', cp.url, '--token', `gnmt_${'x'.repeat(43)}`]);
    expect(badToken.code).toBe(1);
    expect(badToken.err).toMatch(/Invalid token: The API token is unknown/);
    expect(JSON.parse(fs.readFileSync(CONFIG, 'utf8'))).toMatchObject({ token });
  });

  it('a server with another TLS key never gets the token: wrong pin and relabelled pins exit 2', async () => {
    const fake = await impostor({ ...cp.pins, tlsMode: 'self-signed', publicUrl: cp.url });
    try {
      const login = await gnm(['login', '--url', fake.url, '--token', token, '--tls-pin', pin]);
      expect(login.code, login.err).toBe(2);
      expect(login.err).toMatch(/TLS key is not the pinned one \(nothing was sent\)/);
      // An API command pointed at it with the real control plane's pin (GNM_URL/GNM_TLS_PIN override).
      const list = await gnm(['hosts', 'list'], { GNM_URL: fake.url, GNM_TLS_PIN: pin, GNM_TOKEN: token });
      expect(list.code, list.err).toBe(2);
      expect(fake.seen).toEqual([]); // refused during the TLS handshake: no request at all

      // Trust on first use: the impostor claims the real pin, but presents its own key.
      const tofu = await gnm(['login', '--url', fake.url, '--token', token, '--trust']);
      expect(tofu.code, tofu.err).toBe(2);
      expect(tofu.err).toMatch(/presents TLS key sha256\/\/.* but the control plane says its key is/);
      expect(fake.seen.map((s) => s.url)).toEqual(['/api/v1/instance']);
      expect(fake.seen.every((s) => s.authorization === undefined)).toBe(true);
    } finally {
      await fake.close();
    }
    // The saved login is untouched.
    expect(JSON.parse(fs.readFileSync(CONFIG, 'utf8'))).toMatchObject({ url: cp.url, tlsPin: pin });
  });

  it('hosts: add prints the install command; list, show and revoke, human and --json', async () => {
    const added = await gnm(['hosts', 'add', 'gpu-01']);
    expect(added.code, added.err).toBe(0);
    expect(added.out).toContain(`--tls-pin '${pin}'`);
    expect(added.out).toMatch(/Run this on gpu-01, as root/);
    expect(added.out).toMatch(/WARNING: No signed bundle repository is imported yet/);

    const addedJson = await gnm(['--json', 'hosts', 'add', 'gpu-02']);
    const h2 = addedJson.json<{ host: { id: string; state: string }; enrollment: { token: string } }>();
    expect(h2.host.state).toBe('pending');
    expect(h2.enrollment.token).toMatch(/^gnm-enroll-/);

    const dup = await gnm(['hosts', 'add', 'gpu-02']);
    expect(dup.code).toBe(1);
    expect(dup.err).toMatch(/^gnm: Name taken: you already have a host named "gpu-02"/);

    const list = await gnm(['hosts', 'list']);
    expect(list.code, list.err).toBe(0);
    expect(list.out.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATE\s+PRESENCE\s+AGENT\s+HOSTNAME\s+LAST SEEN$/);
    expect(list.out).toMatch(/gpu-01\s+pending\s+never-connected/);
    const listJson = await gnm(['hosts', 'list', '--json']);
    expect(
      listJson
        .json<{ hosts: { name: string }[] }>()
        .hosts.map((h) => h.name)
        .sort(),
    ).toEqual(['gpu-01', 'gpu-02']);

    const show = await gnm(['hosts', 'show', 'gpu-02']); // by name
    expect(show.code, show.err).toBe(0);
    expect(show.out).toContain(`gpu-02 (${h2.host.id})`);
    expect(show.out).toMatch(/state:\s+pending/);
    expect((await gnm(['--json', 'hosts', 'show', h2.host.id])).json()).toMatchObject({ name: 'gpu-02' });
    const missing = await gnm(['hosts', 'show', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no host named "nope"/);

    const renewed = await gnm(['hosts', 'enrollment', 'gpu-01']);
    expect(renewed.code, renewed.err).toBe(0);
    expect(renewed.out).toMatch(/Run this on gpu-01, as root.*\n\n {2}curl .*--token 'gnm-enroll-/);

    const unconfirmed = await gnm(['hosts', 'revoke', 'gpu-02']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.err).toMatch(/--yes/);
    const revoked = await gnm(['--json', 'hosts', 'revoke', 'gpu-02', '--yes']);
    expect(revoked.code, revoked.err).toBe(0);
    expect(revoked.json()).toMatchObject({ id: h2.host.id, state: 'revoked' });
  });

  it('tasks: run, watch live (human and NDJSON), exit 1 for a failed task, list and show', async () => {
    const added = (await gnm(['--json', 'hosts', 'add', 'gpu-03'])).json<{
      host: { id: string };
      enrollment: { token: string };
    }>();
    const agent = await TestAgent.enroll(cp.pins, added.enrollment.token, {
      execute: async (op, emit) => {
        if (op.op === 'host.probe')
          return { ok: false, error: { code: 'no-docker', message: 'docker is not installed' } };
        emit({ progress: { phase: 'pulling', done: 1, total: 3 } });
        await new Promise((r) => setTimeout(r, 300));
        emit({ progress: { phase: 'starting', done: 3, total: 3 }, log: 'container join-node-1 started' });
        return { ok: true, result: { containers: 3 } };
      },
    });

    // Queued while the agent is offline; both watchers are following before it connects.
    const run = await gnm(['--json', 'tasks', 'run', 'gpu-03', 'stack.status']);
    expect(run.code, run.err).toBe(0);
    const taskId = run.json<{ id: string; state: string }>().id;
    expect(run.json()).toMatchObject({ state: 'queued', op: 'stack.status' });
    // Count live stream subscriptions, to connect the agent only once all three watchers listen.
    const bus = cp.services.taskBus;
    const subscribe = bus.subscribe.bind(bus);
    let listening = 0;
    bus.subscribe = (listener) => {
      listening++;
      const off = subscribe(listener);
      return () => {
        listening--;
        off();
      };
    };
    const human = start(['tasks', 'watch', taskId]);
    const lines = start(['--json', 'tasks', 'watch', taskId]);
    const all = start(['--json', 'tasks', 'watch']);
    await until(() => listening === 3 && human.out().includes('queued'), 'the watchers');
    await agent.connect();

    const h = await human.done;
    expect(h.code, h.err).toBe(0);
    expect(h.out).toMatch(
      new RegExp(
        `^${taskId}  stack.status on gpu-03  \\(created \\d\\d:\\d\\d:\\d\\d\\)\n\\d\\d:\\d\\d:\\d\\d  queued\n`,
      ),
    );
    expect(h.out).toMatch(/\d\d:\d\d:\d\d {2}pulling 1\/3\n/);
    expect(h.out).toMatch(/starting 3\/3 — container join-node-1 started/);
    expect(h.out).toMatch(/succeeded {2}\{"containers":3\}/);
    const l = await lines.done;
    expect(l.code, l.err).toBe(0);
    const msgs = ndjson(l.out);
    expect(msgs.filter((m) => m.event === 'event').map((m) => m.data.seq)).toEqual([0, 1]);
    expect(msgs.at(-1)).toMatchObject({ event: 'task', data: { id: taskId, state: 'succeeded' } });

    // A failing operation: the exit code is the task's outcome.
    const failed = await gnm(['tasks', 'run', added.host.id, 'host.probe', '--watch']);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/task tsk_\w+ failed: no-docker: docker is not installed/);

    await until(() => all.out().includes('"failed"'), 'the all-tasks stream');
    all.child.kill('SIGTERM');
    await all.done;
    const allMsgs = ndjson(all.out());
    expect(allMsgs.some((m) => m.event === 'event' && m.data.taskId === taskId)).toBe(true);
    expect(
      allMsgs.some((m) => m.event === 'task' && m.data.id === taskId && m.data.state === 'succeeded'),
    ).toBe(true);

    const bad = await gnm(['tasks', 'run', 'gpu-03', 'rm-rf']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/unknown operation "rm-rf"/);
    expect((await gnm(['tasks', 'run', 'gpu-03', 'host.probe', '--params', '{nope'])).code).toBe(2);

    const list = await gnm(['tasks', 'list', '--host', 'gpu-03']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(new RegExp(`${taskId}\\s+gpu-03\\s+stack.status\\s+succeeded`));
    expect(list.out).toMatch(/host\.probe\s+failed.*no-docker: docker is not installed/);
    const failedOnly = await gnm(['--json', 'tasks', 'list', '--state', 'failed']);
    expect(failedOnly.json<{ tasks: { op: string }[] }>().tasks.map((t) => t.op)).toEqual(['host.probe']);
    const show = await gnm(['tasks', 'show', taskId]);
    expect(show.out).toMatch(/result:\s+\{"containers":3\}/);
    expect(show.out).toMatch(/events:\n {2}\d\d:\d\d:\d\d {2}pulling 1\/3/);
    agent.close();
    await agent.closed();
    const queued = (await gnm(['--json', 'tasks', 'run', 'gpu-03', 'host.probe'])).json<{ id: string }>();
    const cancelled = await gnm(['tasks', 'cancel', queued.id]);
    expect(cancelled.code, cancelled.err).toBe(0);
    expect(cancelled.out).toBe(`${queued.id}: cancelled\n`);
  });

  it('a read-scoped token reads but is refused changes (exit 1, with the problem)', async () => {
    const env = { GNM_TOKEN: readToken };
    expect((await gnm(['hosts', 'list'], env)).code).toBe(0);
    const add = await gnm(['hosts', 'add', 'gpu-ro'], env);
    expect(add.code).toBe(1);
    expect(add.err).toContain('gnm: Read-only token: This API token is scoped read');
    const asJson = await gnm(['--json', 'hosts', 'add', 'gpu-ro'], env);
    expect(asJson.code).toBe(1);
    expect(asJson.json()).toMatchObject({ exitCode: 1, problem: { status: 403, title: 'Read-only token' } });
  });

  it('bundle import (twice: idempotent), list and trust', async () => {
    const archive = await releaseArchive();
    const imported = await gnm(['bundle', 'import', archive]);
    expect(imported.code, imported.err).toBe(0);
    expect(imported.out).toMatch(/gonka-join 0\.2\.14-1 .*new/);
    expect(imported.out).toMatch(/is now the trusted root: check that its sha256 [0-9a-f]{64}/);
    const again = await gnm(['--json', 'bundles', 'import', archive]);
    expect(again.code, again.err).toBe(0);
    expect(again.json()).toMatchObject({ changed: false, trustEstablished: false });

    const list = await gnm(['bundle', 'list']);
    expect(list.out).toMatch(/^NAME\s+VERSION\s+GONKA\s+FILES\s+IMPORTED\ngonka-join\s+0\.2\.14-1\s/);
    const trust = await gnm(['--json', 'bundle', 'trust']);
    expect(trust.json()).toMatchObject({ rootSha256: again.json<{ rootSha256: string }>().rootSha256 });
    const missing = await gnm(['bundle', 'import', path.join(tmp, 'missing.tar.gz')]);
    expect(missing.code).toBe(2);
    const notGzip = path.join(tmp, 'junk.tar.gz');
    fs.writeFileSync(notGzip, crypto.randomBytes(100));
    const junk = await gnm(['bundle', 'import', notGzip]);
    expect(junk.code).toBe(1);
    expect(junk.err).toMatch(/^gnm: Invalid archive/);
  });

  it('audit lists what the CLI did', async () => {
    const r = await gnm(['--json', 'audit', '--limit', '200']);
    expect(r.code, r.err).toBe(0);
    const actions = r.json<{ entries: { action: string }[] }>().entries.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['host.create', 'host.revoke', 'task.create', 'bundle.import']),
    );
    const human = await gnm(['audit', '--limit', '5']);
    expect(human.out.split('\n')[0]).toMatch(/^SEQ\s+WHEN\s+ACTION\s+OUTCOME\s+TARGET\s+SOURCE\s+ACTOR$/);
    expect(human.out.trim().split('\n')).toHaveLength(6);
  });

  it('node: create refuses a recovery phrase (exit 1, nothing stored); create, list, deploy followed live, show with the cold-key steps', async () => {
    const added = (await gnm(['--json', 'hosts', 'add', 'gpu-node'])).json<{
      host: { id: string };
      enrollment: { token: string };
    }>();
    const phrase =
      'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title';
    const base = ['node', 'create', 'gpu-node', '--role', 'network', '--public-host', '203.0.113.9'];
    const refused = await gnm([...base, '--name', 'n1', '--account-pubkey', phrase]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/accountPubkey: .*(recovery phrase|mnemonic)/i);
    expect(refused.err).not.toContain('sausage');
    const created = await gnm([
      '--json',
      ...base,
      '--name',
      'n1',
      '--account-pubkey',
      'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd',
      '--set',
      'DISABLE_FAIL2BAN=true',
    ]);
    expect(created.code, created.err).toBe(0);
    expect(created.json()).toMatchObject({ name: 'n1', role: 'network', state: 'configured' });
    const list = await gnm(['node', 'list']);
    expect(list.out).toMatch(/n1\s+network\s+mainnet\s+configured\s+unknown/);

    await cp.db.db
      .insertInto('bundles')
      .values({
        name: 'gonka-join',
        version: '0.2.14-1',
        gonka_release: 'v0.2.14',
        file_count: 1,
        targets_version: 1,
        imported_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const warm = 'gonka1qurswpc8qurswpc8qurswpc8qurswpc8rxqy8r';
    const agent = await TestAgent.enroll(cp.pins, added.enrollment.token, {
      execute: async (op, emit) => {
        if (op.op !== 'node.deploy') return { ok: false, error: { code: 'unexpected', message: op.op } };
        emit({
          progress: { phase: 'warm-key' },
          log: 'creating warm key warm-key in the api container (password on stdin)',
        });
        return {
          ok: true,
          result: {
            release: '0.2.14-1',
            previous: null,
            role: 'network',
            containers: [],
            warmKey: {
              name: 'warm-key',
              address: warm,
              pubkey: 'A3',
              created: true,
              mnemonicFile: '/var/lib/gnm-agent/secrets/WARM_KEY_MNEMONIC',
            },
            accepted: [],
          },
        };
      },
    });
    await agent.connect();
    try {
      const deploy = await gnm(['node', 'deploy', 'n1']);
      expect(deploy.code, deploy.err).toBe(0);
      expect(deploy.out).toMatch(/creating warm key warm-key/);
      expect(deploy.out).toMatch(/succeeded/);
      // The node's page after the deploy: the warm key's address and where its phrase lies on the host,
      // then the grant command to run with the cold key, filled in.
      expect(deploy.out).toContain(warm);
      expect(deploy.out).toMatch(/WARM_KEY_MNEMONIC/);
      expect(deploy.out).toMatch(new RegExp(`grant-ml-ops-permissions gonka-account-key ${warm}`));
      const show = await gnm(['--json', 'node', 'show', 'n1']);
      expect(show.json()).toMatchObject({ state: 'deployed', warmKey: { address: warm } });
    } finally {
      agent.close();
    }
  });

  it('attach refuses what cannot be attached, with the reason; attachments and the host firewall are shown', async () => {
    const none = await gnm(['node', 'attachments', 'n1']);
    expect(none.code, none.err).toBe(0);
    expect(none.out).toMatch(/No attachments: gnm node attach/);
    const self = await gnm([
      'node',
      'attach',
      'n1',
      'n1',
      '--network-address',
      '10.0.0.1',
      '--ml-address',
      '10.0.0.2',
    ]);
    expect(self.code).toBe(1);
    expect(self.err).toMatch(/Not an ML node|only ML nodes \(role mlnode\) are attached/);
    const bad = await gnm([
      'node',
      'attach',
      'n1',
      'n1',
      '--network-address',
      '10.0.0.1',
      '--ml-address',
      'ml-b.lan',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/mlAddress: an IPv4 address/);

    const added = (await gnm(['--json', 'hosts', 'add', 'fw-node'])).json<{
      enrollment: { token: string };
    }>();
    const agent = await TestAgent.enroll(cp.pins, added.enrollment.token, {
      execute: async (op) =>
        op.op === 'firewall.status'
          ? {
              ok: true,
              result: {
                applied: false,
                policy: {
                  rules: [
                    {
                      port: 8080,
                      protocol: 'tcp',
                      allowFrom: ['10.0.0.1'],
                      purpose: 'ML node API (network node only)',
                    },
                  ],
                },
                families: [
                  { family: 'ipv4', protected: true, note: null, dockerUser: true, diff: [], hooks: [] },
                  {
                    family: 'ipv6',
                    protected: false,
                    note: 'no global IPv6 address',
                    dockerUser: false,
                    diff: [],
                    hooks: [],
                  },
                ],
                warnings: [],
              },
            }
          : { ok: false, error: { code: 'unexpected', message: op.op } },
    });
    await agent.connect();
    try {
      const fw = await gnm(['hosts', 'firewall', 'fw-node']);
      expect(fw.code, fw.err).toBe(0);
      expect(fw.out).toMatch(/8080\/tcp\s+10\.0\.0\.1\s+ML node API \(network node only\)/);
      expect(fw.out).toMatch(/ipv4: protected/);
      expect(fw.out).toMatch(/ipv6: not protected \(no global IPv6 address\)/);
    } finally {
      agent.close();
    }
  });

  it('exit 3 when the control plane cannot be reached; exit 2 after logout', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const down = await gnm(['hosts', 'list'], { GNM_URL: `https://127.0.0.1:${port}`, GNM_TLS_PIN: pin });
    expect(down.code).toBe(3);
    expect(down.err).toMatch(/cannot reach https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED/);

    const out = await gnm(['logout']);
    expect(out.code, out.err).toBe(0);
    expect(JSON.parse(fs.readFileSync(CONFIG, 'utf8'))).toEqual({
      url: cp.url,
      tlsPin: pin,
      cpFingerprint: cp.pins.cpFingerprint,
    });
    const after = await gnm(['hosts', 'list']);
    expect(after.code).toBe(2);
    expect(after.err).toMatch(/not logged in \(no API token\)/);
  });
});
