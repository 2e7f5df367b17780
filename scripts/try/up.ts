/**
 * `sudo npm run try` (after scripts/try/try.sh made sure Docker is there): the control plane, an agent
 * on this machine and a full sim node, driven through the product's API (scripts/try/driver.ts), then
 * kept running until Ctrl-C, which stops and removes all of it. `npm run try:down` removes what a
 * killed run left behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DOCKER_BIN, exec } from '@gnm/testkit';
import { LABEL, TRY_ROOT, TryError, drive, failureText, teardown, type Running } from './driver.js';

const { values: args } = parseArgs({
  options: { port: { type: 'string' }, 'keep-on-error': { type: 'boolean' } },
});
const PORT = Number(args.port ?? 8787);
const tty = process.stdout.isTTY === true;
let progressShown = false;
const say = (line: string) => {
  if (progressShown && tty) process.stdout.write('\r\x1b[2K');
  progressShown = false;
  console.log(line);
};
const progress = (line: string) => {
  if (!tty) return console.log(line);
  process.stdout.write(`\r\x1b[2K${line.slice(0, (process.stdout.columns || 100) - 1)}`);
  progressShown = true;
};
const step = (s: string) => say(`\n▸ ${s}`);

async function portTaken(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch (e) {
    const code = ((e as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    return code !== 'ECONNREFUSED';
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new TryError('must run as root', 'sudo npm run try');
  if (await portTaken(PORT))
    throw new TryError(
      `something already listens on 127.0.0.1:${PORT}`,
      'is another `npm run try` or `npm start` running? stop it (or give --port N)',
    );
  const leftovers = (await exec(DOCKER_BIN, ['ps', '-aq', '--filter', `label=${LABEL}`])).stdout.trim();
  if (fs.existsSync(TRY_ROOT) || leftovers) {
    say('removing what an earlier `npm run try` left behind');
    await teardown(TRY_ROOT, {}, (l) => say(`  ${l}`));
  }

  const running: Running = {};
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nstopping and removing the trial…');
    await teardown(TRY_ROOT, running, (l) => say(`  ${l}`));
    say('done.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(130));
  process.on('SIGTERM', () => void stop(143));

  const t0 = Date.now();
  say('Gonka Node Manager — end-to-end trial on the simulated Gonka stack (no GPU needed).');
  step('preparing');
  let r;
  try {
    r = await drive(
      {
        root: TRY_ROOT,
        port: PORT,
        say,
        progress,
        simValues: { SIM_MODEL_DOWNLOAD_MS: '3000' },
        healthIntervalS: 3,
      },
      running,
    );
  } catch (e) {
    if (stopping) return;
    console.error(`\ntry failed: ${failureText(e)}`);
    if (args['keep-on-error']) {
      if (running.agent?.pid) process.kill(-running.agent.pid, 'SIGTERM'); // its process group
      running.controlPlane?.kill('SIGTERM');
      console.error(
        `kept for inspection: ${TRY_ROOT} (control-plane.log, agent.log) and the containers; remove with: sudo npm run try:down`,
      );
      process.exit(1);
    }
    console.error(
      `the logs: ${path.join(TRY_ROOT, 'control-plane.log')}, ${path.join(TRY_ROOT, 'agent.log')} (copied to /tmp/gnm-try-*.log); cleaning up (--keep-on-error keeps everything)`,
    );
    for (const f of ['control-plane.log', 'agent.log'])
      if (fs.existsSync(path.join(TRY_ROOT, f))) fs.copyFileSync(path.join(TRY_ROOT, f), `/tmp/gnm-try-${f}`);
    await stop(1);
    return;
  }
  const secs = Math.round((Date.now() - t0) / 1000);
  const checklist = r.node.coldKey?.checklist ?? [];
  fs.writeFileSync(
    path.join(TRY_ROOT, 'owner.txt'),
    `url=${r.url}\nemail=${r.owner.email}\npassword=${r.owner.password}\ntoken=${r.token}\ntls-pin=${r.tlsPin}\n`,
    { mode: 0o600 },
  );
  say(`
Gonka Node Manager is running, with a full sim node deployed, registered and granted (${Math.floor(secs / 60)} min ${secs % 60} s).

  control plane   ${r.url}/   (API docs ${r.url}/api/docs; self-signed certificate, key pin ${r.tlsPin})
  owner login     ${r.owner.email}   password ${r.owner.password}
  API token       ${r.token}   (all four are in ${path.relative(process.cwd(), TRY_ROOT) || '.'}/owner.txt)
  node            ${r.node.name}: ${r.node.state}, release ${r.node.release ?? '?'}, health ${r.node.health.status} (${r.node.health.reason})
  checklist       ${checklist.map((i) => `${i.id} ${i.state === 'done' ? '✓' : '…'}`).join('  ')}
  accepted        preflight findings ${r.accepted.join(', ') || 'none'} (the sim machine has no real GPUs)

Next, in another terminal:
  npm run gnm -- login --url ${r.url} --token ${r.token} --tls-pin '${r.tlsPin}'
  npm run gnm -- node show ${r.node.name}      # state, health, the cold-key commands and the checklist
  npm run gnm -- node health ${r.node.name}
  npm run gnm -- hosts list

The sim network: http://127.0.0.1:18000/v1/epochs/current/participants   the node's public API: http://127.0.0.1:8000/v1/status
Logs: ${path.join(TRY_ROOT, 'control-plane.log')}, ${path.join(TRY_ROOT, 'agent.log')}
Ctrl-C stops everything and removes it (sudo npm run try:down does the same after a crash).`);

  // Keep running; say so if a part dies on its own.
  for (const [name, p] of Object.entries(running))
    p?.once('exit', (code: number | null) => {
      if (!stopping)
        say(
          `\n! the ${name === 'agent' ? 'agent' : 'control plane'} exited (code ${code}); Ctrl-C to clean up`,
        );
    });
  await new Promise(() => {});
}

main().catch((e: unknown) => {
  console.error(`\ntry failed: ${failureText(e)}`);
  process.exit(1);
});
