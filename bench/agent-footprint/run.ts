#!/usr/bin/env -S node --import tsx
/**
 * Agent footprint (issue #6): the single executable, enrolled with a real control plane, connected and
 * idle while one compose stack (project `join`) runs on this machine's Docker engine, sampled from /proc
 * over a window — beside Debian's prometheus-node-exporter started in the same run, as a yardstick.
 * Target: RSS ≤ 60 MB, CPU ≤ 0.5 % of one core.
 *
 *   npm run bench:agent-footprint -- [--duration S] [--settle S] [--executable FILE] [--fresh] [--smoke]
 *
 * Logs go to stderr; stdout carries only the JSON result.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { startTestControlPlane } from '@gnm/control-plane/testing';
import { ensureBaseImage } from '@gnm/testkit';
import { buildExecutable } from '../../packages/agent/src/build/build-executable.js';
import { cpuPct, sampleProc, type ProcSample } from '../agents/proc.js';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string' },
    settle: { type: 'string' },
    executable: { type: 'string' },
    'node-options': { type: 'string' },
    smoke: { type: 'boolean' },
    fresh: { type: 'boolean' },
  },
});
const DURATION_S = Number(args.duration ?? (args.smoke ? 10 : 60));
const SETTLE_S = Number(args.settle ?? (args.smoke ? 5 : 20));
const TARGET = { rssMB: 60, cpuPct: 0.5 };
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const log = (m: string) => process.stderr.write(`[agent-footprint] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Spawned without a shell and with an empty environment (as systemd would), output kept for errors. */
function start(
  file: string,
  argv: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; out: () => string } {
  let out = '';
  const child = spawn(file, argv, {
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  return { child, out: () => out };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });

/** Where the resident memory is: anonymous (heap, stacks) vs file-backed (the executable's own pages). */
function rollup(pid: number): Record<string, number> | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    const mb = (v: number) => Math.round((v / 1024) * 10) / 10;
    return {
      rssMB: mb(kb('Rss')),
      anonymousMB: mb(kb('Anonymous')),
      fileBackedMB: mb(kb('Rss') - kb('Anonymous')),
      pssMB: mb(kb('Pss')),
    };
  } catch {
    return null;
  }
}

function summarize(samples: ProcSample[]) {
  const first = samples[0];
  const last = samples[samples.length - 1];
  const rss = samples.map((s) => s.rssMB);
  return {
    rssMB: {
      max: Math.round(Math.max(...rss) * 10) / 10,
      mean: Math.round((rss.reduce((a, b) => a + b, 0) / rss.length) * 10) / 10,
    },
    cpuPctOfOneCore: cpuPct(first, last),
    cpuSeconds: first && last ? Math.round((last.cpuSeconds - first.cpuSeconds) * 1000) / 1000 : null,
  };
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-bench-footprint-'));
  const stateDir = path.join(work, 'state');
  const stacksRoot = path.join(work, 'stacks');
  const children: ChildProcess[] = [];
  const cp = await startTestControlPlane('sqlite');
  const project = path.join(work, 'join');
  try {
    const exe = args.executable ?? (await buildExecutable(path.join(work, 'exe'))).file;
    log(`agent executable: ${exe} (${Math.round(fs.statSync(exe).size / 1e6)} MB)`);
    // As installed: install.sh drops the file it just wrote from the page cache before starting the
    // agent (a freshly written file is cached in large folios that a mapping keeps whole). --fresh
    // measures without that step.
    if (!args.fresh) await run('dd', [`if=${exe}`, 'iflag=nocache', 'count=0', 'status=none']);

    // One running stack, as on a host: project `join`, two long-running containers.
    const base = await ensureBaseImage();
    fs.mkdirSync(project, { recursive: true });
    fs.writeFileSync(
      path.join(project, 'docker-compose.yml'),
      `services:\n  node:\n    image: ${base.ref}\n    command: ["sleep", "100000"]\n  api:\n    image: ${base.ref}\n    command: ["sleep", "100000"]\n`,
    );
    await run('docker', [
      'compose',
      '--project-name',
      'join',
      '--project-directory',
      project,
      'up',
      '--detach',
    ]);

    const created = await cp.call<{ host: { id: string }; enrollment: { installCommand: string } }>(
      cp.owner,
      'POST',
      '/api/v1/hosts',
      { name: 'footprint' },
    );
    const token = /--token '([^']+)'/.exec(created.body.enrollment.installCommand)?.[1] ?? '';
    const enrollArgs = [
      'enroll',
      '--state-dir',
      stateDir,
      '--control-plane',
      cp.url,
      '--token',
      token,
      '--cp-fingerprint',
      cp.pins.cpFingerprint,
      '--tls-pin',
      cp.pins.tlsPin ?? '',
    ];
    // Asynchronous: the control plane answers from this process.
    const enrolled = start(exe, enrollArgs);
    const code = await new Promise((r) => enrolled.child.on('exit', r));
    if (code !== 0) throw new Error(`enrollment failed: ${enrolled.out()}`);

    // --node-options: V8/Node flags for the agent, as the systemd unit would set them (NODE_OPTIONS).
    const agent = start(
      exe,
      ['run', '--state-dir', stateDir, '--stacks-root', stacksRoot],
      args['node-options'] ? { NODE_OPTIONS: args['node-options'] } : {},
    );
    children.push(agent.child);
    const port = await freePort();
    const exporter = fs.existsSync(NODE_EXPORTER)
      ? start(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`])
      : undefined;
    if (exporter) children.push(exporter.child);
    else
      log(
        `${NODE_EXPORTER} is missing: apt-get install prometheus-node-exporter (measured beside the agent)`,
      );

    const end = Date.now() + 30_000;
    for (;;) {
      const h = await cp.call<{ presence: string; lastReport: unknown }>(
        cp.owner,
        'GET',
        `/api/v1/hosts/${created.body.host.id}`,
      );
      if (h.body.presence === 'online' && h.body.lastReport) break;
      if (Date.now() > end || agent.child.exitCode !== null)
        throw new Error(`the agent did not connect: ${agent.out()}`);
      await sleep(200);
    }
    log(`connected; settling ${SETTLE_S} s, then sampling ${DURATION_S} s`);
    await sleep(SETTLE_S * 1000);
    const a: ProcSample[] = [];
    const e: ProcSample[] = [];
    const stop = Date.now() + DURATION_S * 1000;
    while (Date.now() < stop) {
      const s = sampleProc(agent.child.pid ?? 0);
      if (!s) throw new Error(`the agent exited: ${agent.out()}`);
      a.push(s);
      const x = exporter ? sampleProc(exporter.child.pid ?? 0) : undefined;
      if (x) e.push(x);
      await sleep(1000);
    }
    const agentStats = { ...summarize(a), memory: rollup(agent.child.pid ?? 0) };
    const reports = await cp.db.db
      .selectFrom('hosts')
      .select(['last_seen_at'])
      .where('id', '=', created.body.host.id)
      .executeTakeFirst();
    console.log(
      JSON.stringify(
        {
          bench: 'agent-footprint',
          durationS: DURATION_S,
          executablePageCache: args.fresh ? 'fresh (just written)' : 'dropped, as install.sh does',
          node: process.version,
          agent: agentStats,
          nodeExporter: exporter
            ? { version: '1.5.0 (Debian)', ...summarize(e), memory: rollup(exporter.child.pid ?? 0) }
            : null,
          lastSeenAt: reports?.last_seen_at ?? null,
          target: {
            ...TARGET,
            rssPass: agentStats.rssMB.max <= TARGET.rssMB,
            cpuPass: agentStats.cpuPctOfOneCore <= TARGET.cpuPct,
          },
        },
        null,
        2,
      ),
    );
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await run('docker', ['compose', '--project-name', 'join', 'down', '--timeout', '1']).catch(
      () => undefined,
    );
    await cp.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
