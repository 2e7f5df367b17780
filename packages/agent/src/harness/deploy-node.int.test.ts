import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { ResultPromise } from 'execa';
import { sharedPool } from '@gnm/testkit/vitest';
import { createColdKey, pushSimImages, startSeed } from '@gnm/sim/testing';
import { startTestControlPlane, type TestControlPlane } from '@gnm/control-plane/testing';
import { Release, cleanupTuf } from '@gnm/control-plane/testing/tuf-release';
import { agentExecutable, installSimNvidiaSmi, signAll, simBundles, tmp } from './fixtures.js';

/**
 * Issue #7's end-to-end flow on the harness, the way an operator lives it: create a host, install the
 * agent with the shown command, configure a full node with the recommender's defaults for the host's
 * (replayed) GPUs, deploy it — preflight, pull, chain, warm key, model download, the rest, sync —
 * register it after the reachability check, then play the operator on their own machine: run the
 * printed grant command with the cold key; the checklist turns green by itself and the participant
 * has weight after the next epoch. Throughout, the secrets made on the host (the keyring password,
 * planted as a marker, and the warm key's mnemonic) must appear nowhere the control plane or a log
 * can see them.
 */
const BUNDLE = 'gonka-join-sim';
const VERSION = '0.2.14-7';
const STATE = '/var/lib/gnm-agent';
const JOIN = '/srv/gnm/join';
const COLD_DIR = '/srv/operator-cold-key';
const GPUS = { profile: 'h200-8x', sim: '8xNVIDIA H200:143771' };

interface Task {
  id: string;
  op: string;
  state: string;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
}
interface TaskEvent {
  progress: { phase: string; done?: number; total?: number; unit?: string } | null;
  log: string | null;
}
interface NodeView {
  id: string;
  state: string;
  config: { serving?: { model: string; args: string[]; maxConcurrent: number; reasons?: unknown[] } };
  release: string | null;
  warmKey: { address: string; pubkey: string | null; mnemonicFile: string | null } | null;
  registration: { registeredAt: string; consensusKey: string | null } | null;
  health: {
    status: string;
    reason: string;
    facts: { setupReport: { checks: { id: string; details?: unknown }[] } | null } | null;
  };
  coldKey: {
    commands: { id: string; command: string; argv: string[] }[];
    checklist: { id: string; state: string; hint: string }[];
  } | null;
}

describe('deploy a Gonka node end to end (sim)', () => {
  const pool = sharedPool();
  const host = pool.host('agent');
  /** The operator's own machine (the cold key) and, as a separate container, the sim network's seed. */
  const operator = pool.host('b');
  const release = new Release();
  const cpLog: string[] = [];
  let cp: TestControlPlane;
  let hostId = '';
  let nodeId = '';
  let agent: ResultPromise | undefined;
  let agentOutput = '';
  let images: { network: string; mlnode: string } | undefined;
  let seed: { api: string; p2p: string };
  let cold: { address: string; pubkey: string };
  const marker = `gnm-leak-marker-${crypto.randomBytes(9).toString('hex')}`;
  const commandLines = new Set<string>();

  const until = async <T>(
    what: string,
    f: () => Promise<T | undefined | false>,
    ms = 120_000,
  ): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (v) return v;
      if (Date.now() > end)
        throw new Error(`${what}: not in time. Agent output:\n${agentOutput.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const task = async (id: string) => (await cp.call<Task>(cp.owner, 'GET', `/api/v1/tasks/${id}`)).body;
  const events = async (id: string) =>
    (await cp.call<{ events: TaskEvent[] }>(cp.owner, 'GET', `/api/v1/tasks/${id}`)).body.events;
  const finished = (id: string, ms = 600_000) =>
    until(
      `task ${id}`,
      async () => {
        const t = await task(id);
        return ['succeeded', 'failed', 'expired', 'cancelled'].includes(t.state) ? t : undefined;
      },
      ms,
    );
  const node = async () => (await cp.call<NodeView>(cp.owner, 'GET', `/api/v1/nodes/${nodeId}`)).body;

  beforeAll(async () => {
    const [, pushed] = await Promise.all([agentExecutable(), pushSimImages(pool)]);
    images = pushed[0];
    if (!images) throw new Error('no sim images');
    cp = await startTestControlPlane('sqlite', {
      listenHost: pool.descriptor.gatewayIp,
      agentBinary: (await agentExecutable()).file,
      logLevel: 'debug',
      logStream: { write: (line: string) => void cpLog.push(line) },
      nodeHealthIntervalMs: 2000,
    });
    const [bundle] = simBundles([VERSION]);
    if (!bundle) throw new Error('no bundle');
    signAll(release, [bundle.dir]);
    await cp.services.bundles.import(await release.archive());
    await installSimNvidiaSmi(host, GPUS.profile);
    seed = await startSeed(operator, images.network, { SIM_EPOCH_LENGTH: '20' });
    cold = await createColdKey(operator, images.network, COLD_DIR);
  });

  afterAll(async () => {
    agent?.kill('SIGKILL');
    await host.exec('pkill', ['-9', '-f', 'gnm-agent']);
    await host.exec('docker', ['compose', '--project-name', 'join', 'down', '--remove-orphans', '--volumes']);
    await operator.exec('docker', ['rm', '-f', 'sim-seed']);
    await host.exec('rm', [
      '-rf',
      STATE,
      '/srv/gnm',
      '/srv/gnm-hf',
      '/usr/local/bin/gnm-agent',
      '/etc/gnm-sim',
    ]);
    await host.exec('rm', ['-rf', '/usr/local/bin/nvidia-smi', '/usr/local/lib/gnm-sim']);
    await operator.exec('rm', ['-rf', COLD_DIR]);
    await cp?.close();
    cleanupTuf();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('installs the agent on a new host with the shown command', async () => {
    const created = await cp.call<{ host: { id: string }; enrollment: { installCommand: string } }>(
      cp.owner,
      'POST',
      '/api/v1/hosts',
      { name: 'gpu-server-1' },
    );
    hostId = created.body.host.id;
    const install = host.spawn(
      'sh',
      [
        '-c',
        `${created.body.enrollment.installCommand.replace('| sudo sh -s --', '| sh -s --')} --foreground`,
      ],
      { env: { GNM_AGENT_DEBUG: '1' } },
    );
    install.stdout?.on('data', (d: Buffer) => (agentOutput += d.toString()));
    install.stderr?.on('data', (d: Buffer) => (agentOutput += d.toString()));
    agent = install;
    await until('the host online with its probe', async () => {
      const h = await cp.call<{ presence: string; lastReport: { probe?: { gpus: unknown[] } } | null }>(
        cp.owner,
        'GET',
        `/api/v1/hosts/${hostId}`,
      );
      return h.body.presence === 'online' && (h.body.lastReport?.probe?.gpus.length ?? 0) === 8;
    });
  });

  it('configures a full node with the recommender’s defaults for the replayed GPUs; a pasted mnemonic is refused', async () => {
    if (!images) throw new Error('no images');
    const config = {
      name: 'sim-node-1',
      role: 'full',
      network: 'sim',
      seed: { apiUrl: seed.api, p2pAddress: seed.p2p },
      publicHost: host.ip,
      accountPubkey: cold.pubkey,
      hfHome: '/srv/gnm-hf',
      bundle: { name: BUNDLE },
      extraValues: {
        GNM_SIM_IMAGE: images.network,
        GNM_SIM_MLNODE_IMAGE: images.mlnode,
        SIM_GPUS: GPUS.sim,
        SIM_MODEL_DOWNLOAD_MS: '3000',
        SIM_SETUP_REPORT_CACHE_MS: '1000',
      },
    };
    // The operator pastes the cold key's recovery phrase into a field by mistake: refused, not stored.
    const phrase =
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
    const refused = await cp.call<{ detail: string }>(cp.owner, 'POST', '/api/v1/nodes', {
      hostId,
      config: { ...config, name: phrase },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/name: .*recovery phrase|mnemonic/i);
    expect(JSON.stringify(refused.body)).not.toContain('abandon about');

    const rec = await cp.call<{
      viable: boolean;
      model: string;
      tensorParallelSize: number;
      reasons: unknown[];
    }>(
      cp.owner,
      'GET',
      `/api/v1/hosts/${hostId}/recommendation?network=sim&seedApi=${encodeURIComponent(seed.api)}`,
    );
    expect(rec.status, JSON.stringify(rec.body)).toBe(200);
    expect(rec.body.viable).toBe(true);
    const created = await cp.call<NodeView>(cp.owner, 'POST', '/api/v1/nodes', { hostId, config });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    nodeId = created.body.id;
    const serving = created.body.config.serving;
    expect(serving?.model).toBe(rec.body.model);
    expect(serving?.args).toContain('--tensor-parallel-size');
    expect(serving?.args[serving.args.indexOf('--tensor-parallel-size') + 1]).toBe(
      String(rec.body.tensorParallelSize),
    );
    expect(serving?.reasons?.length).toBeGreaterThan(0);
  });

  it('deploys in the official order with live progress: preflight, pull, chain, warm key, weights, the rest, sync', async () => {
    // The keyring password is generated on the host when missing; planting one first makes it a marker
    // the leak checks can search for from the very first moment.
    await host.run('mkdir', ['-p', '-m', '700', `${STATE}/secrets`]);
    await host.writeFile(`${STATE}/secrets/KEYRING_PASSWORD`, `${marker}\n`);
    await host.run('chmod', ['600', `${STATE}/secrets/KEYRING_PASSWORD`]);

    // Without the named acceptance, the missing Fabric Manager of an 8-GPU NVLink machine stops it.
    const blocked = await cp.call<Task>(cp.owner, 'POST', `/api/v1/nodes/${nodeId}/deploy`, {});
    expect(blocked.status, JSON.stringify(blocked.body)).toBe(202);
    const b = await finished(blocked.body.id);
    expect(b.error?.code, JSON.stringify(b)).toBe('preflight-failed');
    expect(b.error?.message).toMatch(/fabric-manager/);
    expect((await host.exec('test', ['-e', `${JOIN}/current`])).exitCode).not.toBe(0);

    const sampling = sampleCommandLines(commandLines);
    const started = await cp.call<Task>(cp.owner, 'POST', `/api/v1/nodes/${nodeId}/deploy`, {
      acceptWarnings: ['fabric-manager', 'nvidia-runtime'],
    });
    const t = await finished(started.body.id);
    sampling.stop();
    expect(t.state, `${JSON.stringify(t.error)}\n${agentOutput.slice(-3000)}`).toBe('succeeded');
    const ev = await events(t.id);
    const phases = [...new Set(ev.map((e) => e.progress?.phase).filter(Boolean))];
    expect(phases).toEqual([
      'preflight',
      'verify',
      'render',
      'pull',
      'start',
      'start-chain',
      'node-rpc',
      'warm-key',
      'mlnode',
      'download',
      'start-rest',
      'health',
      'sync',
    ]);
    const download = ev.filter((e) => e.progress?.phase === 'download' && e.progress.total);
    expect(download.length).toBeGreaterThan(0);
    const sync = ev.filter((e) => e.progress?.phase === 'sync');
    expect(sync.at(-1)?.progress).toMatchObject({ unit: 'blocks' });
    expect(sync.at(-1)?.progress?.done).toBeGreaterThan(0);

    const n = await node();
    expect(n.state).toBe('deployed');
    expect(n.release).toBe(VERSION);
    expect(n.warmKey?.address).toMatch(/^gonka1/);
    expect(n.warmKey?.mnemonicFile).toBe(`${STATE}/secrets/WARM_KEY_MNEMONIC`);
    expect((await host.run('stat', ['-c', '%a', `${STATE}/secrets/WARM_KEY_MNEMONIC`])).trim()).toBe('600');
    // The warm key is the one in the host's keyring, made with the planted password.
    const shown = await host.dockerExec(
      ['exec', '-i', 'api', 'inferenced', 'keys', 'show', 'warm-key', '-a', '--keyring-backend', 'file'],
      { input: `${marker}\n` },
    );
    expect(shown.stdout.trim()).toBe(n.warmKey?.address);
  });

  it('a full node answers from outside only on its public ports (exposure.check)', async () => {
    const r = await cp.call<Task>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'exposure.check',
      params: {},
      deadlineSeconds: 120,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const t = await finished(r.body.id);
    expect(t.state, JSON.stringify(t.error)).toBe('succeeded');
    const ports = (
      t.result as { ports: { port: number; address: string; exposure: string; verdict: string }[] }
    ).ports;
    const outside = ports.filter((p) => !p.address.startsWith('127.') && p.address !== '::1');
    // The public set of the rendered release: P2P, the proxy (HTTP, HTTPS), the bridge's P2P.
    expect([...new Set(outside.map((p) => p.port))].sort((a, b) => a - b)).toEqual([5000, 8000, 8443, 30303]);
    expect(outside.every((p) => p.exposure === 'public')).toBe(true);
    // The internal ones are there, on loopback: 9100 and 9200 of the api, 8080 and 5050 of the ML node.
    for (const port of [5050, 8080, 9100, 9200])
      expect(ports.find((p) => p.port === port)?.address, `port ${port}`).toBe('127.0.0.1');
    expect(ports.every((p) => p.verdict === 'ok')).toBe(true);
  });

  it('a second deploy keeps the warm key (never overwritten)', async () => {
    const before = await node();
    const again = await cp.call<Task>(cp.owner, 'POST', `/api/v1/nodes/${nodeId}/deploy`, {
      acceptWarnings: ['fabric-manager', 'nvidia-runtime'],
    });
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    const t = await finished(again.body.id);
    expect(t.state, JSON.stringify(t.error)).toBe('succeeded');
    expect((t.result as { warmKey: { created: boolean; address: string } }).warmKey).toMatchObject({
      created: false,
      address: before.warmKey?.address,
    });
  });

  it('model download: refused without room, resumed after the ML node is killed mid-way, then found present', async () => {
    const queue = async (params: Record<string, unknown>) => {
      const r = await cp.call<Task>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
        op: 'node.model.download',
        params,
        deadlineSeconds: 600,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return finished(r.body.id);
    };
    const model = 'sim-org/resume-check';
    const cacheDir = `/srv/gnm-hf/hub/models--sim-org--resume-check`;

    const full = await queue({ model, sizeGb: 99_999 });
    expect(full.error?.code, JSON.stringify(full)).toBe('insufficient-disk');
    expect(full.error?.message).toMatch(/GB free; nothing was downloaded/);
    expect((await host.exec('test', ['-e', cacheDir])).exitCode).not.toBe(0);

    // Start it on the ML node by hand and kill the container once it has written part of the model.
    const container = (
      await host.run('docker', ['ps', '-q', '--filter', 'label=com.docker.compose.service=mlnode-308'])
    ).trim();
    const ip = (
      await host.run('docker', [
        'inspect',
        '-f',
        '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
        container,
      ])
    ).trim();
    await host.run('curl', [
      '-sf',
      '-X',
      'POST',
      '-H',
      'content-type: application/json',
      '-d',
      JSON.stringify({ hf_repo: model }),
      `http://${ip}:8080/api/v1/models/download`,
    ]);
    await until('part of the model on disk', async () =>
      (await host.exec('test', ['-e', `${cacheDir}/snapshots/main/.sim-progress`])).exitCode === 0
        ? true
        : false,
    );
    await host.run('docker', ['restart', '--time', '0', container]);

    const resumed = await queue({ model, sizeGb: 1 });
    expect(resumed.state, JSON.stringify(resumed.error)).toBe('succeeded');
    expect(resumed.result).toMatchObject({ model, status: 'DOWNLOADED', alreadyPresent: false });
    const logs = (await events(resumed.id)).map((e) => e.log).filter(Boolean);
    expect(logs.join('\n')).toMatch(/resuming sim-org\/resume-check/);
    const bars = (await events(resumed.id)).filter(
      (e) => e.progress?.phase === 'download' && e.progress.total,
    );
    expect(bars.at(-1)?.progress).toMatchObject({ done: 1, total: 1, unit: 'GB' });

    const again = await queue({ model });
    expect(again.result).toMatchObject({ status: 'DOWNLOADED', alreadyPresent: true });
  });

  it('registers after PUBLIC_URL and the P2P port answer from outside the host', async () => {
    const r = await cp.call<{
      task: Task;
      reachability: { publicUrl: { ok: boolean }; p2p: { ok: boolean } };
    }>(cp.owner, 'POST', `/api/v1/nodes/${nodeId}/register`);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body.reachability.publicUrl.ok).toBe(true);
    expect(r.body.reachability.p2p.ok).toBe(true);
    const t = await finished(r.body.task.id);
    expect(t.state, JSON.stringify(t.error)).toBe('succeeded');
    const n = await node();
    expect(n.state).toBe('registered');
    expect(n.registration?.consensusKey).toBeTruthy();
    const participant = await operator.run('curl', ['-sf', `${seed.api}/v2/participants/${cold.address}`]);
    expect(participant).toContain(`http://${host.ip}:8000`);
  });

  it('the operator runs the printed grant command; the checklist turns green and the node earns weight', async () => {
    if (!images) throw new Error('no images');
    const n = await node();
    const grant = n.coldKey?.commands.find((c) => c.id === 'grant-ml-ops-permissions');
    expect(grant?.command).toContain(n.warmKey?.address ?? '?');
    const pending = n.coldKey?.checklist.find((i) => i.id === 'permissions_granted');
    expect(pending?.state).not.toBe('done');
    // On the operator's machine: the command as printed, with the sim's inferenced and the cold key.
    const [, ...args] = grant?.argv ?? [];
    await operator.docker(
      ['run', '--rm', '-i', '-v', `${COLD_DIR}:/root/.inference`, images.network, 'inferenced', ...args],
      {
        input: 'test-keyring-password\n',
      },
    );
    const green = await until(
      'the checklist turns green',
      async () => {
        const v = await node();
        const items = v.coldKey?.checklist ?? [];
        return items.length === 5 && items.every((i) => i.state === 'done') ? v : undefined;
      },
      180_000,
    );
    const active = green.health.facts?.setupReport?.checks.find((c) => c.id === 'active_in_epoch');
    expect((active?.details as { weight: number }).weight).toBeGreaterThan(0);
    // The rollup follows the facts read every 2 s; a read taken mid-PoC may still show a phase change.
    let last = green.health;
    await until(
      'the node’s health ok',
      async () => {
        last = (await node()).health;
        return last.status === 'ok';
      },
      30_000,
    ).catch(() => {
      throw new Error(`health stayed ${last.status}: ${last.reason}\n${JSON.stringify(last.facts)}`);
    });
  });

  it('no secret made on the host (the api’s ML worker key included) reaches the control plane, its log, the agent’s log, a task or a command line', async () => {
    const mnemonic = (await host.readFile(`${STATE}/secrets/WARM_KEY_MNEMONIC`)).trim();
    expect(mnemonic.split(/\s+/).length).toBeGreaterThanOrEqual(12);
    // The ML worker's private key, as the api serves it (unsanitised) in its admin config.
    const config = await host.dockerExec([
      'exec',
      'api',
      'curl',
      '-f',
      'http://127.0.0.1:9200/admin/v1/config',
    ]);
    expect(config.exitCode, config.stderr).toBe(0);
    const workerPrivate = (JSON.parse(config.stdout) as { ml_node_key_config?: { worker_private?: string } })
      .ml_node_key_config?.worker_private;
    expect(workerPrivate?.length).toBeGreaterThan(40);
    const secrets = {
      marker,
      mnemonic,
      mnemonicWords: mnemonic.split(/\s+/).slice(0, 6).join(' '),
      workerPrivate: workerPrivate ?? '',
    };
    const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(
      cp.db.db,
    );
    const dump: string[] = [];
    for (const { name } of tables.rows)
      dump.push(JSON.stringify((await sql`select * from ${sql.table(name)}`.execute(cp.db.db)).rows));
    const places = {
      'database dump': dump.join('\n'),
      'control-plane log': cpLog.join(''),
      'agent log': agentOutput,
      'command lines during deploy': [...commandLines].join('\n'),
    };
    expect(places['database dump']).toContain(cold.pubkey); // the dump is real: public data is there
    expect(places['control-plane log'].length).toBeGreaterThan(1000);
    expect(places['agent log']).toContain('op.event');
    expect(places['command lines during deploy']).toContain('keys add');
    for (const [where, text] of Object.entries(places))
      for (const [what, secret] of Object.entries(secrets))
        expect(text.includes(secret), `${what} in ${where}`).toBe(false);
  });
});

/** Every process command line on the machine (the harness hosts share its PID namespace), every 20 ms. */
function sampleCommandLines(into: Set<string>): { stop(): void } {
  const timer = setInterval(() => {
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const c = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
        if (c) into.add(c);
      } catch {
        // gone meanwhile
      }
    }
  }, 20);
  return { stop: () => clearInterval(timer) };
}
