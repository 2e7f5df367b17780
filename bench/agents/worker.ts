import type crypto from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import {
  ControlPlaneFrame,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  backoffDelayMs,
  checkPin,
  controlPlaneTransport,
  fingerprint,
  jittered,
  newNonce,
  parseFrame,
  signTranscript,
  verifyTranscript,
  type AgentFrame,
  type OpRequest,
} from '@gnm/protocol';
import { benchIdentity, loopbackAddress } from './keys.js';
import { reportBody } from './report-body.js';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';

/**
 * One worker thread of the load generator: it holds a share of the simulated agents. Each agent is a
 * lean client of the real protocol over its own WebSocket from its own loopback source address: TLS
 * with the key pin checked, hello → challenge (the control plane's Ed25519 signature and fingerprint
 * verified) → proof (signed with the agent's key) → welcome; then a status report every interval (with
 * the protocol's ±25 % jitter, following the interval each ack hands out), and op.request answered at
 * once with an op.result (a redelivered opId gets the same result again, as the agent's journal would).
 */
const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread of run.ts');
const post = (m: FromWorker) => port.postMessage(m);
const wallNow = () => performance.timeOrigin + performance.now();

interface Agent {
  index: number;
  hostId: string;
  agentId: string;
  key: crypto.KeyObject;
  localAddress: string;
  ws: WebSocket | undefined;
  state: 'waiting' | 'connecting' | 'live' | 'failed';
  attempts: number;
  intervalMs: number;
  timer: NodeJS.Timeout | undefined;
  seq: number;
  /** seq → [sent at (performance.now), recorded?] */
  pending: Map<number, [number, boolean]>;
}

const wsUrl = `${init.pins.url.replace(/^http/, 'ws')}/agent/v1/connect`;
// The agents' transport rule: pinned TLS, plain only with the explicit development flag.
const transport = controlPlaneTransport(init.pins.url, {
  tlsPin: init.pins.tlsPin,
  devPlainHttp: init.pins.devPlainHttp ?? false,
  allowWith: 'pins.devPlainHttp: true',
});
const useTls = transport.kind === 'tls';
const agents: Agent[] = init.indices.map((i) => {
  const id = benchIdentity(init.seed, i);
  return {
    index: i,
    hostId: id.hostId,
    agentId: id.agentId,
    key: id.privateKey,
    localAddress: loopbackAddress(init.addressBase, i),
    ws: undefined,
    state: 'waiting',
    attempts: 0,
    intervalMs: 10_000,
    timer: undefined,
    seq: 0,
    pending: new Map(),
  };
});

let closing = false;
let rampDone = false;
let inFlight = 0;
let live = 0;
let failed = 0;
let failedAttempts = 0;
let disconnects = 0;
let reconnects = 0;
const errors: Record<string, number> = {};
const welcomeIntervals = new Set<number>();
const ackIntervals = new Set<number>();

let recording = false;
let latencies: number[] = [];
let sent = 0;
let acked = 0;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

const results = new Map<string, AgentFrame>();

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code) return err.code;
  return String(err?.message ?? e)
    .replace(/\d+/g, 'N')
    .slice(0, 80);
}

function send(a: Agent, frame: AgentFrame): void {
  if (a.ws?.readyState === WebSocket.OPEN) a.ws.send(JSON.stringify(frame));
}

function scheduleReport(a: Agent, delayMs: number): void {
  if (a.timer) clearTimeout(a.timer);
  a.timer = setTimeout(() => {
    a.timer = undefined;
    if (a.state !== 'live' || closing) return;
    const seq = a.seq++;
    a.pending.set(seq, [performance.now(), recording]);
    if (recording) sent++;
    send(a, {
      type: 'status.report',
      seq,
      sentAt: new Date().toISOString(),
      report: reportBody(a.index, seq),
    });
    scheduleReport(a, jittered(a.intervalMs));
  }, delayMs);
}

function onOpRequest(a: Agent, req: OpRequest): void {
  const receivedAt = wallNow();
  const known = results.get(req.opId);
  const result: AgentFrame = known ?? {
    type: 'op.result',
    opId: req.opId,
    ok: true,
    result: { os: 'Ubuntu 22.04', docker: '27.3.1', gpus: 4, agent: 'bench-agent/1' },
  };
  results.set(req.opId, result);
  send(a, result);
  post({ type: 'op', opId: req.opId, receivedAt, resultSentAt: wallNow(), redelivery: known !== undefined });
}

/** One connection attempt: resolves once welcomed, rejects on any failure before that. */
function connect(a: Agent): Promise<void> {
  a.state = 'connecting';
  return new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(wsUrl, {
      perMessageDeflate: false,
      rejectUnauthorized: false, // the key pin is checked instead, as the real agent does
      handshakeTimeout: init.handshakeTimeoutMs,
      maxPayload: MAX_FRAME_BYTES,
      localAddress: a.localAddress,
    });
    a.ws = ws;
    let settled = false;
    let certSha256 = 'plain-ws';
    let refusal = '';
    const agentNonce = newNonce();
    const timer = setTimeout(() => fail(new Error('protocol handshake timeout')), init.handshakeTimeoutMs);
    const fail = (e: unknown) => {
      clearTimeout(timer);
      ws.terminate();
      if (settled) return;
      settled = true;
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    ws.on('upgrade', (res) => {
      if (!useTls) return;
      try {
        if (transport.kind === 'tls')
          certSha256 = checkPin(res.socket as TLSSocket, transport.pin).certSha256;
      } catch (e) {
        fail(e);
      }
    });
    ws.on('open', () =>
      send(a, {
        type: 'hello',
        agentId: a.agentId,
        versions: [PROTOCOL_VERSION],
        agentNonce,
        agentVersion: 'bench-agent/1',
      }),
    );
    ws.on('error', (e) => fail(e));
    ws.on('close', (code) => {
      clearTimeout(timer);
      if (!settled) return fail(new Error(`closed ${code}${refusal ? ` (${refusal})` : ''}`));
      if (a.ws === ws && a.state === 'live') dropped(a);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      let frame: ControlPlaneFrame;
      try {
        if (isBinary) throw new Error('binary frame');
        frame = parseFrame(ControlPlaneFrame, data.toString('utf8'));
      } catch (e) {
        return fail(e);
      }
      switch (frame.type) {
        case 'challenge': {
          const t = {
            agentId: a.agentId,
            version: frame.version,
            agentNonce,
            cpNonce: frame.cpNonce,
            tlsCertSha256: certSha256,
          };
          if (
            fingerprint(frame.cpPublicKey) !== init.pins.cpFingerprint ||
            !verifyTranscript('control-plane', t, frame.cpSignature, frame.cpPublicKey)
          )
            return fail(new Error('the control plane did not prove the pinned identity'));
          return send(a, { type: 'proof', signature: signTranscript('agent', t, a.key) });
        }
        case 'welcome':
          clearTimeout(timer);
          settled = true;
          a.intervalMs = frame.reportIntervalMs;
          welcomeIntervals.add(frame.reportIntervalMs);
          a.state = 'live';
          live++;
          // The first report lands anywhere in the first interval, so reports spread evenly.
          scheduleReport(a, Math.floor(Math.random() * a.intervalMs));
          return resolve();
        case 'refused':
          refusal = frame.code;
          return;
        case 'status.ack': {
          const p = a.pending.get(frame.seq);
          a.pending.delete(frame.seq);
          a.intervalMs = frame.nextIntervalMs;
          ackIntervals.add(frame.nextIntervalMs);
          if (p?.[1]) {
            latencies.push(performance.now() - p[0]);
            acked++;
          }
          return;
        }
        case 'op.request':
          return onOpRequest(a, frame);
        case 'ping':
          return send(a, { type: 'pong', at: new Date().toISOString() });
        default:
          return;
      }
    });
  });
}

function dropped(a: Agent): void {
  live--;
  disconnects++;
  a.state = 'waiting';
  a.pending.clear();
  if (a.timer) clearTimeout(a.timer);
  a.timer = undefined;
  if (closing) return;
  // A real agent reconnects with backoff and full jitter.
  a.attempts = 0;
  setTimeout(() => void reconnect(a), backoffDelayMs(1));
}

async function reconnect(a: Agent): Promise<void> {
  while (!closing && a.state !== 'live') {
    try {
      await connect(a);
      reconnects++;
      return;
    } catch (e) {
      failedAttempts++;
      errors[reason(e)] = (errors[reason(e)] ?? 0) + 1;
      a.state = 'waiting';
      await new Promise((r) => setTimeout(r, backoffDelayMs(++a.attempts)));
    }
  }
}

/** The ramp: every agent connects, at most maxInFlight attempts at once; failed attempts retry. */
async function ramp(): Promise<void> {
  const queue = [...agents];
  let retrying = 0;
  await new Promise<void>((done) => {
    const pump = () => {
      while (!closing && inFlight < init.maxInFlight && queue.length) {
        const a = queue.shift();
        if (!a) break;
        inFlight++;
        a.attempts++;
        connect(a).then(
          () => {
            inFlight--;
            pump();
          },
          (e: unknown) => {
            inFlight--;
            failedAttempts++;
            errors[reason(e)] = (errors[reason(e)] ?? 0) + 1;
            if (a.attempts < init.maxAttempts && !closing) {
              a.state = 'waiting';
              retrying++;
              setTimeout(
                () => {
                  retrying--;
                  queue.push(a);
                  pump();
                },
                backoffDelayMs(a.attempts, Math.random, 500, 8000),
              );
            } else {
              a.state = 'failed';
              failed++;
            }
            pump();
          },
        );
      }
      if ((closing || !queue.length) && inFlight === 0 && retrying === 0) done();
    };
    pump();
  });
  rampDone = true;
  progress();
}

function progress(): void {
  post({
    type: 'progress',
    workerIndex: init.workerIndex,
    live,
    failed,
    inFlight,
    rampDone,
    errors: { ...errors },
    failedAttempts,
    disconnects,
  });
}

const progressTimer = setInterval(progress, 500);

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'record-start':
      latencies = [];
      sent = 0;
      acked = 0;
      loopDelay.reset();
      loopDelay.enable();
      recording = true;
      return;
    case 'record-stop':
      recording = false;
      // Reports sent in the window may still be waiting for their ack.
      setTimeout(() => {
        loopDelay.disable();
        const ms = (ns: number) => Math.round(ns / 1e4) / 100;
        const data = Float64Array.from(latencies);
        const stats: FromWorker = {
          type: 'stats',
          workerIndex: init.workerIndex,
          latencies: data,
          sent,
          acked,
          disconnects,
          reconnects,
          welcomeIntervals: [...welcomeIntervals],
          ackIntervals: [...ackIntervals],
          loopDelayMs: {
            p50: ms(loopDelay.percentile(50)),
            p99: ms(loopDelay.percentile(99)),
            max: ms(loopDelay.max),
          },
        };
        port.postMessage(stats, [data.buffer as ArrayBuffer]);
      }, m.graceMs);
      return;
    case 'live-list':
      post({
        type: 'live-list',
        workerIndex: init.workerIndex,
        indices: agents.filter((a) => a.state === 'live').map((a) => a.index),
      });
      return;
    case 'close':
      closing = true;
      clearInterval(progressTimer);
      for (const a of agents) {
        if (a.timer) clearTimeout(a.timer);
        a.ws?.terminate();
      }
      post({ type: 'closed', workerIndex: init.workerIndex });
      return;
  }
});

void ramp();
