import { DOCKER_BIN, exec, run, waitFor, type ExecResult } from '@gnm/testkit';

/** Where `docker` runs: a harness host (its own dockerd) or this machine (the demo). */
export interface DockerTarget {
  docker(
    args: readonly string[],
    opts?: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number },
  ): Promise<string>;
  dockerExec(
    args: readonly string[],
    opts?: { cwd?: string; env?: Record<string, string>; input?: string },
  ): Promise<ExecResult>;
}

/** This machine's main dockerd. */
export const localDocker: DockerTarget = {
  docker: (args, opts = {}) => run(DOCKER_BIN, args, { ...opts, timeoutMs: opts.timeoutMs ?? 300_000 }),
  dockerExec: (args, opts = {}) => exec(DOCKER_BIN, args, opts),
};

export const NETWORK_FILES = ['-f', 'docker-compose.yml', '-f', 'docker-compose.sim.yml'];
export const MLNODE_FILES = ['-f', 'docker-compose.mlnode.yml', '-f', 'docker-compose.mlnode.sim.yml'];
export const FULL_FILES = [
  ...NETWORK_FILES.slice(0, 2),
  ...MLNODE_FILES.slice(0, 2),
  ...NETWORK_FILES.slice(2),
  ...MLNODE_FILES.slice(2),
];

export function compose(
  t: DockerTarget,
  joinDir: string,
  files: string[],
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<string> {
  return t.docker(['compose', ...files, ...args], { cwd: joinDir, env, input, timeoutMs: 300_000 });
}

/** The operator's cold key, made with the sim `inferenced` in a throw-away container (their own machine). */
export async function createColdKey(
  t: DockerTarget,
  image: string,
  dir: string,
  password: string,
): Promise<{ address: string; pubkey: string }> {
  const out = await t.docker(
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
    { input: `${password}\n${password}\n` },
  );
  const info = JSON.parse(out) as { address: string; pubkey: string };
  return { address: info.address, pubkey: (JSON.parse(info.pubkey) as { key: string }).key };
}

/** The operator runs `grant-ml-ops-permissions` from the cold key against the seed's chain RPC. */
export function grantFromColdKey(
  t: DockerTarget,
  image: string,
  dir: string,
  warmAddress: string,
  seedApi: string,
  password: string,
): Promise<string> {
  return t.docker(
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
    { input: `${password}\n` },
  );
}

/**
 * The official bring-up of a network node (reference §1.1, §8): tmkms and node first, the warm key
 * created in the api container with the password on stdin, the whole stack, then registration with
 * public data only. Returns the warm key's address.
 */
export async function bringUpNetworkNode(o: {
  target: DockerTarget;
  joinDir: string;
  files: string[];
  env: Record<string, string>;
  password: string;
  accountPubkey: string;
  seedApi: string;
  /** Resolves when the public API answers (reached the way the caller can). */
  apiAnswers: () => Promise<boolean>;
}): Promise<string> {
  const { target: t, joinDir, files, env } = o;
  await compose(t, joinDir, files, ['up', '-d', '--no-deps', 'tmkms', 'node'], env);
  await waitFor(
    'the node RPC',
    async () =>
      (await t.dockerExec(['exec', 'node', 'wget', '-qO-', 'http://localhost:26657/status'])).exitCode === 0
        ? true
        : undefined,
    60_000,
  );
  const keys = ['run', '--rm', '--no-deps', '-T', 'api', 'inferenced', 'keys'];
  await compose(
    t,
    joinDir,
    files,
    [...keys, 'add', env.KEY_NAME ?? 'warm-key', '--keyring-backend', 'file'],
    env,
    `${o.password}\n${o.password}\n`,
  );
  const warm = (
    await compose(
      t,
      joinDir,
      files,
      [...keys, 'show', env.KEY_NAME ?? 'warm-key', '-a', '--keyring-backend', 'file'],
      env,
      `${o.password}\n`,
    )
  ).trim();
  await compose(t, joinDir, files, ['up', '-d'], env);
  await waitFor('the public API', async () => ((await o.apiAnswers()) ? true : undefined), 60_000);
  await t.docker([
    'exec',
    'api',
    'inferenced',
    'register-new-participant',
    env.PUBLIC_URL ?? '',
    o.accountPubkey,
    '--node-address',
    o.seedApi,
  ]);
  return warm;
}
