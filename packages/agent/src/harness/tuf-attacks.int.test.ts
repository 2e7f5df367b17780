import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { sharedPool } from '@gnm/testkit/vitest';
import { pushSimImages, startSeed } from '@gnm/sim/testing';
import { startTestControlPlane, type TestControlPlane } from '@gnm/control-plane/testing';
import { Release, cleanupTuf, signSnapshotAndTimestamp } from '@gnm/control-plane/testing/tuf-release';
import { agentExecutable, installSimNvidiaSmi, simBundles, tmp } from './fixtures.js';

/**
 * The agent's TUF checks, on a harness host, against a control plane that turned hostile. The
 * control plane holds the online snapshot and timestamp keys, so here it signs whatever it likes with
 * them and serves it from its own store; only root and targets are out of its reach. After release 2
 * is applied, each attack is a `stack.apply` that must be refused with an error that says what
 * happened and what to do, while the host keeps running release 2 untouched: metadata rolled back to
 * release 1's, a stack.apply of an older bundle version, an expired timestamp (freeze), metadata that
 * do not belong together (mix-and-match), and release 1's targets wrapped in fresh snapshot and
 * timestamp (re-signed rollback, after an agent restart: the host must remember what it trusted).
 * `stack.rollback` to the kept release still works while the timestamp is expired.
 */
const BUNDLE = 'gonka-join-sim';
const V = ['0.2.14-1', '0.2.14-2'] as const;
const ACCOUNT_PUBKEY = 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd';
const STATE = '/var/lib/gnm-agent';
const JOIN = '/srv/gnm/join';

interface Task {
  id: string;
  state: string;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  events: { progress?: { phase: string }; log?: string }[];
}

describe('TUF on the agent: a hostile control plane cannot roll back, freeze or mix metadata', () => {
  const pool = sharedPool();
  const host = pool.host('agent');
  const release = new Release();
  let cp: TestControlPlane;
  let hostId = '';
  let agent: ResultPromise | undefined;
  let output = '';
  let values: () => Record<string, string> = () => ({});
  /** Release 1's own metadata, as the release authority published it. */
  let v1: { timestamp: Buffer; targets: Buffer };
  let bundles: { dir: string }[] = [];
  /** The highest snapshot and timestamp versions served so far (signing above them, as the control plane does). */
  const served = { snapshot: 0, timestamp: 0 };

  const until = async (what: string, f: () => Promise<boolean>, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!(await f())) {
      if (Date.now() > end) throw new Error(`${what}: not in time. Agent output:\n${output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const startAgent = () => {
    output = '';
    const child = host.spawn('/usr/local/bin/gnm-agent', ['run']);
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    agent = child;
  };
  const stopAgent = async () => {
    const { pid } = JSON.parse(await host.readFile(`${STATE}/status.json`)) as { pid: number };
    process.kill(pid, 'SIGTERM');
    await until('the agent exits', async () => !fs.existsSync(`/proc/${pid}`), 20_000);
    await agent?.catch(() => undefined);
  };
  const online = () =>
    until('online', async () => {
      const h = await cp.call<{ presence: string }>(cp.owner, 'GET', `/api/v1/hosts/${hostId}`);
      return h.body.presence === 'online';
    });
  const run = async (op: string, params?: unknown): Promise<Task> => {
    const r = await cp.call<{ id: string }>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op,
      ...(params !== undefined ? { params } : {}),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    let t: Task | undefined;
    await until(
      `task ${r.body.id}`,
      async () => {
        t = (await cp.call<Task>(cp.owner, 'GET', `/api/v1/tasks/${r.body.id}`)).body;
        return ['succeeded', 'failed', 'expired', 'cancelled'].includes(t.state);
      },
      300_000,
    );
    return t as Task;
  };
  const apply = (version: string) =>
    run('stack.apply', { bundle: BUNDLE, version, role: 'network', values: values() });

  /** What must not change: the release links, the releases kept, every container's id, state and config hash. */
  const hostState = async () => ({
    current: (await host.run('readlink', [`${JOIN}/current`])).trim(),
    previous: (await host.exec('readlink', [`${JOIN}/previous`])).stdout.trim(),
    releases: (await host.run('ls', ['-A', `${JOIN}/releases`])).trim(),
    containers: (
      await host.docker([
        'ps',
        '--all',
        '--no-trunc',
        '--filter',
        'label=com.docker.compose.project=join',
        '--format',
        '{{.ID}} {{.Names}} {{.State}} {{.Label "com.docker.compose.config-hash"}}',
      ])
    )
      .trim()
      .split('\n')
      .sort(),
    work: (await host.run('ls', ['-A', `${STATE}/bundles`])).trim(),
  });

  /** Serves metadata from the control plane's store as a compromised control plane would. */
  const serveMeta = async (
    name: string,
    role: 'snapshot' | 'timestamp' | 'targets',
    version: number,
    data: Buffer,
  ) => {
    await cp.db.db.deleteFrom('tuf_metadata').where('name', '=', name).execute();
    const signed = (JSON.parse(data.toString('utf8')) as { signed: { expires: string } }).signed;
    await cp.db.db
      .insertInto('tuf_metadata')
      .values({ name, role, version, data, expires_at: signed.expires, created_at: new Date().toISOString() })
      .execute();
  };
  const targetsOf = async (version: number) => {
    const row = await cp.db.db
      .selectFrom('tuf_metadata')
      .select('data')
      .where('name', '=', `${version}.targets.json`)
      .executeTakeFirstOrThrow();
    return Buffer.from(row.data);
  };
  /** Fresh snapshot and timestamp over `targets`, signed with the online keys (the control plane's power). */
  const resign = async (targets: { version: number; data: Buffer }, o: { now?: number } = {}) => {
    const s = signSnapshotAndTimestamp({
      targets,
      lastSnapshotVersion: served.snapshot,
      lastTimestampVersion: served.timestamp,
      snapshotKeys: release.keys.snapshot,
      timestampKeys: release.keys.timestamp,
      now: o.now ?? Date.now(),
    });
    served.snapshot = s.snapshot.version;
    served.timestamp = s.timestamp.version;
    return s;
  };
  const serveSigned = async (s: ReturnType<typeof signSnapshotAndTimestamp>) => {
    await serveMeta(`${s.snapshot.version}.snapshot.json`, 'snapshot', s.snapshot.version, s.snapshot.data);
    await serveMeta('timestamp.json', 'timestamp', s.timestamp.version, s.timestamp.data);
  };
  const targetsV3 = () => fs.readFileSync(path.join(release.dir, 'metadata/3.targets.json'));
  const refusedAndUntouched = async (
    t: Task,
    code: string,
    before: Awaited<ReturnType<typeof hostState>>,
  ) => {
    expect(t.state, JSON.stringify(t.result)).toBe('failed');
    expect(t.error?.code, t.error?.message).toBe(code);
    expect(t.error?.message).toMatch(/nothing was changed on this host/);
    expect(await hostState()).toEqual(before);
    return t.error?.message ?? '';
  };

  beforeAll(async () => {
    const [, pushed] = await Promise.all([agentExecutable(), pushSimImages(pool)]);
    const [images, other] = pushed;
    if (!images || !other) throw new Error('no sim images');
    cp = await startTestControlPlane('sqlite', {
      listenHost: pool.descriptor.gatewayIp,
      agentBinary: (await agentExecutable()).file,
    });
    bundles = simBundles([...V]);
    // Release 1 first (targets v1, snapshot v1, timestamp v1), then release 2 on top: two imports.
    release.release(bundles[0]?.dir);
    v1 = {
      timestamp: fs.readFileSync(path.join(release.dir, 'metadata/timestamp.json')),
      targets: fs.readFileSync(path.join(release.dir, 'metadata/1.targets.json')),
    };
    await cp.services.bundles.import(await release.archive());
    await installSimNvidiaSmi(host, 'h100-sxm-8x');
    const seed = await startSeed(host, other.network);
    values = () => ({
      KEY_NAME: 'warm-key',
      PUBLIC_URL: `http://${host.ip}:8000`,
      P2P_EXTERNAL_ADDRESS: `tcp://${host.ip}:5000`,
      ACCOUNT_PUBKEY,
      HF_HOME: '/srv/gnm-hf',
      SEED_API_URL: seed.api,
      SEED_NODE_RPC_URL: `${seed.api}/chain-rpc/`,
      SEED_NODE_P2P_URL: seed.p2p,
      RPC_SERVER_URL_1: `${seed.api}/chain-rpc/`,
      RPC_SERVER_URL_2: `${seed.api}/chain-rpc/`,
      GNM_SIM_IMAGE: images.network,
      GNM_SIM_MLNODE_IMAGE: images.mlnode,
    });

    const created = await cp.call<{ host: { id: string }; enrollment: { installCommand: string } }>(
      cp.owner,
      'POST',
      '/api/v1/hosts',
      { name: 'harness-tuf' },
    );
    hostId = created.body.host.id;
    const install = host.spawn('sh', [
      '-c',
      `${created.body.enrollment.installCommand.replace('| sudo sh -s --', '| sh -s --')} --foreground`,
    ]);
    install.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    install.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    agent = install;
    await online();
  });

  afterAll(async () => {
    // By its pid: the harness hosts share one PID namespace, so a kill by name would reach other runs' agents.
    await stopAgent().catch(() => undefined);
    agent?.kill('SIGKILL');
    await host.exec('docker', ['compose', '--project-name', 'join', 'down', '--remove-orphans', '--volumes']);
    await host.exec('docker', ['rm', '-f', 'sim-seed']);
    await host.exec('rm', [
      '-rf',
      STATE,
      '/srv/gnm',
      '/srv/gnm-hf',
      '/usr/local/bin/gnm-agent',
      '/usr/local/bin/nvidia-smi',
      '/usr/local/lib/gnm-sim',
      '/etc/gnm-sim',
    ]);
    await cp?.close();
    cleanupTuf();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('applies release 1, then release 2 signed later; the trusted metadata is kept in the state folder', async () => {
    const first = await apply(V[0]);
    expect(first.state, `${JSON.stringify(first.error)}\n${output.slice(-2000)}`).toBe('succeeded');

    release.release(bundles[1]?.dir);
    await cp.services.bundles.import(await release.archive());
    served.snapshot = 2;
    served.timestamp = 2;
    const second = await apply(V[1]);
    expect(second.state, JSON.stringify(second.error)).toBe('succeeded');
    expect(second.result).toMatchObject({ release: V[1], previous: V[0] });

    const trusted = JSON.parse(await host.readFile(`${STATE}/tuf/snapshot.json`)) as {
      signed: { version: number; meta: Record<string, { version: number }> };
    };
    expect(trusted.signed.meta['targets.json']?.version).toBe(2);
    expect((await host.run('stat', ['-c', '%a', `${STATE}/tuf`])).trim()).toBe('700');
  });

  it('(a) metadata rolled back to release 1’s is refused, nothing changes on the host', async () => {
    const before = await hostState();
    await serveMeta('timestamp.json', 'timestamp', 1, v1.timestamp);
    const msg = await refusedAndUntouched(await apply(V[1]), 'bundle-refused', before);
    expect(msg).toMatch(/rollback/i);
    expect(msg).toMatch(/older than what this host already trusts/);
    expect(msg).toMatch(/gnm bundle import/);
  });

  it('(a) a stack.apply of an older bundle version is refused; only stack.rollback goes back', async () => {
    await serveSigned(await resign({ version: 2, data: await targetsOf(2) }));
    const before = await hostState();
    const msg = await refusedAndUntouched(await apply(V[0]), 'older-release', before);
    expect(msg).toContain(`${V[0]} is older than release ${V[1]}`);
    expect(msg).toMatch(/stack\.rollback/);
  });

  it('(b) an expired timestamp (freeze) is refused with what to do', async () => {
    const before = await hostState();
    await serveSigned(
      await resign({ version: 2, data: await targetsOf(2) }, { now: Date.now() - 3 * 86_400_000 }),
    );
    const msg = await refusedAndUntouched(await apply(V[1]), 'bundle-refused', before);
    expect(msg).toMatch(/expired/);
    expect(msg).toMatch(/online keys/);
  });

  it('(c) a timestamp naming another snapshot than the one served is refused (mix-and-match)', async () => {
    const before = await hostState();
    // The timestamp names snapshot N (its hash), but what is served as N is another signed snapshot.
    const other = await resign({ version: 2, data: await targetsOf(2) });
    const named = await resign({ version: 2, data: await targetsOf(2) });
    await serveMeta(
      `${named.snapshot.version}.snapshot.json`,
      'snapshot',
      named.snapshot.version,
      other.snapshot.data,
    );
    await serveMeta('timestamp.json', 'timestamp', named.timestamp.version, named.timestamp.data);
    const msg = await refusedAndUntouched(await apply(V[1]), 'bundle-refused', before);
    expect(msg).toMatch(/mix-and-match/);
  });

  it('(d) release 1’s targets in fresh snapshot and timestamp are refused, after a restart too', async () => {
    await stopAgent();
    startAgent();
    await online();
    const before = await hostState();
    await serveSigned(await resign({ version: 1, data: v1.targets }));
    const msg = await refusedAndUntouched(await apply(V[1]), 'bundle-refused', before);
    expect(msg).toMatch(/rollback/i);
    expect(msg).toMatch(/targets\.json/);
    // The host still trusts release 2's targets.
    const trusted = JSON.parse(await host.readFile(`${STATE}/tuf/snapshot.json`)) as {
      signed: { meta: Record<string, { version: number }> };
    };
    expect(trusted.signed.meta['targets.json']?.version).toBe(2);
  });

  it('(c) a snapshot naming targets 3, served with release 1’s targets under that name, is refused (mix-and-match)', async () => {
    // The release authority signs targets 3 (release 2 again); the control plane pins it in a fresh
    // snapshot but serves release 1's targets as 3.targets.json.
    release.release(bundles[1]?.dir, { publish: false });
    const before = await hostState();
    await serveMeta('3.targets.json', 'targets', 3, v1.targets);
    await serveSigned(await resign({ version: 3, data: targetsV3() }));
    const msg = await refusedAndUntouched(await apply(V[1]), 'bundle-refused', before);
    expect(msg).toMatch(/mix-and-match/);
  });

  it('stack.rollback to the kept release works while the timestamp is expired; fresh metadata applies again', async () => {
    await serveSigned(
      await resign({ version: 2, data: await targetsOf(2) }, { now: Date.now() - 3 * 86_400_000 }),
    );
    const back = await run('stack.rollback');
    expect(back.state, JSON.stringify(back.error)).toBe('succeeded');
    expect(back.result).toMatchObject({ release: V[0], previous: V[1] });

    // The host now trusts a snapshot that pins targets 3: the control plane must serve those.
    await serveMeta('3.targets.json', 'targets', 3, targetsV3());
    await serveSigned(await resign({ version: 3, data: targetsV3() }));
    const again = await apply(V[1]);
    expect(again.state, JSON.stringify(again.error)).toBe('succeeded');
    expect(again.result).toMatchObject({ release: V[1], previous: V[0] });
  });
});
