import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { joinDir, waitFor, type Host, type HostPool } from '@gnm/testkit';
import { ensureSimImages, type SimVersion } from '../image/build-images.js';
import { configEnv, layoutJoinDir } from '../demo/join-dir.js';
import * as flow from '../deploy/operator-flow.js';
import { bringUpNetworkNode } from '../deploy/operator-flow.js';

export { FULL_FILES, MLNODE_FILES, NETWORK_FILES } from '../deploy/operator-flow.js';

/** `docker compose` in the sim's deploy folder on a harness host. */
export const compose = (
  host: Host,
  files: string[],
  args: string[],
  env: Record<string, string>,
  input?: string,
) => flow.compose(host, JOIN, files, args, env, input);
export const createColdKey = (host: Host, image: string, dir: string) =>
  flow.createColdKey(host, image, dir, PASSWORD);
export const grantFromColdKey = (host: Host, image: string, dir: string, warm: string, seedApi: string) =>
  flow.grantFromColdKey(host, image, dir, warm, seedApi, PASSWORD);

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
  const warm = await bringUpNetworkNode({
    target: host,
    joinDir: JOIN,
    files: o.files,
    env,
    password: PASSWORD,
    accountPubkey: o.accountPubkey,
    seedApi: o.seed.api,
    apiAnswers: async () => (await host.httpStatus(`http://${host.ip}:8000/v1/status`)) === 200,
  });
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
