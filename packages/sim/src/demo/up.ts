/**
 * `npm run sim:up`: a full simulated Gonka node (network node + ML node on this machine, plus the sim
 * seed standing in for the network) for a person to look at. Uses the machine's main dockerd.
 * `npm run sim:down` removes it. Needs root (Docker).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DOCKER_BIN, REPO_ROOT, exec, joinDir, run, waitFor } from '@gnm/testkit';
import { ensureSimImages } from '../image/build-images.js';
import { configEnv, layoutJoinDir } from './join-dir.js';

const ROOT = path.join(REPO_ROOT, '.gnm-data', 'sim-demo');
const SEED = 'gnm-sim-seed';
const PASSWORD = 'sim-demo-keyring-password';
const docker = (args: string[], opts: { input?: string; cwd?: string; env?: Record<string, string> } = {}) =>
  run(DOCKER_BIN, args, { ...opts, timeoutMs: 300_000 });
const step = (s: string) => console.log(`\n▸ ${s}`);

async function main(): Promise<void> {
  step('building the sim images (cached by content)');
  const [img] = await ensureSimImages();
  if (!img) throw new Error('no sim image');
  if (fs.existsSync(ROOT)) {
    console.log(`  a previous demo exists in ${ROOT}: run \`npm run sim:down\` first`);
    process.exit(2);
  }
  const join = layoutJoinDir(joinDir('v0.2.14'), ROOT);
  // The official example serves Qwen3-235B, retired by governance: the sim chain (like mainnet) drops it.
  fs.writeFileSync(
    path.join(join, 'node-config-sim.json'),
    JSON.stringify(
      [
        {
          id: 'node1',
          host: 'inference',
          inference_port: 5000,
          poc_port: 8080,
          max_concurrent: 500,
          models: { 'MiniMaxAI/MiniMax-M2.7': { args: ['--tensor-parallel-size', '4'] } },
        },
      ],
      null,
      2,
    ),
  );
  const gateway = (
    await docker(['network', 'inspect', 'bridge', '--format', '{{(index .IPAM.Config 0).Gateway}}'])
  ).trim();

  step('starting the sim seed (the simulated Gonka network)');
  await exec(DOCKER_BIN, ['rm', '-f', SEED]);
  await docker([
    'run',
    '-d',
    '--name',
    SEED,
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
    (await exec('curl', ['-sf', 'http://127.0.0.1:18000/v1/status'])).exitCode === 0 ? true : undefined,
  );

  step('creating the operator cold key (what you would do on your own machine)');
  const coldDir = path.join(ROOT, 'operator-cold-key');
  fs.mkdirSync(coldDir, { recursive: true });
  const cold = await docker(
    [
      'run',
      '--rm',
      '-i',
      '-v',
      `${coldDir}:/root/.inference`,
      img.networkRef,
      'inferenced',
      'keys',
      'add',
      'gonka-account-key',
      '--keyring-backend',
      'file',
      '--output',
      'json',
    ],
    {
      input: `${PASSWORD}\n${PASSWORD}\n`,
    },
  );
  const coldInfo = JSON.parse(cold) as { address: string; pubkey: string };
  const accountPubkey = (JSON.parse(coldInfo.pubkey) as { key: string }).key;

  const env: Record<string, string> = {
    ...configEnv({
      keyName: 'warm-key',
      keyringPassword: PASSWORD,
      publicUrl: `http://${gateway}:8000`,
      p2pExternal: `tcp://${gateway}:5000`,
      accountPubkey,
      seedApi,
      seedP2p: `tcp://${gateway}:15000`,
      callbackUrl: 'http://api:9100',
      hfHome: path.join(ROOT, 'hf-home'),
      nodeConfig: './node-config-sim.json',
    }),
    GNM_SIM_IMAGE: img.networkRef,
    GNM_SIM_MLNODE_IMAGE: img.mlnodeRef,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
  };
  fs.writeFileSync(
    path.join(join, 'config.env'),
    Object.entries(env)
      .map(([k, v]) => `export ${k}=${v}`)
      .join('\n') + '\n',
  );
  const files = [
    '-f',
    'docker-compose.yml',
    '-f',
    'docker-compose.mlnode.yml',
    '-f',
    'docker-compose.sim.yml',
    '-f',
    'docker-compose.mlnode.sim.yml',
  ];

  step('starting tmkms and node (official order: `docker compose up tmkms node -d --no-deps`)');
  await docker(['compose', ...files, 'up', '-d', '--no-deps', 'tmkms', 'node'], { cwd: join, env });
  await waitFor(
    'the node RPC',
    async () =>
      (await exec(DOCKER_BIN, ['exec', 'node', 'wget', '-qO-', 'http://localhost:26657/status'])).exitCode ===
      0
        ? true
        : undefined,
    60_000,
  );

  step('creating the warm key in the api container (password on stdin)');
  await docker(
    [
      'compose',
      ...files,
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
    {
      cwd: join,
      env,
      input: `${PASSWORD}\n${PASSWORD}\n`,
    },
  );
  const warm = (
    await docker(
      [
        'compose',
        ...files,
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
      { cwd: join, env, input: `${PASSWORD}\n` },
    )
  ).trim();

  step('starting the whole stack');
  await docker(['compose', ...files, 'up', '-d'], { cwd: join, env });
  await waitFor(
    'the api',
    async () =>
      (await exec('curl', ['-sf', 'http://127.0.0.1:8000/v1/status'])).exitCode === 0 ? true : undefined,
    60_000,
  );

  step('registering the participant (public data only)');
  console.log(
    await docker([
      'exec',
      'api',
      'inferenced',
      'register-new-participant',
      env.PUBLIC_URL ?? '',
      accountPubkey,
      '--node-address',
      seedApi,
    ]),
  );

  step('granting ML-ops permissions from the cold key (the operator’s machine)');
  console.log(
    await docker(
      [
        'run',
        '--rm',
        '-i',
        '-v',
        `${coldDir}:/root/.inference`,
        img.networkRef,
        'inferenced',
        'tx',
        'inference',
        'grant-ml-ops-permissions',
        'gonka-account-key',
        warm,
        '--from',
        'gonka-account-key',
        '--keyring-backend',
        'file',
        '--node',
        `${seedApi}/chain-rpc/`,
      ],
      {
        input: `${PASSWORD}\n`,
      },
    ),
  );

  console.log(`
Sim node is up (compose project "join" in ${join}).
  public API (proxy)     http://127.0.0.1:8000/v1/epochs/latest
  admin API              http://127.0.0.1:9200/admin/v1/nodes   and  /admin/v1/setup/report
  ML node                http://127.0.0.1:8080/api/v1/state
  the simulated network  http://127.0.0.1:18000/v1/epochs/current/participants
  cold-key address       ${coldInfo.address}   warm key ${warm}
The ML node takes part in PoC at the next epoch (epochs are ${process.env.SIM_EPOCH_LENGTH ?? 20} s); weight shows after it.
Stop it with: npm run sim:down`);
}

main().catch((e: unknown) => {
  console.error(`\nsim:up failed: ${(e as Error).message}`);
  process.exit(1);
});
