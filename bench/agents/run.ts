#!/usr/bin/env -S node --import tsx
/**
 * Fleet benchmark (issue #5): simulated agents speaking the real protocol over real WebSockets against
 * one control plane on this machine. See bench/agents/README.md for what it measures and how.
 *
 *   npm run bench:agents -- [--agents N] [--mode wss|proxy|both] [--duration S] [--smoke]
 *                           [--workers W] [--concurrency C] [--fanout N] [--settle S]
 *
 * Logs go to stderr; stdout carries only the JSON result (an object, or an array with --mode both).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import selfsigned from 'selfsigned';
import { seed } from './seed.js';
import { hostIdOf } from './keys.js';
import { cpuPct, openFileLimit, readSysctl, sampleProc, writeSysctl, type ProcSample } from './proc.js';
import { round, summarize } from './stats.js';
import type { FromWorker, OpMsg, ProgressMsg, StatsMsg, ToWorker, WorkerInit } from './messages.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const REPORT_INTERVAL_MS = 10_000;
const AGENT_ADDRESS_BASE = 1; // agents dial from 127.1.x.y (127.2.x.y with more than 65,536)
const TERMINATOR_ADDRESS_BASE = 64; // the terminator dials the control plane from 127.64.x.y

type Mode = 'wss' | 'proxy';

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string' },
    mode: { type: 'string', default: 'both' },
    duration: { type: 'string' },
    settle: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    workers: { type: 'string' },
    concurrency: { type: 'string' },
    fanout: { type: 'string' },
    'ramp-timeout': { type: 'string' },
  },
  strict: true,
});
const smoke = args.smoke ?? false;
const opts = {
  agents: Number(args.agents ?? (smoke ? 500 : 20_000)),
  modes: (args.mode === 'both' ? ['wss', 'proxy'] : [args.mode]) as Mode[],
  durationS: Number(args.duration ?? (smoke ? 15 : 60)),
  settleS: Number(args.settle ?? (smoke ? 2 : 10)),
  workers: Number(args.workers ?? Math.min(4, os.availableParallelism())),
  concurrency: Number(args.concurrency ?? 256),
  fanout: Number(args.fanout ?? 1000),
  rampTimeoutS: Number(args['ramp-timeout'] ?? (smoke ? 60 : 900)),
};
for (const m of opts.modes)
  if (m !== 'wss' && m !== 'proxy') throw new Error(`--mode must be wss, proxy or both, not ${String(m)}`);

const log = (...a: unknown[]) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

// ── Clean-up of everything started, also on failure and on SIGINT/SIGTERM. ─────────────────────────
const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
const cleanups: (() => Promise<void>)[] = [];

async function cleanupAll(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c().catch((e: unknown) => log('clean-up:', e));
  for (const c of children) c.kill('SIGKILL');
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

async function main(): Promise<void> {
  let interrupted = false;
  for (const s of ['SIGINT', 'SIGTERM'] as const)
    process.on(s, () => {
      if (interrupted) return;
      interrupted = true;
      log(`${s}: cleaning up`);
      void cleanupAll().then(() => process.exit(130));
    });
  process.on('exit', () => {
    for (const c of children) c.kill('SIGKILL');
    for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const system = checkSystem();
  const t0 = Date.now();
  const results: Record<string, unknown>[] = [];
  let failure: string | undefined;
  try {
    for (const mode of opts.modes) {
      results.push(await runMode(mode, system));
      await cleanupAll();
    }
  } catch (e) {
    failure = (e as Error).stack ?? String(e);
    log('bench failed:', failure);
  } finally {
    await cleanupAll();
  }
  const out = results.length === 1 && opts.modes.length === 1 ? results[0] : results;
  if (out !== undefined) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  log(`done in ${round((Date.now() - t0) / 1000)} s`);
  let problems = failure ? [`the bench failed: ${failure.split('\n')[0] ?? ''}`] : [];
  if (smoke) problems = problems.concat(smokeProblems(results));
  for (const p of problems) log(`FAIL: ${p}`);
  process.exit(problems.length ? 1 : 0);
}

interface SystemInfo {
  cpus: number;
  memoryGB: number;
  node: string;
  openFilesLimit: number;
  ipLocalPortRange: string | undefined;
  somaxconn: string | undefined;
  tcpMaxSynBacklog: string | undefined;
  notes: string[];
}

/**
 * How many agents one mode can hold under a per-process open-files limit: the control plane (and the
 * generator) need one socket per agent, the TLS terminator two. Some machines (containers without
 * CAP_SYS_RESOURCE) cap the hard limit; the bench then runs as many as fit and says so.
 */
function agentsThatFit(mode: Mode, wanted: number, limit: number): number {
  const headroom = 1024;
  return Math.max(
    0,
    Math.min(wanted, mode === 'wss' ? limit - headroom : Math.floor((limit - headroom) / 2)),
  );
}

function checkSystem(): SystemInfo {
  const notes: string[] = [];
  const limit = openFileLimit();
  if (limit < fdsNeeded)
    notes.push(`open-files limit ${limit} (wanted ${fdsNeeded}; the hard limit could not be raised)`);
  // Every agent dials from its own loopback address, so the ephemeral port range (one per source
  // address) is never the limit; a short accept queue would be, during the ramp.
  for (const [name, min, value] of [
    ['net.core.somaxconn', 4096, '4096'],
    ['net.ipv4.tcp_max_syn_backlog', 4096, '8192'],
  ] as const) {
    const now = Number(readSysctl(name) ?? 0);
    if (now < min)
      notes.push(
        writeSysctl(name, value)
          ? `raised ${name} from ${now} to ${value}`
          : `${name} is ${now} (could not raise it)`,
      );
  }
  return {
    cpus: os.availableParallelism(),
    memoryGB: round(os.totalmem() / 2 ** 30),
    node: process.version,
    openFilesLimit: limit,
    ipLocalPortRange: readSysctl('net.ipv4.ip_local_port_range'),
    somaxconn: readSysctl('net.core.somaxconn'),
    tcpMaxSynBacklog: readSysctl('net.ipv4.tcp_max_syn_backlog'),
    notes,
  };
}

// ── Helpers ─────────────────────────────────────────────────────────────────────────────────────────
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function httpJson(
  url: string,
  method: 'GET' | 'POST',
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method,
        agent: false,
        rejectUnauthorized: false,
        timeout: 60_000,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = text;
          try {
            json = JSON.parse(text);
          } catch {
            /* keep the text */
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

interface Started {
  proc: ChildProcess;
  pid: number;
  logFile: string;
  tail: () => string;
}

function start(name: string, cmd: string, argv: string[], env: NodeJS.ProcessEnv, dir: string): Started {
  const logFile = path.join(dir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const proc = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  if (!proc.pid) throw new Error(`${name} did not start`);
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  const tail = () => {
    try {
      return fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  };
  cleanups.push(async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    if (!(await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]))) {
      log(`${name} did not stop in 15 s: killing it`);
      proc.kill('SIGKILL');
      await exited;
    }
  });
  return { proc, pid: proc.pid, logFile, tail };
}

async function waitReady(url: string, s: Started, name: string, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (s.proc.exitCode !== null) throw new Error(`${name} exited (${s.proc.exitCode}):\n${s.tail()}`);
    try {
      const r = await httpJson(url, 'GET');
      if (r.status === 200) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`${name} not ready after ${timeoutMs / 1000} s:\n${s.tail()}`);
    await sleep(200);
  }
}

async function makeCertificate(dir: string): Promise<{ certFile: string; keyFile: string }> {
  const generated = await selfsigned.generate([{ name: 'commonName', value: 'bench TLS terminator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 7 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const certFile = path.join(dir, 'terminator-cert.pem');
  const keyFile = path.join(dir, 'terminator-key.pem');
  fs.writeFileSync(certFile, generated.cert);
  fs.writeFileSync(keyFile, generated.private, { mode: 0o600 });
  return { certFile, keyFile };
}

// ── One mode ────────────────────────────────────────────────────────────────────────────────────────
async function runMode(mode: Mode, system: SystemInfo): Promise<Record<string, unknown>> {
  const modeStart = Date.now();
  const notes: string[] = [...system.notes];
  const L = (...a: unknown[]) => log(`[${mode}]`, ...a);
  const agents = agentsThatFit(mode, opts.agents, system.openFilesLimit);
  if (agents < opts.agents) {
    const why = `agents capped at ${agents} of ${opts.agents}: the open-files limit is ${system.openFilesLimit} per process here and cannot be raised (${
      mode === 'wss'
        ? 'the control plane holds one socket per agent'
        : 'the terminator holds two sockets per agent'
    })`;
    notes.push(why);
    L(why);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gnm-bench-${mode}-`));
  tempDirs.add(dir);
  const dataDir = path.join(dir, 'data');
  const seedText = crypto.randomBytes(16).toString('hex');

  const t = Date.now();
  const { token } = await seed(dataDir, seedText, agents);
  L(`seeded ${agents} enrolled hosts in ${round((Date.now() - t) / 1000)} s`);

  const cpPort = await freePort();
  const serverEnv: NodeJS.ProcessEnv = {
    GNM_DATA_DIR: dataDir,
    GNM_HOST: '127.0.0.1',
    GNM_PORT: String(cpPort),
    GNM_LOG_LEVEL: 'warn',
    GNM_REPORT_INTERVAL_MS: String(REPORT_INTERVAL_MS),
    GNM_OUTBOUND_ALLOW: 'loopback,private',
  };
  let publicUrl = `https://127.0.0.1:${cpPort}`;
  let terminator: Started | undefined;
  if (mode === 'proxy') {
    const termPort = await freePort();
    const { certFile, keyFile } = await makeCertificate(dir);
    publicUrl = `https://127.0.0.1:${termPort}`;
    Object.assign(serverEnv, {
      GNM_BEHIND_PROXY: 'true',
      GNM_TLS_CERT_FILE: certFile,
      GNM_PUBLIC_URL: publicUrl,
      GNM_TRUSTED_PROXIES: '127.0.0.0/8',
    });
    terminator = start(
      'terminator',
      process.execPath,
      ['--import', 'tsx', path.join(HERE, 'terminator.ts')],
      {
        TERM_PORT: String(termPort),
        TERM_CERT: certFile,
        TERM_KEY: keyFile,
        TERM_TARGET_PORT: String(cpPort),
        TERM_ADDRESS_BASE: String(TERMINATOR_ADDRESS_BASE),
      },
      dir,
    );
  }
  const server = start(
    'control-plane',
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'packages/control-plane/src/main.ts')],
    serverEnv,
    dir,
  );
  await waitReady(`${publicUrl}/api/v1/status`, server, 'the control plane');
  const inst = (await httpJson(`${publicUrl}/api/v1/instance`, 'GET')).json as {
    publicUrl: string;
    cpFingerprint: string;
    tlsPin: string | null;
    tlsMode: string;
    reportIntervalMs: number;
  };
  L(
    `control plane pid ${server.pid} ready (TLS ${inst.tlsMode}, pin ${inst.tlsPin ?? '-'}); report interval pinned by the bench to ${REPORT_INTERVAL_MS} ms, the control plane hands out ${inst.reportIntervalMs} ms`,
  );

  // Samples of the server (and terminator) every second, for max RSS and progress lines.
  const self = () => sampleProc('self');
  let serverRssMax = 0;
  let termRssMax = 0;
  const sampleAll = () => {
    const s = sampleProc(server.pid);
    const tm = terminator ? sampleProc(terminator.pid) : undefined;
    if (s) serverRssMax = Math.max(serverRssMax, s.rssMB);
    if (tm) termRssMax = Math.max(termRssMax, tm.rssMB);
    return { s, tm, g: self() };
  };
  let lastSample = sampleAll();
  const sampler = setInterval(() => void (lastSample = sampleAll()), 1000);
  cleanups.push(async () => clearInterval(sampler));

  // ── Workers and the ramp ──
  const progress = new Map<number, ProgressMsg>();
  const statsWaiters = new Map<number, (s: StatsMsg) => void>();
  const liveWaiters = new Map<number, (l: number[]) => void>();
  const closedWaiters = new Map<number, () => void>();
  const ops = new Map<string, OpMsg>();
  let redeliveries = 0;
  let onOp: (() => void) | undefined;
  const workers: Worker[] = [];
  const perWorker = Math.max(1, Math.floor(opts.concurrency / opts.workers));
  const rampStart = Date.now();
  const rampSample = sampleAll();
  for (let w = 0; w < opts.workers; w++) {
    const indices: number[] = [];
    for (let i = w; i < agents; i += opts.workers) indices.push(i);
    const init: WorkerInit = {
      workerIndex: w,
      seed: seedText,
      indices,
      pins: { url: publicUrl, cpFingerprint: inst.cpFingerprint, tlsPin: inst.tlsPin },
      maxInFlight: perWorker,
      maxAttempts: 5,
      handshakeTimeoutMs: 30_000,
      addressBase: AGENT_ADDRESS_BASE,
    };
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
      workerData: { ...init, entry: new URL('./worker.ts', import.meta.url).href },
    });
    worker.on('error', (e) => log(`worker ${w} failed:`, e));
    worker.on('message', (m: FromWorker) => {
      switch (m.type) {
        case 'progress':
          progress.set(m.workerIndex, m);
          return;
        case 'stats':
          statsWaiters.get(m.workerIndex)?.(m);
          return;
        case 'live-list':
          liveWaiters.get(m.workerIndex)?.(m.indices);
          return;
        case 'closed':
          closedWaiters.get(m.workerIndex)?.();
          return;
        case 'op':
          if (m.redelivery) redeliveries++;
          if (!ops.has(m.opId)) ops.set(m.opId, m);
          onOp?.();
          return;
      }
    });
    workers.push(worker);
  }
  cleanups.push(async () => {
    await Promise.all(
      workers.map(
        (wk, i) =>
          new Promise<void>((resolve) => {
            closedWaiters.set(i, resolve);
            wk.postMessage({ type: 'close' } satisfies ToWorker);
            setTimeout(resolve, 10_000);
          }),
      ),
    );
    await Promise.all(workers.map((wk) => wk.terminate()));
  });
  const toAll = (m: ToWorker) => workers.forEach((wk) => wk.postMessage(m));
  const totals = () => {
    const ps = [...progress.values()];
    const errors: Record<string, number> = {};
    for (const p of ps) for (const [k, v] of Object.entries(p.errors)) errors[k] = (errors[k] ?? 0) + v;
    return {
      live: ps.reduce((n, p) => n + p.live, 0),
      failed: ps.reduce((n, p) => n + p.failed, 0),
      inFlight: ps.reduce((n, p) => n + p.inFlight, 0),
      failedAttempts: ps.reduce((n, p) => n + p.failedAttempts, 0),
      disconnects: ps.reduce((n, p) => n + p.disconnects, 0),
      done: ps.length === workers.length && ps.every((p) => p.rampDone),
      errors,
    };
  };
  const status = () => {
    const x = totals();
    const { s, tm } = lastSample;
    return `${x.live}/${agents} live, ${x.failed} failed (${x.failedAttempts} failed attempts), ${x.inFlight} connecting; server ${s ? round(s.rssMB, 0) : '?'} MB${tm ? `, terminator ${round(tm.rssMB, 0)} MB` : ''}`;
  };
  let lastLog = 0;
  for (;;) {
    if (server.proc.exitCode !== null || server.proc.signalCode !== null)
      throw new Error(`the control plane exited during the ramp:\n${server.tail()}`);
    const x = totals();
    if (x.done) break;
    if (Date.now() - rampStart > opts.rampTimeoutS * 1000) {
      notes.push(`the ramp did not finish in ${opts.rampTimeoutS} s: measuring with the agents held then`);
      break;
    }
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      L(`ramp ${round((Date.now() - rampStart) / 1000, 0)} s: ${status()}`);
    }
    await sleep(250);
  }
  const rampEnd = sampleAll();
  const rampSeconds = round((Date.now() - rampStart) / 1000);
  const ramp = totals();
  L(`ramp done in ${rampSeconds} s: ${status()}`);
  if (Object.keys(ramp.errors).length) L('connect errors:', ramp.errors);

  // ── Steady state ──
  L(`settling ${opts.settleS} s, then measuring ${opts.durationS} s of steady state`);
  await sleep(opts.settleS * 1000);
  toAll({ type: 'record-start' });
  const steadyStart = sampleAll();
  const heldAtStart = totals().live;
  const steadyEndAt = Date.now() + opts.durationS * 1000;
  while (Date.now() < steadyEndAt) {
    await sleep(Math.min(5000, steadyEndAt - Date.now()));
    L(`steady: ${status()}`);
  }
  const steadyEnd = sampleAll();
  const heldAtEnd = totals().live;
  const stats = await Promise.all(
    workers.map(
      (wk, i) =>
        new Promise<StatsMsg>((resolve) => {
          statsWaiters.set(i, resolve);
          wk.postMessage({ type: 'record-stop', graceMs: 3000 } satisfies ToWorker);
        }),
    ),
  );
  const all = new Float64Array(stats.reduce((n, s) => n + s.latencies.length, 0));
  let off = 0;
  for (const s of stats) {
    all.set(s.latencies, off);
    off += s.latencies.length;
  }
  const ingest = summarize(all);
  const sent = stats.reduce((n, s) => n + s.sent, 0);
  const acked = stats.reduce((n, s) => n + s.acked, 0);
  const welcomeIntervals = [...new Set(stats.flatMap((s) => s.welcomeIntervals))];
  const ackIntervals = [...new Set(stats.flatMap((s) => s.ackIntervals))];
  const reportsPerSecond = round(acked / opts.durationS);
  L(
    `steady: ${acked}/${sent} reports acknowledged (${reportsPerSecond}/s), ack latency p50 ${ingest.p50} ms p99 ${ingest.p99} ms max ${ingest.max} ms; effective report interval ${welcomeIntervals.join('/')} ms (welcome), ${ackIntervals.join('/')} ms (acks)`,
  );
  if (sent > acked)
    notes.push(`${sent - acked} reports sent in the window were not acknowledged within 3 s of its end`);

  // ── Fan-out ──
  const lists = await Promise.all(
    workers.map(
      (wk, i) =>
        new Promise<number[]>((resolve) => {
          liveWaiters.set(i, resolve);
          wk.postMessage({ type: 'live-list' } satisfies ToWorker);
        }),
    ),
  );
  const chosen: number[] = [];
  for (let k = 0; chosen.length < opts.fanout && lists.some((l) => k < l.length); k++)
    for (const l of lists) {
      const i = l[k];
      if (i !== undefined && chosen.length < opts.fanout) chosen.push(i);
    }
  if (chosen.length < opts.fanout) notes.push(`fan-out to ${chosen.length} agents: only so many were held`);
  const hostIds = chosen.map((i) => hostIdOf(seedText, i));
  const reader = new SQLite(path.join(dataDir, 'control-plane.sqlite'), {
    readonly: true,
    fileMustExist: true,
  });
  cleanups.push(async () => void reader.close());
  const countStored = reader.prepare<[], { n: number; last: string | null }>(
    "select count(*) as n, max(finished_at) as last from tasks where state = 'succeeded'",
  );
  ops.clear();
  const fanStart = sampleAll();
  const f0 = Date.now();
  const posted = await httpJson(
    `${publicUrl}/api/v1/tasks`,
    'POST',
    { hostIds, op: 'host.probe', params: {}, deadlineSeconds: 600 },
    { authorization: `Bearer ${token}` },
  );
  const postResponseMs = Date.now() - f0;
  if (posted.status !== 201)
    throw new Error(`POST /api/v1/tasks answered ${posted.status}: ${JSON.stringify(posted.json)}`);
  let stored = { n: 0, last: null as string | null };
  let storedSeenMs = Number.NaN;
  const fanDeadline = f0 + 60_000;
  while (Date.now() < fanDeadline) {
    stored = countStored.get() ?? stored;
    if (stored.n >= chosen.length && Number.isNaN(storedSeenMs)) storedSeenMs = Date.now() - f0;
    if (stored.n >= chosen.length && ops.size >= chosen.length) break;
    await sleep(20);
  }
  const fanEnd = sampleAll();
  const opList = [...ops.values()];
  const maxOf = (xs: number[]) => (xs.length ? Math.max(...xs) : Number.NaN);
  const minOf = (xs: number[]) => (xs.length ? Math.min(...xs) : Number.NaN);
  const fanout = {
    agents: chosen.length,
    postResponseMs,
    firstRequestReceivedMs: round(minOf(opList.map((o) => o.receivedAt)) - f0),
    allRequestsReceivedMs: round(maxOf(opList.map((o) => o.receivedAt)) - f0),
    allResultsSentMs: round(maxOf(opList.map((o) => o.resultSentAt)) - f0),
    /** When the control plane stored the last result (its finished_at), from the POST's start. */
    allResultsMs: stored.last ? Date.parse(stored.last) - f0 : Number.NaN,
    allResultsSeenStoredMs: storedSeenMs,
    requestsReceived: opList.length,
    resultsStored: stored.n,
    redeliveries,
    serverCpuPct: cpuPct(fanStart.s, fanEnd.s),
  };
  if (fanout.requestsReceived < chosen.length || fanout.resultsStored < chosen.length)
    notes.push(
      `fan-out incomplete after 60 s: ${fanout.requestsReceived} requests received, ${fanout.resultsStored} results stored`,
    );
  L(
    `fan-out to ${chosen.length}: POST answered in ${postResponseMs} ms, all op.requests received in ${fanout.allRequestsReceivedMs} ms, all results stored in ${fanout.allResultsMs} ms`,
  );

  const end = sampleAll();
  const final = totals();
  const pct = (a: { s?: ProcSample; tm?: ProcSample; g?: ProcSample }, b: typeof a, k: 's' | 'tm' | 'g') =>
    cpuPct(a[k], b[k]);
  const result = {
    mode,
    transport:
      mode === 'wss'
        ? 'wss: TLS terminated by the control plane itself'
        : 'plain ws behind a TLS terminator (bench/agents/terminator.ts, node:tls → TCP)',
    agentsTarget: agents,
    agentsHeld: heldAtEnd,
    agentsHeldAtSteadyStart: heldAtStart,
    connectFailures: ramp.failed,
    failedConnectAttempts: ramp.failedAttempts,
    connectErrors: ramp.errors,
    disconnects: final.disconnects,
    rampSeconds,
    rampAgentsPerSecond: round(ramp.live / rampSeconds),
    rampServerCpuPct: pct(rampSample, rampEnd, 's'),
    rampGeneratorCpuPct: pct(rampSample, rampEnd, 'g'),
    reportIntervalPinnedMs: REPORT_INTERVAL_MS,
    effectiveReportIntervalMs: welcomeIntervals.length === 1 ? welcomeIntervals[0] : welcomeIntervals,
    ackNextIntervalMs: ackIntervals.length === 1 ? ackIntervals[0] : ackIntervals,
    steadySeconds: opts.durationS,
    reportsSent: sent,
    reportsAcked: acked,
    reportsPerSecond,
    ingestMs: ingest,
    serverRssMB: { max: round(serverRssMax, 0), end: end.s ? round(end.s.rssMB, 0) : Number.NaN },
    serverCpuPct: pct(steadyStart, steadyEnd, 's'),
    generatorCpuPct: pct(steadyStart, steadyEnd, 'g'),
    generatorLoopDelayMs: {
      p99: maxOf(stats.map((s) => s.loopDelayMs.p99)),
      max: maxOf(stats.map((s) => s.loopDelayMs.max)),
    },
    ...(terminator
      ? {
          terminator: {
            cpuPct: pct(steadyStart, steadyEnd, 'tm'),
            rampCpuPct: pct(rampSample, rampEnd, 'tm'),
            rssMB: { max: round(termRssMax, 0), end: end.tm ? round(end.tm.rssMB, 0) : Number.NaN },
          },
        }
      : {}),
    fanout,
    targets: {
      agents20k: heldAtEnd >= 20_000,
      ingestP99Under250ms: ingest.p99 < 250,
      serverRssUnder1_5GB: serverRssMax < 1536,
      fanout1000AcksUnder2s: fanout.agents >= 1000 && fanout.allResultsMs < 2000,
    },
    system: {
      cpus: system.cpus,
      memoryGB: system.memoryGB,
      node: system.node,
      openFilesLimit: system.openFilesLimit,
      ipLocalPortRange: system.ipLocalPortRange,
      somaxconn: system.somaxconn,
      workers: opts.workers,
      connectConcurrency: perWorker * opts.workers,
    },
    totalSeconds: 0,
    notes,
  };
  if (heldAtEnd < agents)
    notes.push(
      `held ${heldAtEnd} of ${agents}: ${ramp.failed} agents never connected (${JSON.stringify(ramp.errors)}), ${final.disconnects} disconnects`,
    );
  await cleanupAll();
  result.totalSeconds = round((Date.now() - modeStart) / 1000);
  L(`finished in ${result.totalSeconds} s`);
  return result;
}

// ── Smoke checks: the run worked and the JSON is complete (performance targets are not checked) ─────
function smokeProblems(results: Record<string, unknown>[]): string[] {
  const problems: string[] = [];
  if (results.length !== opts.modes.length)
    problems.push(`${results.length} of ${opts.modes.length} modes produced a result`);
  const num = (o: unknown, p: string) => {
    const v = p.split('.').reduce<unknown>((x, k) => (x as Record<string, unknown> | undefined)?.[k], o);
    return typeof v === 'number' && Number.isFinite(v);
  };
  for (const r of results) {
    const m = String(r.mode);
    for (const p of [
      'agentsTarget',
      'agentsHeld',
      'connectFailures',
      'rampSeconds',
      'effectiveReportIntervalMs',
      'reportsPerSecond',
      'ingestMs.p50',
      'ingestMs.p99',
      'ingestMs.max',
      'ingestMs.count',
      'serverRssMB.max',
      'serverRssMB.end',
      'serverCpuPct',
      'generatorCpuPct',
      'fanout.agents',
      'fanout.allRequestsReceivedMs',
      'fanout.allResultsMs',
    ])
      if (!num(r, p)) problems.push(`${m}: ${p} is missing or not a number`);
    if (r.agentsHeld !== r.agentsTarget)
      problems.push(`${m}: held ${String(r.agentsHeld)} of ${String(r.agentsTarget)} agents`);
    if (r.failedConnectAttempts !== 0 || r.connectFailures !== 0)
      problems.push(`${m}: ${String(r.failedConnectAttempts)} connection attempts failed`);
    if (r.disconnects !== 0) problems.push(`${m}: ${String(r.disconnects)} agents were disconnected`);
    const f = r.fanout as { agents: number; requestsReceived: number; resultsStored: number } | undefined;
    if (!f || f.requestsReceived < f.agents || f.resultsStored < f.agents)
      problems.push(`${m}: the fan-out did not complete`);
    if (!num(r, 'ingestMs.count') || (r.ingestMs as { count: number }).count === 0)
      problems.push(`${m}: no report was acknowledged in the steady window`);
  }
  return problems;
}

// ── The open-files limit: re-run under a raised one (a shell's ulimit; children inherit it). ──────────
const fdsNeeded = 2 * opts.agents + 4096; // the terminator holds two sockets per agent
if (openFileLimit() < fdsNeeded && !process.env.GNM_BENCH_REEXEC) {
  log(`raising the open-files limit (now ${openFileLimit()}, need ${fdsNeeded}) and re-running`);
  const child = spawn(
    'bash',
    [
      '-c',
      'ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"',
      'bash',
      process.execPath,
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', env: { ...process.env, GNM_BENCH_REEXEC: '1' } },
  );
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => child.kill(s));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
} else {
  await main();
}
