/**
 * `sudo npm run try:down`: removes what `npm run try` made when it could not clean up itself (killed,
 * or run with --keep-on-error): its agent and control plane processes, the node's containers, the sim
 * seed and ./.gnm-try (the control plane's data, the agent's state, the cold key of the trial).
 */
import fs from 'node:fs';
import path from 'node:path';
import { TRY_ROOT, teardown } from './driver.js';

if (process.getuid?.() !== 0) {
  console.error(
    'try:down must run as root (the containers and the agent’s files are root’s): sudo npm run try:down',
  );
  process.exit(1);
}
// Processes of an earlier run: the agent installed under ./.gnm-try and a control plane on its data.
for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
  let cmd = '';
  try {
    cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    continue;
  }
  const agent = cmd.startsWith(path.join(TRY_ROOT, 'agent', 'bin', 'gnm-agent'));
  let cp = false;
  if (!agent && cmd.includes('packages/control-plane/src/main.ts')) {
    try {
      cp = fs
        .readFileSync(`/proc/${pid}/environ`, 'utf8')
        .includes(`GNM_DATA_DIR=${path.join(TRY_ROOT, 'control-plane')}\0`);
    } catch {
      // gone meanwhile
    }
  }
  if (agent || cp) {
    console.log(`stopping the ${agent ? 'agent' : 'control plane'} (pid ${pid})`);
    try {
      process.kill(Number(pid), 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
}
await new Promise((r) => setTimeout(r, 1000));
await teardown(TRY_ROOT, {}, (l) => console.log(l));
console.log('the trial is removed');
