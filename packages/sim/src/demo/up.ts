/**
 * `npm run sim:up`: a full simulated Gonka node (network node + ML node on this machine, plus the sim
 * seed standing in for the network) for a person to look at. Uses the machine's main dockerd.
 * `npm run sim:down` removes it. Needs root (Docker).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DOCKER_BIN, REPO_ROOT, exec, joinDir, waitFor } from '@gnm/testkit';
import { ensureSimImages } from '../image/build-images.js';
import { configEnv, layoutJoinDir } from './join-dir.js';
import {
  FULL_FILES,
  bringUpNetworkNode,
  createColdKey,
  grantFromColdKey,
  localDocker,
} from '../deploy/operator-flow.js';

export const DEMO_ROOT = path.join(REPO_ROOT, '.gnm-data', 'sim-demo');
export const SEED_CONTAINER = 'gnm-sim-seed';
const PASSWORD = 'sim-demo-keyring-password';
const step = (s: string) => console.log(`\n▸ ${s}`);
const answers = async (url: string) => (await exec('curl', ['-sf', '--max-time', '3', url])).exitCode === 0;

async function main(): Promise<void> {
  step('building the sim images (cached by content)');
  const [img] = await ensureSimImages();
  if (!img) throw new Error('no sim image');
  if (fs.existsSync(DEMO_ROOT)) {
    console.log(`  a previous demo exists in ${DEMO_ROOT}: run \`npm run sim:down\` first`);
    process.exit(2);
  }
  const join = layoutJoinDir(joinDir('v0.2.14'), DEMO_ROOT);
  // The official example serves Qwen3-235B, retired by governance: the sim chain (like mainnet) drops it.
  const nodes = [
    {
      id: 'node1',
      host: 'inference',
      inference_port: 5000,
      poc_port: 8080,
      max_concurrent: 500,
      models: { 'MiniMaxAI/MiniMax-M2.7': { args: ['--tensor-parallel-size', '4'] } },
    },
  ];
  fs.writeFileSync(path.join(join, 'node-config-sim.json'), JSON.stringify(nodes, null, 2));
  const gateway = (
    await localDocker.docker([
      'network',
      'inspect',
      'bridge',
      '--format',
      '{{(index .IPAM.Config 0).Gateway}}',
    ])
  ).trim();

  step('starting the sim seed (the simulated Gonka network)');
  await exec(DOCKER_BIN, ['rm', '-f', SEED_CONTAINER]);
  await localDocker.docker([
    'run',
    '-d',
    '--name',
    SEED_CONTAINER,
    '-p',
    '18000:8000',
    '-p',
    '15000:5000',
    img.networkRef,
    'gnm-sim',
    'seed',
  ]);
  const seedApi = `http://${gateway}:18000`;
  await waitFor('the sim seed', async () =>
    (await answers('http://127.0.0.1:18000/v1/status')) ? true : undefined,
  );

  step('creating the operator cold key (what you would do on your own machine)');
  const coldDir = path.join(DEMO_ROOT, 'operator-cold-key');
  fs.mkdirSync(coldDir, { recursive: true });
  const cold = await createColdKey(localDocker, img.networkRef, coldDir, PASSWORD);

  const env: Record<string, string> = {
    ...configEnv({
      keyName: 'warm-key',
      keyringPassword: PASSWORD,
      publicUrl: `http://${gateway}:8000`,
      p2pExternal: `tcp://${gateway}:5000`,
      accountPubkey: cold.pubkey,
      seedApi,
      seedP2p: `tcp://${gateway}:15000`,
      callbackUrl: 'http://api:9100',
      hfHome: path.join(DEMO_ROOT, 'hf-home'),
      nodeConfig: './node-config-sim.json',
    }),
    GNM_SIM_IMAGE: img.networkRef,
    GNM_SIM_MLNODE_IMAGE: img.mlnodeRef,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
  };
  fs.writeFileSync(
    path.join(join, 'config.env'),
    `${Object.entries(env)
      .map(([k, v]) => `export ${k}=${v}`)
      .join('\n')}\n`,
  );

  step(
    'bringing the node up in the official order: tmkms + node, warm key in the api container, the stack, registration',
  );
  const warm = await bringUpNetworkNode({
    target: localDocker,
    joinDir: join,
    files: FULL_FILES,
    env,
    password: PASSWORD,
    accountPubkey: cold.pubkey,
    seedApi,
    apiAnswers: () => answers('http://127.0.0.1:8000/v1/status'),
  });

  step('granting ML-ops permissions from the cold key (the operator’s machine)');
  console.log(await grantFromColdKey(localDocker, img.networkRef, coldDir, warm, seedApi, PASSWORD));

  console.log(`
Sim node is up (compose project "join" in ${join}).
  public API (proxy)     http://127.0.0.1:8000/v1/epochs/latest
  admin API              http://127.0.0.1:9200/admin/v1/nodes   and  /admin/v1/setup/report
  ML node                http://127.0.0.1:8080/api/v1/state
  the simulated network  http://127.0.0.1:18000/v1/epochs/current/participants
  cold-key address       ${cold.address}   warm key ${warm}
The ML node takes part in PoC at the next epoch (epochs are 20 s); weight shows after it.
Stop it with: npm run sim:down`);
}

main().catch((e: unknown) => {
  console.error(`\nsim:up failed: ${(e as Error).message}`);
  process.exit(1);
});
