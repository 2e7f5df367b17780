import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  AgentFrame,
  ControlPlaneFrame,
  MAX_FRAME_BYTES,
  newIdentity,
  newNonce,
  parseFrame,
  PROTOCOL_VERSION,
  signTranscript,
  type Identity,
} from '@gnm/protocol';
import { agentTemplates, fuzzMultiplier, fuzzSeed, rawFrames, type RawFrame } from '@gnm/protocol/testing';
import { openDatabase, type OpenedDatabase } from '../db/open.js';
import { AuditLog } from '../audit/audit-log.js';
import { Hosts } from '../hosts/hosts.js';
import { ephemeralIdentity } from '../server.js';
import { seedOwnerAndHost } from '../testing/seed-data.js';
import { Dispatcher } from '../tasks/dispatcher.js';
import { TaskBus } from '../tasks/task-bus.js';
import { AGENT_PATH, AgentGateway, type FrameSocket } from './agent-gateway.js';
import { ReportIngest } from './report-ingest.js';

/** A connection in memory: frames go straight into the gateway's per-connection handler. */
class MemorySocket extends EventEmitter implements FrameSocket {
  readyState = 1;
  readonly sent: string[] = [];
  closed: { code: number; reason: string } | undefined;
  /** How far the handshake got, read from what the gateway sent. */
  stage: 'hello' | 'proof' | 'live' = 'hello';
  send(data: string): void {
    this.sent.push(data);
    if (data.startsWith('{"type":"challenge"')) this.stage = 'proof';
    else if (data.startsWith('{"type":"welcome"')) this.stage = 'live';
  }
  close(code: number, reason: string): void {
    if (this.readyState !== 1) return;
    this.readyState = 3;
    this.closed = { code, reason };
    this.emit('close');
  }
  terminate(): void {
    this.close(1006, 'terminated');
  }
  ping(): void {}
  feed(f: RawFrame): void {
    this.emit('message', f.data, f.binary);
  }
}

const settle = async (until: () => boolean, max: number) => {
  for (let i = 0; i < max && !until(); i++) await new Promise((r) => setImmediate(r));
};

describe('fuzz: frames into the agent gateway', () => {
  let dir: string;
  let db: OpenedDatabase;
  let gateway: AgentGateway;
  let ingest: ReportIngest;
  const agentId = 'agt_fuzzfuzzfuzzfuzz01';
  const agent: Identity = newIdentity();
  const cp = ephemeralIdentity();
  const logs: { msg: string; o: object }[] = [];
  const errors: unknown[] = [];
  const handled = { event: 0, result: 0 };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'gnm-fuzz-gw-'));
    const seed = await seedOwnerAndHost(dir, 'fuzz-host');
    db = await openDatabase({ dataDir: dir });
    await db.db
      .updateTable('hosts')
      .set({ state: 'enrolled', agent_id: agentId, agent_public_key: agent.publicKey })
      .where('id', '=', seed.hostId)
      .execute();
    const audit = new AuditLog(db.db);
    // Batched as in production: a write transaction per 50 ms, not one per connection.
    ingest = new ReportIngest(db.db, 50, (e) => errors.push(e));
    const log = { warn: (o: object, msg: string) => logs.push({ o, msg }), info: () => {} };
    const dispatcher: Dispatcher = new Dispatcher(
      db.db,
      new TaskBus(),
      (id) => gateway.connection(id),
      (e) => errors.push(e),
    );
    gateway = new AgentGateway({
      hosts: new Hosts(db.db, audit, 3600_000),
      audit,
      identity: cp,
      tlsCertSha256: 'plain-ws',
      ingest,
      reportIntervalMs: () => 10_000,
      log,
      handlers: {
        onConnected: () => {},
        onOpEvent: (c, f) => {
          handled.event++;
          dispatcher.onEvent(c, f);
        },
        onOpResult: (c, f) => {
          handled.result++;
          dispatcher.onResult(c, f);
        },
      },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await ingest.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A connection whose hello (as the enrolled agent) was answered with a challenge, or nothing yet. */
  async function connection(upTo: 'hello' | 'proof' | 'live'): Promise<MemorySocket> {
    const ws = new MemorySocket();
    gateway.accept(ws, '127.0.0.1');
    if (upTo === 'hello') return ws;
    const agentNonce = newNonce();
    ws.feed(json({ type: 'hello', agentId, versions: [PROTOCOL_VERSION], agentNonce, agentVersion: 'fuzz' }));
    await settle(() => ws.sent.length > 0, 10_000);
    const challenge = parseFrame(ControlPlaneFrame, ws.sent[0] ?? '');
    if (challenge.type !== 'challenge') throw new Error(`no challenge: ${ws.sent[0]}`);
    if (upTo === 'proof') return ws;
    const t = {
      agentId,
      version: challenge.version,
      agentNonce,
      cpNonce: challenge.cpNonce,
      tlsCertSha256: 'plain-ws',
    };
    ws.feed(json({ type: 'proof', signature: signTranscript('agent', t, agent.privateKey) }));
    await settle(() => ws.sent.length > 1, 10_000);
    if (!ws.sent[1]?.includes('"welcome"')) throw new Error(`not welcomed: ${ws.sent[1]}`);
    return ws;
  }

  it('answers or drops every frame with a reason, and never crashes', async () => {
    const crashes: unknown[] = [];
    const onCrash = (e: unknown) => crashes.push(e);
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    const counts = { frames: 0, answered: 0, dropped: 0, accepted: 0, reports: 0, connections: 0 };
    const byStage = { hello: 0, proof: 0, live: 0 };
    const reasons = new Map<string, number>();
    const reason = (r: string) => reasons.set(r, (reasons.get(r) ?? 0) + 1);
    // 100,000 frames in CI; GNM_FUZZ_LONG=1 runs 2,000,000.
    const target = 100_000 * fuzzMultiplier();
    try {
      const script = fc.record({
        // Where the generated frames start: a fresh connection, one waiting for the proof, or one that
        // ran the real Ed25519 handshake as the enrolled agent (each of those costs two signatures and
        // two database reads, most of this test's time).
        start: fc.constantFrom<'hello' | 'proof' | 'live'>(
          'hello',
          'hello',
          'hello',
          'hello',
          'proof',
          'live',
          'live',
          'live',
          'live',
          'live',
        ),
        frames: fc.array(rawFrames(agentTemplates(agentId)), { minLength: 1, maxLength: 40, size: 'max' }),
      });
      await fc.assert(
        fc.asyncProperty(script, async ({ start, frames }) => {
          const open = async () => {
            counts.connections++;
            return connection(start);
          };
          let ws = await open();
          for (const f of frames) {
            if (ws.closed) {
              // A closed socket delivers nothing more: the next frame comes on a new connection.
              ws = await open();
            }
            counts.frames++;
            byStage[ws.stage]++;
            const before = { sent: ws.sent.length, ...handled };
            const outcome = () =>
              ws.closed !== undefined ||
              answers(ws, before.sent) > 0 ||
              handled.event + handled.result > before.event + before.result;
            ws.feed(f);
            // After the handshake every frame is handled at once. Before it, a hello or a proof waits on
            // the database (and a refusal on the audit log): wait for those, never on a fixed timer.
            if (!outcome() && ws.stage !== 'live') await settle(outcome, 10_000);
            if (ws.closed) {
              counts.dropped++;
              const refusal = ws.sent.slice(before.sent).find((x) => x.startsWith('{"type":"refused"'));
              const why = refusal ? parseFrame(ControlPlaneFrame, refusal) : undefined;
              const msg = why?.type === 'refused' ? why.message : ws.closed.reason;
              if (!msg) throw new Error(`dropped without a reason: ${f.data.toString('utf8', 0, 200)}`);
              reason(msg.replace(/[:(].*$/s, '').slice(0, 40));
            } else if (answers(ws, before.sent) > 0) {
              counts.answered++;
            } else if (handled.event + handled.result > before.event + before.result || isType(f, 'pong')) {
              counts.accepted++;
            } else if (isType(f, 'status.report')) {
              counts.reports++; // stored with the next batch, acknowledged then
            } else throw new Error(`frame neither answered nor dropped: ${f.data.toString('utf8', 0, 200)}`);
          }
          ws.close(1000, 'done');
        }),
        { seed: fuzzSeed(16), numRuns: Math.ceil(target / 18.5), endOnFailure: true },
      );
      await ingest.flush();
      await settle(() => false, 20);
    } finally {
      process.off('unhandledRejection', onCrash);
      process.off('uncaughtException', onCrash);
    }
    const top = [...reasons]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([r, n]) => `${r} ${n}`);
    console.log(
      `fuzz gateway: ${counts.frames} frames on ${counts.connections} connections (before hello ${byStage.hello}, before proof ${byStage.proof}, after the handshake ${byStage.live}), ${crashes.length} crashes, ${counts.answered} answered, ${counts.accepted} accepted, ${counts.reports} reports queued, ${counts.dropped} dropped (reasons: ${top.join('; ')})`,
    );
    expect(crashes).toEqual([]);
    expect(errors).toEqual([]);
    // CI's fixed seed delivers a little over 100,000; another seed may fall a little short of the mark.
    expect(counts.frames).toBeGreaterThanOrEqual(process.env.GNM_FUZZ_SEED ? target * 0.9 : target);
  }, 600_000);

  it('takes generated frames over real WebSocket connections to a listening gateway', async () => {
    const server = http.createServer();
    gateway.attach(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}${AGENT_PATH}`;
    const counts = { frames: 0, connections: 0, answered: 0, dropped: 0, live: 0 };
    const target = 2_000 * fuzzMultiplier();

    /** A client connection: messages and the close, as promises to wait on. */
    async function dial(start: 'hello' | 'live') {
      counts.connections++;
      const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 2 * MAX_FRAME_BYTES });
      const inbox: string[] = [];
      let closed = false;
      let wake = () => {};
      ws.on('message', (d: Buffer) => {
        inbox.push(d.toString('utf8'));
        wake();
      });
      ws.on('close', () => {
        closed = true;
        wake();
      });
      ws.on('error', () => {});
      const until = async (ok: () => boolean) => {
        const deadline = Date.now() + 10_000;
        while (!ok() && !closed) {
          if (Date.now() > deadline) throw new Error('the gateway neither answered nor closed in 10 s');
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 100);
          });
        }
      };
      await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
      if (start === 'live') {
        const agentNonce = newNonce();
        ws.send(
          JSON.stringify({
            type: 'hello',
            agentId,
            versions: [PROTOCOL_VERSION],
            agentNonce,
            agentVersion: 'fuzz',
          }),
        );
        await until(() => inbox.length > 0);
        const challenge = parseFrame(ControlPlaneFrame, inbox[0] ?? '');
        if (challenge.type !== 'challenge') throw new Error(`no challenge: ${inbox[0]}`);
        const t = {
          agentId,
          version: challenge.version,
          agentNonce,
          cpNonce: challenge.cpNonce,
          tlsCertSha256: 'plain-ws',
        };
        ws.send(JSON.stringify({ type: 'proof', signature: signTranscript('agent', t, agent.privateKey) }));
        await until(() => inbox.length > 1);
        if (!inbox[1]?.startsWith('{"type":"welcome"')) throw new Error(`not welcomed: ${inbox[1]}`);
      }
      return { ws, inbox, until, closed: () => closed, live: start === 'live' };
    }

    try {
      const script = fc.record({
        live: fc.boolean(),
        frames: fc.array(rawFrames(agentTemplates(agentId)), { minLength: 1, maxLength: 40, size: 'max' }),
      });
      await fc.assert(
        fc.asyncProperty(script, async ({ live, frames }) => {
          let c = await dial(live ? 'live' : 'hello');
          for (const f of frames) {
            if (c.closed()) c = await dial(live ? 'live' : 'hello');
            counts.frames++;
            const pongs = () => c.inbox.filter((m) => m.startsWith('{"type":"pong"')).length;
            const before = { inbox: c.inbox.length, pongs: pongs() };
            c.ws.send(f.data, { binary: f.binary });
            if (c.live) {
              counts.live++;
              // A ping behind each frame: its pong (answers come in order) says the frame was taken.
              c.ws.send(JSON.stringify({ type: 'ping', at: new Date().toISOString() }));
              const wanted = before.pongs + 1 + (isType(f, 'ping') ? 1 : 0);
              await c.until(() => pongs() >= wanted);
            } else {
              // Before the handshake every frame gets a challenge or a refusal and the close.
              await c.until(() => c.inbox.length > before.inbox);
              const reply = c.inbox.at(-1) ?? '';
              if (reply.startsWith('{"type":"refused"')) await c.until(() => false);
              if (reply.startsWith('{"type":"welcome"')) c.live = true;
            }
            if (c.closed()) counts.dropped++;
            else counts.answered++;
          }
          c.ws.close();
        }),
        { seed: fuzzSeed(17), numRuns: Math.ceil(target / 18.5), endOnFailure: true },
      );
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    console.log(
      `fuzz gateway over WebSocket: ${counts.frames} frames on ${counts.connections} connections (${counts.live} after the handshake), ${counts.answered} answered or taken, ${counts.dropped} dropped`,
    );
    expect(errors).toEqual([]);
    expect(counts.frames).toBeGreaterThanOrEqual(target * 0.9);
  }, 300_000);
});

/** Frames the gateway sent since `from`, not counting report acknowledgements (they come with a batch). */
function answers(ws: MemorySocket, from: number): number {
  let n = 0;
  for (let i = from; i < ws.sent.length; i++) if (!ws.sent[i]?.startsWith('{"type":"status.ack"')) n++;
  return n;
}

/** Whether the frame parses as an agent frame of this type (the oracle's own reading). */
function isType(f: RawFrame, type: AgentFrame['type']): boolean {
  if (f.binary) return false;
  try {
    return parseFrame(AgentFrame, f.data.toString('utf8')).type === type;
  } catch {
    return false;
  }
}

function json(o: object): RawFrame {
  return { data: Buffer.from(JSON.stringify(o)), binary: false };
}
