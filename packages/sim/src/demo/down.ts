/** `npm run sim:down`: removes the demo started by `npm run sim:up` (containers, volumes' data, seed). */
import fs from 'node:fs';
import path from 'node:path';
import { DOCKER_BIN, REPO_ROOT, exec } from '@gnm/testkit';

const ROOT = path.join(REPO_ROOT, '.gnm-data', 'sim-demo');
const join = path.join(ROOT, 'deploy', 'join');
if (fs.existsSync(join)) {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', GNM_SIM_IMAGE: 'x', GNM_SIM_MLNODE_IMAGE: 'x' };
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
  const r = await exec(
    DOCKER_BIN,
    ['compose', ...files, '--env-file', 'config.env', 'down', '--remove-orphans', '-t', '2'],
    { cwd: join, env },
  );
  if (r.exitCode !== 0) console.error(r.stderr);
}
await exec(DOCKER_BIN, ['rm', '-f', 'gnm-sim-seed']);
fs.rmSync(ROOT, { recursive: true, force: true });
console.log('sim demo removed');
