/**
 * The end-to-end driver shared by `npm run try` (scripts/try/up.ts) and `bench/time-to-node`: the
 * product, started for real on this machine, taken from nothing to a registered sim node with a green
 * checklist through its public API — the sequence of packages/agent/src/harness/deploy-node.int.test.ts.
 *
 *   control plane (its own main.ts, a child process, data in <root>/control-plane)
 *   → owner account (generated password) and an API token
 *   → the sim bundle built, signed with a local demo key and imported (what `gnm bundle build / keys
 *     init / sign / publish / export` and `gnm bundle import` do, through @gnm/bundle)
 *   → the sim seed (the simulated Gonka network) and the operator's cold key in a throw-away container
 *   → a host, and its install command run here with --foreground (a child process: stopping `try`
 *     stops the agent); the agent's nvidia-smi is the sim one, replaying an 8×H200 capture
 *   → a full node on network sim with the recommender's defaults → deploy (the sim machine's named
 *     preflight findings accepted) → register → the printed grant command run with the cold key
 *   → the checklist turns green.
 *
 * Everything lives under one folder (<root>), the model cache folder (TRY_HF_HOME) and in containers
 * labelled for it, so `teardown` (and `npm run try:down`) removes exactly what this made.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import * as tar from 'tar';
import { Repository, buildBundle, generateKey, publishBundle, writeKey, ROLES } from '@gnm/bundle';
import { Api, publicGet } from '@gnm/cli';
import { peerCertificate } from '@gnm/protocol';
import { SIM_COMPOSE, SIM_VERSIONS, ensureSimImages } from '@gnm/sim';
import { DOCKER_BIN, REPO_ROOT, exec, joinDir, run } from '@gnm/testkit';

export const TRY_ROOT = path.join(REPO_ROOT, '.gnm-try');
/**
 * The node's HF_HOME: under /srv, which agents allow host paths under by default, wherever the
 * checkout lives (a checkout under /root or outside /mnt, /srv, /data could not hold it).
 */
export const TRY_HF_HOME = '/srv/gnm-try/hf-home';
/** Label on every container this driver starts itself (the seed, the throw-away cold-key runs). */
export const LABEL = 'org.gonka-node-manager.try';
const SEED = 'gnm-try-seed';
const BUNDLE = 'gonka-join-sim';
const SIM_MANIFEST = path.join(REPO_ROOT, 'packages/sim/bundle/sim.manifest.json');
const SIM_SMI = path.join(REPO_ROOT, 'packages/sim/nvidia-smi/nvidia-smi');
/** The replayed GPUs: the agent's probe (nvidia-smi profile) and the sim ML node (SIM_GPUS) agree. */
const GPUS = { profile: 'h200-8x', sim: '8xNVIDIA H200:143771', count: 8 };
/** Preflight findings a GPU-less machine with the sim nvidia-smi triggers and that do not apply to the sim. */
const SIM_ACCEPTABLE: Record<string, string> = {
  'fabric-manager': 'the replayed 8×H200 NVLink machine has no Fabric Manager; the sim ML node needs none',
  'nvidia-runtime': 'Docker has no NVIDIA runtime here; the sim ML node runs without GPUs',
};
const COLD_KEY_NAME = 'gonka-account-key';
const FINISHED = ['succeeded', 'failed', 'expired', 'cancelled'];

export interface DriverOptions {
  root: string;
  port: number;
  /** Progress lines for a person (stdout for `try`, stderr for the bench). */
  say: (line: string) => void;
  /** Live progress of a task (one line, rewritten when possible). */
  progress?: (line: string) => void;
  /** Sim knobs of the node (e.g. SIM_MODEL_DOWNLOAD_MS). */
  simValues?: Record<string, string>;
  /** How often the control plane reads the node's health (s): how fast the checklist follows the chain. */
  healthIntervalS?: number;
  /** Stop after the deploy (no registration, grant, checklist). */
  deployOnly?: boolean;
}

export interface TaskEvent {
  seq: number;
  at: string;
  progress: { phase: string; done?: number; total?: number; unit?: string } | null;
  log: string | null;
}
interface Task {
  id: string;
  op: string;
  state: string;
  createdAt: string;
  sentAt: string | null;
  finishedAt: string | null;
  result: unknown;
  error: { code: string; message: string } | null;
  events?: TaskEvent[];
}
export interface NodeView {
  id: string;
  name: string;
  state: string;
  release: string | null;
  config: { serving?: { model: string; args: string[]; reasons?: { field: string; value: string }[] } };
  warmKey: { address: string; mnemonicFile: string | null } | null;
  health: { status: string; reason: string; facts: { chain?: { chainId: string | null } | null } | null };
  coldKey: {
    commands: { id: string; command: string; argv: string[] }[];
    checklist: { id: string; state: string; hint: string }[];
  } | null;
}
interface HostView {
  id: string;
  presence: string;
  lastReport: {
    probe?: { gpus?: unknown[]; findings?: { check: string; severity: string; message: string }[] };
  } | null;
}

/** What a run made and measured. Marks are wall-clock ms (Date.now()) at the named moments. */
export interface DriverResult {
  url: string;
  owner: { email: string; password: string };
  token: string;
  tlsPin: string;
  hostId: string;
  node: NodeView;
  accepted: string[];
  marks: Record<string, number>;
  deployTask: Task & { events: TaskEvent[] };
  registerTask: (Task & { events: TaskEvent[] }) | null;
  checklistGreenAt: number | null;
}

/** Handles of the processes the driver started, for teardown. */
export interface Running {
  controlPlane?: ChildProcess;
  agent?: ChildProcess;
}

/** An error as one message for the operator: the API's field-by-field problems and the hint included. */
export function failureText(e: unknown): string {
  const details = (e as { details?: unknown }).details;
  const hint = e instanceof TryError ? e.hint : '';
  return [
    (e as Error).message,
    ...(Array.isArray(details) ? details.map((d) => `  - ${String(d)}`) : []),
    ...(hint ? [`  → ${hint}`] : []),
  ].join('\n');
}

export class TryError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, ms: number, hint: string, f: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new TryError(`${what}: not within ${Math.round(ms / 1000)} s`, hint);
    await sleep(400);
  }
}
const docker = (args: string[], o: { input?: string; timeoutMs?: number } = {}) =>
  run(DOCKER_BIN, args, { input: o.input, timeoutMs: o.timeoutMs ?? 120_000 });

/** Starts everything and takes the node to a green checklist. `running` is filled as processes start. */
export async function drive(o: DriverOptions, running: Running): Promise<DriverResult> {
  const t0 = Date.now();
  const marks: Record<string, number> = { start: t0 };
  const mark = (name: string) => (marks[name] = Date.now());
  const { root } = o;
  const clock = () => {
    const s = Math.round((Date.now() - t0) / 1000);
    return `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}]`;
  };
  // Top-level steps carry the elapsed time; indented lines (task events, details) carry their own.
  const say = (m: string) => o.say(m.startsWith(' ') ? m : `${clock()} ${m}`);
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  fs.chmodSync(root, 0o700);

  say('building the sim images (cached by content)');
  const [img] = await ensureSimImages([SIM_VERSIONS[0]]);
  if (!img) throw new Error('no sim image was built');
  mark('images');

  // Two independent tracks: the control plane with its owner and bundle; the simulated network with
  // the operator's cold key (on a real deployment: their own machine).
  const [cp, net] = await Promise.all([
    (async () => {
      say(`starting the control plane on https://127.0.0.1:${o.port}/ (data in ${rel(root)}/control-plane)`);
      const started = await startControlPlane(o, running);
      mark('controlPlane');
      const owner = await createOwner(started.url, started.tlsPin, started.setupToken);
      const api = new Api({
        url: started.url,
        token: owner.token,
        tlsPin: started.tlsPin,
        devPlainHttp: false,
      });
      say(
        `owner account ${owner.email} created; signing the sim bundle with a local demo key and importing it`,
      );
      const imported = await importSimBundle(api, root);
      mark('bundle');
      return { ...started, owner, api, imported };
    })(),
    (async () => {
      say('starting the sim seed (the simulated Gonka network) on ports 18000/15000');
      const seed = await startSeed(img.networkRef);
      say('making the operator’s cold key in a throw-away container (what you do on your own machine)');
      const cold = await createColdKey(img.networkRef, path.join(root, 'operator-cold-key'));
      mark('seed');
      return { seed, cold };
    })(),
  ]);
  const { api } = cp;
  say(`bundle ${cp.imported} imported; trusted root pinned`);

  say('adding this machine as a host and running its install command (agent in the foreground)');
  mark('hostCreate');
  const created = await api.request<{ host: { id: string }; enrollment: { installCommand: string } }>(
    'POST',
    '/api/v1/hosts',
    { name: hostName() },
  );
  const hostId = created.host.id;
  // The control plane builds the agent executable in the background at start (never on a request):
  // until it is ready the install routes answer 503, so the install command waits for it.
  await until(
    'the control plane built the agent executable',
    300_000,
    'see the control plane log for why the build failed, or set GNM_AGENT_BINARY',
    async () =>
      (await publicGet(api.conn.url, api.conn.tlsPin, '/agent/v1/gnm-agent-linux-x64.sha256')).status === 200
        ? true
        : undefined,
  );
  startAgent(o, created.enrollment.installCommand, running);
  const host = await until(
    'the agent enrolled and reported its GPUs',
    120_000,
    `see ${rel(root)}/agent.log`,
    async () => {
      const h = await api.request<HostView>('GET', `/api/v1/hosts/${hostId}`);
      return h.presence === 'online' && (h.lastReport?.probe?.gpus?.length ?? 0) === GPUS.count
        ? h
        : undefined;
    },
  );
  mark('hostOnline');
  say(`agent online; it probed ${GPUS.count} GPUs (the sim nvidia-smi replays an 8×H200 machine)`);

  // The findings that would stop the deploy: the sim machine's known ones are accepted by name (and
  // shown); anything else is a real problem of this machine and stops here with its message.
  const accepted: string[] = [];
  const blocking: string[] = [];
  for (const f of host.lastReport?.probe?.findings ?? []) {
    const why = SIM_ACCEPTABLE[f.check];
    if (why && f.severity !== 'ok' && !accepted.includes(f.check)) {
      accepted.push(f.check);
      say(`  accepting preflight finding ${f.check}: ${f.message} — ${why}`);
    } else if (!why && f.severity === 'critical') blocking.push(`${f.check}: ${f.message}`);
  }
  if (blocking.length)
    throw new TryError(
      `this machine cannot run the sim node:\n  ${blocking.join('\n  ')}`,
      /ports/.test(blocking.join())
        ? 'free the ports the Gonka stack publishes (8000, 5000, 8080, 9100, 9200, …): is `npm run sim:down` needed?'
        : 'fix the findings above and run again',
    );

  const { seed, cold } = net;
  const rec = await api.request<{ viable: boolean; model?: string; reason?: string }>(
    'GET',
    `/api/v1/hosts/${hostId}/recommendation?network=sim&seedApi=${encodeURIComponent(seed.api)}`,
  );
  if (!rec.viable) throw new TryError(`the recommender found no viable model: ${rec.reason ?? '?'}`, '');
  const node = await api.request<NodeView>('POST', '/api/v1/nodes', {
    hostId,
    config: {
      name: 'sim-node-1',
      role: 'full',
      network: 'sim',
      seed: { apiUrl: seed.api, p2pAddress: seed.p2p },
      publicHost: seed.gateway,
      accountPubkey: cold.pubkey,
      hfHome: TRY_HF_HOME,
      bundle: { name: BUNDLE },
      extraValues: {
        GNM_SIM_IMAGE: img.networkRef,
        GNM_SIM_MLNODE_IMAGE: img.mlnodeRef,
        SIM_GPUS: GPUS.sim,
        SIM_SETUP_REPORT_CACHE_MS: '1000',
        ...o.simValues,
      },
    },
  });
  const args = node.config.serving?.args ?? [];
  const tp = args[args.indexOf('--tensor-parallel-size') + 1] ?? '?';
  say(
    `node ${node.name} configured (full, network sim); the recommender proposes ${node.config.serving?.model ?? '?'} with tensor parallelism ${tp} for the 8×H200 (npm run gnm -- node show ${node.name} gives every value with its reason)`,
  );
  mark('nodeCreate');

  say(`deploying (accepting ${accepted.join(', ')})`);
  const deployStarted = await api.request<Task>('POST', `/api/v1/nodes/${node.id}/deploy`, {
    acceptWarnings: accepted,
  });
  const deployTask = await follow(api, deployStarted.id, o);
  mark('deployed');
  if (deployTask.state !== 'succeeded')
    throw new TryError(
      `the deploy ${deployTask.state}: ${deployTask.error?.code ?? ''} ${deployTask.error?.message ?? ''}`,
      `the task's events: npm run gnm -- tasks show ${deployTask.id}; the agent's output: ${rel(root)}/agent.log`,
    );
  const deployed = await api.request<NodeView>('GET', `/api/v1/nodes/${node.id}`);
  say(
    `deployed release ${deployed.release ?? '?'}; warm key ${deployed.warmKey?.address ?? '?'} (its recovery phrase stays on the host: ${deployed.warmKey?.mnemonicFile ?? '?'})`,
  );
  const result: DriverResult = {
    url: cp.url,
    owner: { email: cp.owner.email, password: cp.owner.password },
    token: cp.owner.token,
    tlsPin: cp.tlsPin,
    hostId,
    node: deployed,
    accepted,
    marks,
    deployTask,
    registerTask: null,
    checklistGreenAt: null,
  };
  if (o.deployOnly) return result;

  say(
    'registering: the control plane checks PUBLIC_URL and the P2P port from outside, then the agent registers',
  );
  mark('registerStart');
  const reg = await api.request<{
    task: Task;
    reachability: { publicUrl: { ok: boolean }; p2p: { ok: boolean } };
  }>('POST', `/api/v1/nodes/${node.id}/register`);
  const registerTask = await follow(api, reg.task.id, o);
  mark('registered');
  result.registerTask = registerTask;
  if (registerTask.state !== 'succeeded')
    throw new TryError(
      `the registration ${registerTask.state}: ${registerTask.error?.message ?? ''}`,
      `npm run gnm -- tasks show ${registerTask.id}`,
    );

  // The printed commands carry the chain id the node reports; until the control plane's first health
  // read after the deploy it is not known (and a sim node's commands would name gonka-mainnet).
  const registered = await until(
    'the node’s first health read (its chain id)',
    60_000,
    `npm run gnm -- node health ${node.name}`,
    async () => {
      const v = await api.request<NodeView>('GET', `/api/v1/nodes/${node.id}`);
      return v.health.facts?.chain?.chainId ? v : undefined;
    },
  );
  const grant = registered.coldKey?.commands.find((c) => c.id === 'grant-ml-ops-permissions');
  if (!grant)
    throw new TryError('the node view shows no grant command', 'npm run gnm -- node commands sim-node-1');
  say('on the operator’s machine: the printed grant command, with the sim’s inferenced and the cold key');
  say(`  $ ${grant.command}`);
  mark('grantStart');
  await docker(
    [
      'run',
      '--rm',
      '-i',
      '--label',
      LABEL,
      '-v',
      `${path.join(root, 'operator-cold-key')}:/root/.inference`,
      img.networkRef,
      'inferenced',
      ...grant.argv.slice(1),
    ],
    { input: `${cold.password}\n` },
  );
  mark('granted');
  say('waiting for the checklist to turn green (the agent reads the setup report; the chain sees the grant)');
  let shown = '';
  const green = await until(
    'the checklist turning green',
    240_000,
    `npm run gnm -- node show sim-node-1 (the checklist's hints say what is missing)`,
    async () => {
      const v = await api.request<NodeView>('GET', `/api/v1/nodes/${node.id}`);
      const items = v.coldKey?.checklist ?? [];
      const line = items.map((i) => `${i.id} ${i.state === 'done' ? '✓' : '…'}`).join('  ');
      if (line !== shown) o.progress?.(`  checklist: ${(shown = line)}`);
      return items.length > 0 && items.every((i) => i.state === 'done') ? v : undefined;
    },
  );
  result.checklistGreenAt = mark('green');
  result.node = green;
  return result;
}

/** Polls a task, printing each new phase and throttled progress; returns it finished, with its events. */
async function follow(api: Api, id: string, o: DriverOptions): Promise<Task & { events: TaskEvent[] }> {
  let seen = -1;
  let phase = '';
  let lastProgress = 0;
  for (;;) {
    const t = await api.request<Task & { events: TaskEvent[] }>('GET', `/api/v1/tasks/${id}`);
    for (const e of t.events) {
      if (e.seq <= seen) continue;
      seen = e.seq;
      const secs = `${((Date.parse(e.at) - Date.parse(t.createdAt)) / 1000).toFixed(1).padStart(5)} s`;
      // Compose's own per-container lines are in the task's events; the phases say the same, shorter.
      const noise = e.log !== null && /^\s*(Container|Network|Volume) \S+\s+\S+\s*$/.test(e.log);
      if (e.progress && e.progress.phase !== phase) {
        phase = e.progress.phase;
        o.say(`  ${secs}  ▸ ${phase}${e.log && !noise ? `: ${e.log}` : ''}`);
      } else if (e.log && !noise) o.say(`  ${secs}    ${e.log}`);
      if (e.progress?.done !== undefined && Date.now() - lastProgress > 1500) {
        lastProgress = Date.now();
        const p = e.progress;
        o.progress?.(
          `           ${p.phase} ${p.done}${p.total !== undefined ? `/${p.total}` : ''} ${p.unit ?? ''}`,
        );
      }
    }
    if (FINISHED.includes(t.state)) return t;
    await sleep(500);
  }
}

function rel(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') ? `./${r}` : p;
}

function hostName(): string {
  const h = os
    .hostname()
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 40);
  return /^[a-z0-9]/.test(h) ? `${h}-try` : 'this-machine';
}

/** The control plane's own entry point (what `npm start` runs), with its data under <root>. */
async function startControlPlane(
  o: DriverOptions,
  running: Running,
): Promise<{ url: string; tlsPin: string; setupToken: string }> {
  const dataDir = path.join(o.root, 'control-plane');
  const logFile = fs.openSync(path.join(o.root, 'control-plane.log'), 'a');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'packages/control-plane/src/main.ts')],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        GNM_HOST: '127.0.0.1',
        GNM_PORT: String(o.port),
        GNM_DATA_DIR: dataDir,
        GNM_NODE_HEALTH_INTERVAL_S: String(o.healthIntervalS ?? 3),
        GNM_LOG_LEVEL: process.env.GNM_LOG_LEVEL ?? 'info',
        // The sim's seed and the demo hosts are on loopback and private addresses.
        GNM_OUTBOUND_ALLOW: process.env.GNM_OUTBOUND_ALLOW ?? 'loopback,private',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.controlPlane = child;
  let out = '';
  const ready = new Promise<{ url: string; tlsPin: string; setupToken: string }>((resolve, reject) => {
    const onData = (d: Buffer) => {
      fs.writeSync(logFile, d);
      out += d.toString();
      const pin = /TLS \(self-signed\):\s+(sha256\/\/\S+)/.exec(out)?.[1];
      const token = /^\s+(gnm-setup-\S+)\s*$/m.exec(out)?.[1];
      if (pin && token) resolve({ url: `https://127.0.0.1:${o.port}`, tlsPin: pin, setupToken: token });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => {
      fs.writeSync(logFile, d);
      out += d.toString();
    });
    child.once('exit', (code) =>
      reject(
        new TryError(
          `the control plane exited (code ${code}) before it was ready:\n${out.trim().split('\n').slice(-5).join('\n')}`,
          /already in use/.test(out)
            ? `port ${o.port} is taken: is another \`npm run try\` or \`npm start\` running? stop it, or run \`sudo npm run try:down\``
            : `see ${rel(path.join(o.root, 'control-plane.log'))}`,
        ),
      ),
    );
  });
  return Promise.race([
    ready,
    sleep(90_000).then(() => {
      throw new TryError(
        'the control plane did not start within 90 s',
        `see ${rel(o.root)}/control-plane.log`,
      );
    }),
  ]);
}

/** One HTTPS request to the control plane with its TLS key checked against the pin before anything is sent. */
function pinned(
  url: string,
  pin: string,
  method: string,
  p: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown; cookies: string[] }> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = https.request(
      new URL(p, url),
      {
        method,
        agent: false,
        rejectUnauthorized: false,
        headers: { 'content-type': 'application/json', 'content-length': String(data.length), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = text;
          try {
            json = JSON.parse(text);
          } catch {
            // not JSON: keep the text for the error message
          }
          resolve({ status: res.statusCode ?? 0, json, cookies: res.headers['set-cookie'] ?? [] });
        });
      },
    );
    req.on('error', reject);
    req.once('socket', (s) =>
      (s as TLSSocket).once('secureConnect', () => {
        const got = peerCertificate(s as TLSSocket).spkiPin;
        if (got !== pin) return req.destroy(new Error(`TLS key ${got} is not the control plane's ${pin}`));
        req.end(data);
      }),
    );
  });
}

/** The owner account (a generated password) and a write-scoped API token for the rest of the run. */
async function createOwner(
  url: string,
  pin: string,
  setupToken: string,
): Promise<{ email: string; password: string; token: string }> {
  const email = 'owner@gnm-try.example.org';
  const password = crypto.randomBytes(18).toString('base64url');
  const setup = await pinned(url, pin, 'POST', '/api/v1/setup', { setupToken, email, password });
  if (setup.status !== 201)
    throw new Error(`owner setup: HTTP ${setup.status} ${JSON.stringify(setup.json)}`);
  const csrf = (setup.json as { csrfToken: string }).csrfToken;
  const cookie = setup.cookies.map((c) => c.split(';')[0]).join('; ');
  const t = await pinned(
    url,
    pin,
    'POST',
    '/api/v1/tokens',
    { name: 'gnm-try', scope: 'write', expiresInDays: 30 },
    { cookie, 'x-csrf-token': csrf },
  );
  if (t.status !== 201) throw new Error(`API token: HTTP ${t.status} ${JSON.stringify(t.json)}`);
  return { email, password, token: (t.json as { token: string }).token };
}

/**
 * The sim bundle, as a release authority makes one: `gnm bundle keys init` (a local demo key), `gnm
 * bundle build` (official v0.2.14 files + the sim manifest and overrides), `sign`, `publish`, `export`;
 * then `gnm bundle import` and the online keys, so the control plane keeps the timestamp fresh.
 */
async function importSimBundle(api: Api, root: string): Promise<string> {
  const dir = path.join(root, 'bundle');
  const keysDir = path.join(dir, 'demo-keys');
  const keys = {
    root: [generateKey('root')],
    targets: [generateKey('targets')],
    snapshot: [generateKey('snapshot')],
    timestamp: [generateKey('timestamp')],
  };
  for (const role of ROLES) for (const k of keys[role]) writeKey(keysDir, k);
  const repo = Repository.init(path.join(dir, 'repo'), keys);
  const built = path.join(dir, 'build');
  const m = buildBundle({
    from: joinDir('v0.2.14'),
    manifest: SIM_MANIFEST,
    overrides: [SIM_COMPOSE.networkOverride, SIM_COMPOSE.mlnodeOverride],
    out: built,
  });
  publishBundle(repo, built, keys.targets);
  repo.publish(keys.snapshot, keys.timestamp);
  const archive = path.join(dir, `${m.name}-${m.version}.tar.gz`);
  await tar.create({ gzip: true, file: archive, cwd: path.join(dir, 'repo'), portable: true }, [
    'metadata',
    'targets',
  ]);
  await api.request('POST', '/api/v1/bundles', undefined, {
    body: fs.readFileSync(archive),
    contentType: 'application/gzip',
  });
  await api.request('PUT', '/api/v1/bundles/online-keys', {
    keys: [...keys.snapshot, ...keys.timestamp].map((k) => k.privatePem),
  });
  return `${m.name} ${m.version}`;
}

/** The sim seed on this machine's dockerd; the node's containers reach it at the bridge's gateway. */
async function startSeed(image: string): Promise<{ api: string; p2p: string; gateway: string }> {
  await exec(DOCKER_BIN, ['rm', '-f', SEED]);
  await docker([
    'run',
    '-d',
    '--name',
    SEED,
    '--label',
    LABEL,
    '-p',
    '18000:8000',
    '-p',
    '15000:5000',
    '-e',
    'SIM_BLOCK_TIME_MS=1000',
    '-e',
    'SIM_EPOCH_LENGTH=20',
    image,
    'gnm-sim',
    'seed',
  ]).catch((e: unknown) => {
    throw new TryError(
      `the sim seed did not start: ${(e as Error).message.split('\n')[0] ?? ''}`,
      'ports 18000 and 15000 must be free (`sudo npm run sim:down` removes the sim demo’s seed)',
    );
  });
  // The bridge's gateway: dockerd does not always record it in the network's IPAM config (seen with
  // Debian's 20.10), so docker0's own address is the fallback.
  const gateway =
    (
      await docker(['network', 'inspect', 'bridge', '--format', '{{(index .IPAM.Config 0).Gateway}}'])
    ).trim() ||
    (os.networkInterfaces().docker0?.find((a) => a.family === 'IPv4')?.address ?? '');
  if (!gateway)
    throw new TryError(
      'the address of Docker’s default bridge could not be found',
      'check `ip addr show docker0`: dockerd must run with its default bridge',
    );
  await until('the sim seed answering', 30_000, `docker logs ${SEED}`, async () =>
    (await fetch('http://127.0.0.1:18000/v1/status')).ok ? true : undefined,
  );
  return { api: `http://${gateway}:18000`, p2p: `tcp://${gateway}:15000`, gateway };
}

/** `inferenced keys add` in a throw-away container: the operator's cold key, in <root>/operator-cold-key. */
async function createColdKey(
  image: string,
  dir: string,
): Promise<{ address: string; pubkey: string; password: string }> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const password = crypto.randomBytes(12).toString('base64url');
  const out = await docker(
    [
      'run',
      '--rm',
      '-i',
      '--label',
      LABEL,
      '-v',
      `${dir}:/root/.inference`,
      image,
      'inferenced',
      'keys',
      'add',
      COLD_KEY_NAME,
      '--keyring-backend',
      'file',
      '--output',
      'json',
    ],
    { input: `${password}\n${password}\n` },
  );
  const info = JSON.parse(out) as { address: string; pubkey: string };
  return { address: info.address, pubkey: (JSON.parse(info.pubkey) as { key: string }).key, password };
}

/**
 * The host's install command as printed, run here as root without sudo and with --foreground (the
 * agent stays a child of this process), its files under <root>/agent instead of /usr/local/bin,
 * /var/lib/gnm-agent and /srv/gnm, and the sim nvidia-smi named by GNM_AGENT_NVIDIA_SMI.
 */
function startAgent(o: DriverOptions, installCommand: string, running: Running): void {
  const a = path.join(o.root, 'agent');
  const cmd = `${installCommand.replace('| sudo sh -s --', '| sh -s --')} --foreground --prefix ${a}/bin --state-dir ${a}/state --stacks-root ${a}/stacks`;
  const log = fs.openSync(path.join(o.root, 'agent.log'), 'a');
  // GNM_AGENT_NVIDIA_SMI names it for the status reports; the deploy's preflight looks it up on PATH,
  // so the sim one is also first on the agent's PATH (a link under <root>, not in /usr/local/bin).
  const bin = path.join(o.root, 'sim-bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.symlinkSync(SIM_SMI, path.join(bin, 'nvidia-smi'));
  running.agent = spawn('sh', ['-c', cmd], {
    cwd: o.root,
    detached: true, // its own process group: teardown stops the installer's shell and the agent together
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
      GNM_AGENT_NVIDIA_SMI: SIM_SMI,
      SIM_NVIDIA_SMI_PROFILE: GPUS.profile,
    },
  });
}

/** Stops the processes, removes the node's containers, the seed and <root>. Safe to run twice. */
export async function teardown(
  root: string,
  running: Running = {},
  say: (l: string) => void = () => {},
): Promise<void> {
  for (const [name, p] of Object.entries(running)) {
    if (!p || p.exitCode !== null || p.pid === undefined) continue;
    say(`stopping the ${name === 'agent' ? 'agent' : 'control plane'}`);
    try {
      if (name === 'agent') process.kill(-p.pid, 'SIGTERM');
      else p.kill('SIGTERM');
    } catch {
      // already gone
    }
    await Promise.race([new Promise((r) => p.once('exit', r)), sleep(5000)]);
    if (p.exitCode === null && p.signalCode === null) {
      try {
        if (name === 'agent') process.kill(-p.pid, 'SIGKILL');
        else p.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  // The node's stack: compose project "join" whose files were rendered under <root> (a `join` project of
  // someone else — `npm run sim:up`, a real node — is left alone).
  const ids = (
    await exec(DOCKER_BIN, [
      'ps',
      '-a',
      '--filter',
      'label=com.docker.compose.project=join',
      '--format',
      '{{.ID}} {{.Label "com.docker.compose.project.working_dir"}}',
    ])
  ).stdout
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter(([id, dir]) => id && dir?.startsWith(root))
    .map(([id]) => id ?? '');
  if (ids.length) {
    say(`removing the node's ${ids.length} containers`);
    await exec(DOCKER_BIN, ['rm', '-f', '-v', ...ids], { timeoutMs: 120_000 });
    await exec(DOCKER_BIN, ['network', 'rm', 'join_default']);
  }
  const ours = (await exec(DOCKER_BIN, ['ps', '-aq', '--filter', `label=${LABEL}`])).stdout
    .split('\n')
    .filter(Boolean);
  if (ours.length) {
    say('removing the sim seed');
    await exec(DOCKER_BIN, ['rm', '-f', ...ours]);
  }
  if (fs.existsSync(root)) {
    say(`removing ${rel(root)}`);
    fs.rmSync(root, { recursive: true, force: true });
  }
  fs.rmSync(path.dirname(TRY_HF_HOME), { recursive: true, force: true });
}
