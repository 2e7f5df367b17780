import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { joinDir, waitFor, type Host, type HostPool } from '@gnm/testkit';
import { ensureSimImages, type SimVersion } from '../image/build-images.js';
import { configEnv, layoutJoinDir } from '../demo/join-dir.js';

/**
 * Test helpers that put the sim on harness hosts the way an operator deploys Gonka: the official
 * files plus the sim override in `<root>/deploy/join`, `config.env` values as the environment of
 * `docker compose`, images pulled from the harness registry.
 */
export interface PushedSim {
  version: SimVersion;
  network: string;
  mlnode: string;
}

export async function pushSimImages(pool: HostPool): Promise<PushedSim[]> {
  const images = await ensureSimImages();
  const out: PushedSim[] = [];
  for (const img of images) {
    const n = await pool.pushImage(img.networkRef, img.networkRef);
    const m = await pool.pushImage(img.mlnodeRef, img.mlnodeRef);
    out.push({ version: img.version, network: n.tagRef, mlnode: m.tagRef });
  }
  return out;
}

export const SIM_ROOT = '/srv/gnm-sim';
export const JOIN = `${SIM_ROOT}/deploy/join`;
export const PASSWORD = 'test-keyring-password';

/** Puts the official v0.2.14 files, the overrides and the sim genesis on the host. */
export async function layoutOnHost(host: Host, extraFiles: Record<string, string> = {}): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-sim-layout-'));
  try {
    const join = layoutJoinDir(joinDir('v0.2.14'), tmp);
    for (const [name, content] of Object.entries(extraFiles))
      fs.writeFileSync(path.join(join, name), content);
    await host.copyIn(tmp, SIM_ROOT);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export const NETWORK_FILES = ['-f', 'docker-compose.yml', '-f', 'docker-compose.sim.yml'];
export const MLNODE_FILES = ['-f', 'docker-compose.mlnode.yml', '-f', 'docker-compose.mlnode.sim.yml'];
export const FULL_FILES = [
  '-f',
  'docker-compose.yml',
  '-f',
  'docker-compose.mlnode.yml',
  '-f',
  'docker-compose.sim.yml',
  '-f',
  'docker-compose.mlnode.sim.yml',
];

export function compose(
  host: Host,
  files: string[],
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<string> {
  return host.docker(['compose', ...files, ...args], { cwd: JOIN, env, input, timeoutMs: 300_000 });
}

/** The sim seed (the simulated network) as a container on `host`, on ports 18000 (API/RPC) and 15000 (P2P). */
export async function startSeed(
  host: Host,
  image: string,
  env: Record<string, string> = {},
): Promise<{ api: string; p2p: string; control: string }> {
  const envArgs = Object.entries({ SIM_BLOCK_TIME_MS: '1000', SIM_EPOCH_LENGTH: '20', ...env }).flatMap(
    ([k, v]) => ['-e', `${k}=${v}`],
  );
  await host.docker([
    'run',
    '-d',
    '--name',
    'sim-seed',
    '-p',
    '18000:8000',
    '-p',
    '15000:5000',
    '-p',
    '19999:9999',
    ...envArgs,
    image,
    'gnm-sim',
    'seed',
  ]);
  const api = `http://${host.ip}:18000`;
  await waitFor(
    'the sim seed',
    async () => ((await host.httpStatus(`${api}/v1/status`)) === 200 ? true : undefined),
    30_000,
  );
  return { api, p2p: `tcp://${host.ip}:15000`, control: `http://${host.ip}:19999` };
}

/** The operator's cold key, made with the sim `inferenced` in a throw-away container (their laptop). */
export async function createColdKey(
  host: Host,
  image: string,
  dir: string,
): Promise<{ address: string; pubkey: string }> {
  const out = await host.docker(
    [
      'run',
      '--rm',
      '-i',
      '-v',
      `${dir}:/root/.inference`,
      image,
      'inferenced',
      'keys',
      'add',
      'gonka-account-key',
      '--keyring-backend',
      'file',
      '--output',
      'json',
    ],
    { input: `${PASSWORD}\n${PASSWORD}\n` },
  );
  const info = JSON.parse(out) as { address: string; pubkey: string };
  return { address: info.address, pubkey: (JSON.parse(info.pubkey) as { key: string }).key };
}

/** The operator runs `grant-ml-ops-permissions` from the cold key against the seed. */
export function grantFromColdKey(
  host: Host,
  image: string,
  dir: string,
  warmAddress: string,
  seedApi: string,
): Promise<string> {
  return host.docker(
    [
      'run',
      '--rm',
      '-i',
      '-v',
      `${dir}:/root/.inference`,
      image,
      'inferenced',
      'tx',
      'inference',
      'grant-ml-ops-permissions',
      'gonka-account-key',
      warmAddress,
      '--from',
      'gonka-account-key',
      '--keyring-backend',
      'file',
      '--node',
      `${seedApi}/chain-rpc/`,
    ],
    { input: `${PASSWORD}\n` },
  );
}

export interface NetworkNodeOptions {
  host: Host;
  images: PushedSim;
  seed: { api: string; p2p: string };
  accountPubkey: string;
  callbackUrl: string;
  files: string[];
  nodeConfig?: unknown[];
  extraEnv?: Record<string, string>;
}

/**
 * The official bring-up of a network node (reference §1.1, §8): tmkms and node first, the warm key
 * created in the api container with the password on stdin, the rest of the stack, registration.
 * Returns the environment used and the warm key address.
 */
export async function deployNetworkNode(
  o: NetworkNodeOptions,
): Promise<{ env: Record<string, string>; warm: string }> {
  const { host } = o;
  await layoutOnHost(host, { 'node-config-test.json': JSON.stringify(o.nodeConfig ?? []) });
  const env: Record<string, string> = {
    ...configEnv({
      keyName: 'warm-key',
      keyringPassword: PASSWORD,
      publicUrl: `http://${host.ip}:8000`,
      p2pExternal: `tcp://${host.ip}:5000`,
      accountPubkey: o.accountPubkey,
      seedApi: o.seed.api,
      seedP2p: o.seed.p2p,
      callbackUrl: o.callbackUrl,
      hfHome: `${SIM_ROOT}/hf-home`,
      nodeConfig: './node-config-test.json',
    }),
    GNM_SIM_IMAGE: o.images.network,
    GNM_SIM_MLNODE_IMAGE: o.images.mlnode,
    SIM_SETUP_REPORT_CACHE_MS: '1000',
    ...o.extraEnv,
  };
  await compose(host, o.files, ['up', '-d', '--no-deps', 'tmkms', 'node'], env);
  await waitFor(
    `node RPC on ${host.name}`,
    async () =>
      (await host.dockerExec(['exec', 'node', 'wget', '-qO-', 'http://localhost:26657/status'])).exitCode ===
      0
        ? true
        : undefined,
    60_000,
  );
  await compose(
    host,
    o.files,
    [
      'run',
      '--rm',
      '--no-deps',
      '-T',
      'api',
      'inferenced',
      'keys',
      'add',
      'warm-key',
      '--keyring-backend',
      'file',
    ],
    env,
    `${PASSWORD}\n${PASSWORD}\n`,
  );
  const warm = (
    await compose(
      host,
      o.files,
      [
        'run',
        '--rm',
        '--no-deps',
        '-T',
        'api',
        'inferenced',
        'keys',
        'show',
        'warm-key',
        '-a',
        '--keyring-backend',
        'file',
      ],
      env,
      `${PASSWORD}\n`,
    )
  ).trim();
  await compose(host, o.files, ['up', '-d'], env);
  await waitFor(
    `public API on ${host.name}`,
    async () => ((await host.httpStatus(`http://${host.ip}:8000/v1/status`)) === 200 ? true : undefined),
    60_000,
  );
  await host.docker([
    'exec',
    'api',
    'inferenced',
    'register-new-participant',
    env.PUBLIC_URL ?? '',
    o.accountPubkey,
    '--node-address',
    o.seed.api,
  ]);
  return { env, warm };
}

/** Admin API calls from inside the network host (9200 is bound to 127.0.0.1 there, as upstream). */
export async function admin(
  host: Host,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const args = ['-s', '-w', '\n%{http_code}', '-X', method, `http://127.0.0.1:9200${p}`];
  if (body !== undefined) args.push('-H', 'content-type: application/json', '--data-binary', '@-');
  const r = await host.exec('curl', args, { input: body === undefined ? undefined : JSON.stringify(body) });
  const lines = r.stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  const text = lines.join('\n');
  return { status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

export async function getJson(host: Host, url: string): Promise<unknown> {
  return JSON.parse(await host.run('curl', ['-sf', '--max-time', '5', url])) as unknown;
}
