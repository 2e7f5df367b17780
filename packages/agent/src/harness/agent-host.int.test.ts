import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { sharedPool } from '@gnm/testkit/vitest';
import { listeningSocketsOf } from '@gnm/testkit';
import { pushSimImages, startSeed } from '@gnm/sim/testing';
import { startTestControlPlane, type TestControlPlane } from '@gnm/control-plane/testing';
import { Release, cleanupTuf } from '@gnm/control-plane/testing/tuf-release';
import { agentExecutable, installSimNvidiaSmi, signAll, simBundles, tmp } from './fixtures.js';

/**
 * The single-executable agent on a harness host whose mount namespace hides Node, against a real
 * control plane reached over the LAN: enroll and connect, host.probe with the sim nvidia-smi, then
 * the stack operations on the signed sim bundle pulled from the registry host — apply, status,
 * a second apply, rollback, stop — the attacks that must change nothing, and kill -9 in the middle
 * of an apply.
 */
const BUNDLE = 'gonka-join-sim';
const V = ['0.2.14-1', '0.2.14-2', '0.2.14-3', '0.2.14-4'] as const;
const ACCOUNT_PUBKEY = 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd';
const STATE = '/var/lib/gnm-agent';
const JOIN = '/srv/gnm/join';

interface Task {
  id: string;
  state: string;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  events: { progress?: { phase: string }; log?: string }[];
  deliveries: number;
}
interface StackResult {
  release: string;
  previous: string | null;
  containers: { service: string; state: string; configHash: string | null }[];
  recovered?: boolean;
}

describe('the agent on a host without Node, driving the sim stack', () => {
  const pool = sharedPool();
  const host = pool.host('agent');
  const release = new Release();
  let cp: TestControlPlane;
  let hostId = '';
  let agent: ResultPromise | undefined;
  let output = '';
  let values: (extra?: Record<string, string>) => Record<string, string> = () => ({});

  const startAgent = () => {
    output = '';
    const child = host.spawn('/usr/local/bin/gnm-agent', ['run']);
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    agent = child;
    return child;
  };
  /** Signals the running daemon, found by the pid it writes to status.json, and waits until it is gone. */
  const stopAgent = async (signal: 'SIGTERM' | 'SIGKILL') => {
    const { pid } = JSON.parse(await host.readFile(`${STATE}/status.json`)) as { pid: number };
    expect(fs.readlinkSync(`/proc/${pid}/exe`)).toBe('/usr/local/bin/gnm-agent');
    process.kill(pid, signal);
    await until('the agent exits', async () => !fs.existsSync(`/proc/${pid}`), 20_000);
    await agent?.catch(() => undefined);
  };
  const until = async (what: string, f: () => Promise<boolean>, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!(await f())) {
      if (Date.now() > end) throw new Error(`${what}: not in time. Agent output:\n${output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const getTask = async (id: string) => (await cp.call<Task>(cp.owner, 'GET', `/api/v1/tasks/${id}`)).body;
  const submit = async (op: string, params?: unknown) => {
    const r = await cp.call<{ id: string }>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op,
      ...(params !== undefined ? { params } : {}),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id;
  };
  const finished = async (id: string, ms = 300_000) => {
    let t: Task | undefined;
    await until(
      `task ${id}`,
      async () => {
        t = await getTask(id);
        return ['succeeded', 'failed', 'expired', 'cancelled'].includes(t.state);
      },
      ms,
    );
    return t as Task;
  };
  const run = async (op: string, params?: unknown) => finished(await submit(op, params));
  const apply = (version: string, extra?: Record<string, string>) =>
    run('stack.apply', { bundle: BUNDLE, version, role: 'network', values: values(extra) });

  /**
   * What the host has: the release `current` names, each container's config hash, and compose's own
   * verdict on the current release's files: `up --dry-run` compares every container's
   * com.docker.compose.config-hash with that release and says Running (it belongs) or Recreate/Create.
   * (`config --hash` is not used: compose 2.26 hashes a service whose dependency sits in an inactive
   * profile differently from `up`, so it disagrees with the labels of the official `proxy`.)
   */
  const hostStack = async () => {
    const current = path.basename((await host.run('readlink', [`${JOIN}/current`])).trim());
    const dir = `${JOIN}/releases/${current}/deploy/join`;
    // The release's own compose files, as its record lists them (official, bind override, sim override).
    const record = JSON.parse(await host.readFile(`${JOIN}/releases/${current}/gnm-release.json`)) as {
      manifest: { roles: { network: { composeFiles: string[] } } };
    };
    const files = record.manifest.roles.network.composeFiles.flatMap((f) => ['-f', `${dir}/${f}`]);
    const dry = await host.dockerExec([
      'compose',
      '--project-name',
      'join',
      '--project-directory',
      dir,
      '--env-file',
      `${dir}/config.env`,
      ...files,
      'up',
      '--detach',
      '--no-build',
      '--dry-run',
    ]);
    expect(dry.exitCode, dry.stderr).toBe(0);
    const dryRun = `${dry.stdout}\n${dry.stderr}`;
    const verdicts = new Map(
      [...dryRun.matchAll(/Container (\S+)\s+(\w+)/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    const containers = new Map(
      (
        await host.docker([
          'ps',
          '--all',
          '--filter',
          'label=com.docker.compose.project=join',
          '--format',
          '{{.Names}} {{.Label "com.docker.compose.config-hash"}}',
        ])
      )
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ') as [string, string]),
    );
    const releases = (await host.run('ls', ['-A', `${JOIN}/releases`])).trim().split('\n').sort();
    return { current, verdicts, containers, releases };
  };
  const expectOneRelease = async (version: string) => {
    const s = await hostStack();
    expect(s.current).toBe(version);
    expect([...s.verdicts.keys()].sort()).toEqual([...s.containers.keys()].sort());
    for (const [service, verdict] of s.verdicts) expect(verdict, service).toBe('Running');
    return s;
  };

  beforeAll(async () => {
    const [, pushed] = await Promise.all([agentExecutable(), pushSimImages(pool)]);
    const [images, other] = pushed;
    if (!images || !other) throw new Error('no sim images');
    cp = await startTestControlPlane('sqlite', {
      listenHost: pool.descriptor.gatewayIp,
      agentBinary: (await agentExecutable()).file,
    });
    const bundles = simBundles([...V]);
    signAll(
      release,
      bundles.map((b) => b.dir),
    );
    await cp.services.bundles.import(await release.archive());
    await installSimNvidiaSmi(host, 'h100-sxm-8x');
    // The seed runs the other sim version, so the apply pulls its own images from the registry host
    // (removed first: an earlier test file of the run may have left them on this host).
    await host.exec('docker', ['rmi', '-f', images.network, images.mlnode]);
    const seed = await startSeed(host, other.network);
    values = (extra = {}) => ({
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
      ...extra,
    });
  });

  afterAll(async () => {
    await stopAgent('SIGKILL').catch(() => undefined);
    agent?.kill('SIGKILL');
    await host.exec('docker', ['compose', '--project-name', 'join', 'down', '--remove-orphans', '--volumes']);
    await host.exec('docker', ['rm', '-f', 'sim-seed']);
    await host.exec('rm', [
      '-rf',
      STATE,
      '/srv/gnm',
      '/srv/gnm-hf',
      '/srv/gnm-escape',
      '/usr/local/bin/gnm-agent',
      '/usr/local/bin/nvidia-smi',
      '/usr/local/lib/gnm-sim',
      '/etc/gnm-sim',
    ]);
    await cp?.close();
    cleanupTuf();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('installs on a host where Node is hidden, enrolls with the shown command and connects', async () => {
    expect((await host.exec('node', ['--version'])).exitCode).not.toBe(0);
    const exe = await agentExecutable();
    const created = await cp.call<{ host: { id: string }; enrollment: { installCommand: string } }>(
      cp.owner,
      'POST',
      '/api/v1/hosts',
      { name: 'harness-agent' },
    );
    hostId = created.body.host.id;
    const command = created.body.enrollment.installCommand;
    expect(command).toContain('--root-sha256');
    // The command exactly as shown, run as root (the harness has no sudo), in the foreground (no systemd
    // inside a harness host; the unit is checked by systemd-analyze in install/systemd-unit.int.test.ts).
    output = '';
    const install = host.spawn('sh', [
      '-c',
      `${command.replace('| sudo sh -s --', '| sh -s --')} --foreground`,
    ]);
    install.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    install.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    agent = install;
    await until('online', async () => {
      const h = await cp.call<{ presence: string }>(cp.owner, 'GET', `/api/v1/hosts/${hostId}`);
      return h.body.presence === 'online';
    });
    expect(output).toMatch(/installed \/usr\/local\/bin\/gnm-agent \(sha256 [0-9a-f]{64}\)/);
    expect((await host.run('sha256sum', ['/usr/local/bin/gnm-agent'])).split(' ')[0]).toBe(exe.sha256);
  });

  it('host.probe sees the sim GPUs through nvidia-smi on PATH, and Docker and Compose v2', async () => {
    const t = await run('host.probe');
    expect(t.state, JSON.stringify(t.error)).toBe('succeeded');
    const probe = t.result as {
      gpus: { name: string }[];
      docker: { version: string | null };
      findings: { check: string; severity: string }[];
    };
    expect(probe.gpus).toHaveLength(8);
    expect(probe.gpus[0]?.name).toBe('NVIDIA H100 80GB HBM3');
    expect(probe.findings.find((f) => f.check === 'compose')?.severity).toBe('ok');
    // 8 × H100 SXM joined by NVLink (the real `nvidia-smi topo -m` capture) and no Fabric Manager running.
    expect(probe.findings.find((f) => f.check === 'fabric-manager')).toMatchObject({
      severity: 'critical',
      fix: expect.stringMatching(/nvidia-fabricmanager-565/) as unknown,
    });
    expect(probe.findings.some((f) => f.check === 'clock')).toBe(true);

    // The same host judged for a role: a network node needs no GPU; an ML node cannot start here.
    type Preflight = { ready: boolean; findings: { check: string; severity: string }[] };
    const network = (await run('host.preflight', { role: 'network' })).result as unknown as Preflight;
    expect(network.findings.find((f) => f.check === 'fabric-manager')?.severity).toBe('info');
    const ml = (await run('host.preflight', { role: 'mlnode' })).result as unknown as Preflight;
    expect(ml.ready).toBe(false);
    expect(ml.findings.find((f) => f.check === 'fabric-manager')?.severity).toBe('critical');
  });

  it('stack.apply fetches the signed bundle, pulls from the registry host and starts release 1', async () => {
    const t = await apply(V[0]);
    expect(t.state, `${JSON.stringify(t.error)}\n${output.slice(-2000)}`).toBe('succeeded');
    const phases = [...new Set(t.events.map((e) => e.progress?.phase).filter(Boolean))];
    expect(phases).toEqual(['verify', 'render', 'pull', 'start']);
    expect(
      t.events.some((e) => /Pulled/.test(e.log ?? '')),
      JSON.stringify(t.events),
    ).toBe(true);
    expect(await host.docker(['images', '--format', '{{.Repository}}:{{.Tag}}'])).toContain(
      values().GNM_SIM_IMAGE,
    );
    const r = t.result as unknown as StackResult;
    expect(r.release).toBe(V[0]);
    expect(r.previous).toBeNull();
    expect(r.containers.find((c) => c.service === 'node')?.state).toBe('running');
    await expectOneRelease(V[0]);
    // The keyring password was made on the host, 0600, and never reached the control plane.
    const password = (await host.readFile(`${STATE}/secrets/KEYRING_PASSWORD`)).trim();
    expect(password.length).toBeGreaterThan(20);
    expect((await host.run('stat', ['-c', '%a', `${STATE}/secrets/KEYRING_PASSWORD`])).trim()).toBe('600');
    expect(JSON.stringify(await getTask(t.id))).not.toContain(password);
  });

  it('stack.status reports the release and the containers', async () => {
    const t = await run('stack.status');
    expect(t.state).toBe('succeeded');
    expect(t.result).toMatchObject({ project: 'join', currentRelease: V[0], previousRelease: null });
    expect((t.result as { containers: unknown[] }).containers.length).toBeGreaterThan(3);
    // The same, locally on the host, for the operator: status and the log tail of one service.
    const status = await host.run('/usr/local/bin/gnm-agent', ['status']);
    expect(status).toMatch(/daemon: +running, connected/);
    expect(status).toMatch(new RegExp(`stack: +release ${V[0].replace(/\./g, '\\.')}`));
    expect(status).toMatch(/\n {2}node +running/);
    const logs = JSON.parse(
      await host.run('/usr/local/bin/gnm-agent', ['logs', 'node', '--tail', '5', '--json']),
    ) as { lines: string[] };
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.lines.length).toBeLessThanOrEqual(5);
    const bad = await host.exec('/usr/local/bin/gnm-agent', ['logs', '../../etc/passwd']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/compose service name/);
  });

  it('a second apply with other values switches releases; stack.rollback goes back to the first', async () => {
    const before = await hostStack();
    const t = await apply(V[1], { SIM_BLOCK_TIME_MS: '1200' });
    expect(t.state, JSON.stringify(t.error)).toBe('succeeded');
    expect(t.result).toMatchObject({ release: V[1], previous: V[0] });
    const second = await expectOneRelease(V[1]);
    expect(second.containers.get('node')).not.toBe(before.containers.get('node'));

    const back = await run('stack.rollback');
    expect(back.state, JSON.stringify(back.error)).toBe('succeeded');
    expect(back.result).toMatchObject({ release: V[0], previous: V[1] });
    const s = await expectOneRelease(V[0]);
    expect(s.containers.get('node')).toBe(before.containers.get('node'));
    expect((await host.run('readlink', [`${JOIN}/previous`])).trim()).toBe(`releases/${V[1]}`);
  });

  it('refuses hostile values, a tampered bundle and an unsigned version, changing nothing', async () => {
    const before = await hostStack();
    // A host folder the API already refuses (the agent's own refusal of it is below).
    const refused = await cp.call<{ detail: string }>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'stack.apply',
      params: { bundle: BUNDLE, version: V[2], role: 'network', values: values({ HF_HOME: '/srv/../etc' }) },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/HF_HOME/);
    const hostile = await apply(V[2], {
      KEY_NAME: "warm'; touch /tmp/pwned; echo '",
      PUBLIC_URL: 'http://$(touch /tmp/pwned):8000',
    });
    expect(hostile.state).toBe('failed');
    expect(hostile.error?.code).toBe('invalid-values');
    expect(hostile.error?.message).toMatch(/KEY_NAME/);

    // A file of version 4 altered in the control plane's store after signing.
    const altered = await cp.db.db
      .updateTable('tuf_target_files')
      .set({ data: Buffer.from('services: {}\n') })
      .where('target_path', 'like', `bundles/${BUNDLE}/${V[3]}/deploy/join/docker-compose.yml`)
      .executeTakeFirst();
    expect(Number(altered.numUpdatedRows)).toBe(1);
    const tampered = await apply(V[3]);
    expect(tampered.state).toBe('failed');
    expect(tampered.error?.code).toBe('bundle-refused');

    const unsigned = await apply('0.2.14-9');
    expect(unsigned.state).toBe('failed');
    expect(['bundle-refused', 'bundle-unavailable']).toContain(unsigned.error?.code);

    // A control plane whose database was altered: tasks the API would refuse reach the agent as they
    // are (delivered when it next connects), and the agent refuses them on its side.
    const hostile_tasks = [
      { op: 'shell.exec', params: { cmd: 'touch /tmp/pwned' }, code: 'unknown-operation' },
      { op: 'stack.logs', params: { service: '../../../etc/passwd', tail: 5 }, code: 'invalid-params' },
      { op: 'stack.logs', params: { service: 'node; touch /tmp/pwned', tail: 5 }, code: 'invalid-params' },
      {
        op: 'stack.apply',
        params: { bundle: '../../etc', version: '1.0.0', role: 'network', values: {} },
        code: 'invalid-params',
      },
      // Host folders the API refuses: a system folder, and a folder under an allowed root that is a
      // link to one (only the agent can see where it leads).
      {
        op: 'stack.apply',
        params: { bundle: BUNDLE, version: V[2], role: 'network', values: values({ HF_HOME: '/var/run' }) },
        code: 'invalid-values',
      },
      {
        op: 'stack.apply',
        params: {
          bundle: BUNDLE,
          version: V[2],
          role: 'network',
          values: values({ HF_HOME: '/srv/gnm-escape/hf' }),
        },
        code: 'invalid-values',
      },
    ];
    await host.run('ln', ['-sfn', '/var/run', '/srv/gnm-escape']);
    const at = new Date();
    const ids = hostile_tasks.map((_, i) => `tsk_hostile${String(i).padStart(4, '0')}${Date.now()}`);
    await cp.db.db
      .insertInto('tasks')
      .values(
        hostile_tasks.map((h, i) => ({
          id: ids[i] ?? '',
          owner_id: cp.owner.user.id,
          host_id: hostId,
          op: h.op,
          params: JSON.stringify(h.params),
          state: 'queued' as const,
          created_by: cp.owner.user.id,
          created_at: at.toISOString(),
          deadline: new Date(at.getTime() + 600_000).toISOString(),
          sent_at: null,
          deliveries: 0,
          finished_at: null,
          result: null,
          error_code: null,
          error_message: null,
        })),
      )
      .execute();
    await stopAgent('SIGTERM');
    startAgent();
    for (const [i, h] of hostile_tasks.entries()) {
      const t = await finished(ids[i] ?? '');
      expect(t.state).toBe('failed');
      expect(t.error?.code, `${h.op} ${JSON.stringify(t.error)}`).toBe(h.code);
      if (h.code === 'invalid-values') expect(t.error?.message).toMatch(/HF_HOME/);
    }

    expect((await host.exec('test', ['-e', '/tmp/pwned'])).exitCode).not.toBe(0);
    expect(await hostStack()).toEqual(before);
    expect((await host.run('ls', ['-A', `${STATE}/bundles`])).trim()).toBe('');
  });

  it('kill -9 in the middle of an apply: after the restart link and containers belong to one release, one result', async () => {
    const id = await submit('stack.apply', {
      bundle: BUNDLE,
      version: V[2],
      role: 'network',
      values: values({ SIM_BLOCK_TIME_MS: '1300' }),
    });
    await until(
      'the apply reaches compose up',
      async () => (await getTask(id)).events.some((e) => e.progress?.phase === 'start'),
      300_000,
    );
    await stopAgent('SIGKILL');
    const journal = JSON.parse(await host.readFile(`${STATE}/journal/${id}.json`)) as { state: string };
    expect(journal.state).toBe('started');

    startAgent();
    const t = await finished(id);
    expect(t.state, JSON.stringify(t.error)).toBe('succeeded');
    expect(t.result).toMatchObject({ release: V[2], recovered: true });
    expect(t.deliveries).toBe(2);
    await expectOneRelease(V[2]);
    const done = JSON.parse(await host.readFile(`${STATE}/journal/${id}.json`)) as { state: string };
    expect(done.state).toBe('done');
  });

  it('the single executable holds no listening socket', async () => {
    const { pid } = JSON.parse(await host.readFile(`${STATE}/status.json`)) as { pid: number };
    const { sockets, listening } = listeningSocketsOf(pid);
    expect(sockets).toBeGreaterThan(0); // it does hold its outbound connection
    expect(listening).toEqual([]);
  });

  it('stack.stop stops the containers and keeps them', async () => {
    const t = await run('stack.stop');
    expect(t.state, JSON.stringify(t.error)).toBe('succeeded');
    expect((t.result as { stopped: string[] }).stopped).toContain('node');
    const states = await host.docker([
      'ps',
      '--all',
      '--filter',
      'label=com.docker.compose.project=join',
      '--format',
      '{{.State}}',
    ]);
    expect(
      states
        .trim()
        .split('\n')
        .every((s) => s === 'exited'),
    ).toBe(true);
  });

  it('does not talk to a server that cannot prove the pinned control-plane identity', async () => {
    await stopAgent('SIGTERM');
    const config = JSON.parse(await host.readFile(`${STATE}/agent.json`)) as { cpFingerprint: string };
    await host.writeFile(
      `${STATE}/agent.json`,
      JSON.stringify({ ...config, cpFingerprint: 'f'.repeat(64) }),
      '0600',
    );
    startAgent();
    await until('the refusal', async () =>
      output.includes('did not prove the pinned control-plane identity'),
    );
    const id = await submit('host.probe');
    await new Promise((r) => setTimeout(r, 3000));
    expect((await getTask(id)).state).toBe('queued');
    const h = await cp.call<{ presence: string }>(cp.owner, 'GET', `/api/v1/hosts/${hostId}`);
    expect(h.body.presence).not.toBe('online');
  });
});
