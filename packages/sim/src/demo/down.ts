/** `npm run sim:down`: removes the demo started by `npm run sim:up` (containers, its data, the seed). */
import fs from 'node:fs';
import path from 'node:path';
import { DOCKER_BIN, REPO_ROOT, exec } from '@gnm/testkit';
import { FULL_FILES, compose, localDocker } from '../deploy/operator-flow.js';

const ROOT = path.join(REPO_ROOT, '.gnm-data', 'sim-demo');
const join = path.join(ROOT, 'deploy', 'join');
if (fs.existsSync(join)) {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GNM_SIM_IMAGE: 'unused',
    GNM_SIM_MLNODE_IMAGE: 'unused',
  };
  await compose(
    localDocker,
    join,
    FULL_FILES,
    ['--env-file', 'config.env', 'down', '--remove-orphans', '-t', '2'],
    env,
  ).catch((e: unknown) => console.error((e as Error).message));
}
await exec(DOCKER_BIN, ['rm', '-f', 'gnm-sim-seed']);
fs.rmSync(ROOT, { recursive: true, force: true });
console.log('sim demo removed');
