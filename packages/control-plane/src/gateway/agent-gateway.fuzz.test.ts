import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ControlPlaneFrame,
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
import { AgentGateway, type FrameSocket } from './agent-gateway.js';
import { ReportIngest } from './report-ingest.js';

/** A connection in memory: frames go straight into the gateway's per-connection handler. */
class MemorySocket extends EventEmitter implements FrameSocket {
  readyState = 1;
  readonly sent: string[] = [];
  closed: { code: number; reason: string } | undefined;
  send(data: string): void {
    this.sent.push(data);
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

const settle = async (until: () => boolean, max = 200) => {
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
    ingest = new ReportIngest(db.db, 1, (e) => errors.push(e));
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

  /** A connection that ran the real handshake as the enrolled agent. */
  async function liveConnection(): Promise<MemorySocket> {
    const ws = new MemorySocket();
    gateway.accept(ws, '127.0.0.1');
    const agentNonce = newNonce();
    ws.feed(json({ type: 'hello', agentId, versions: [PROTOCOL_VERSION], agentNonce, agentVersion: 'fuzz' }));
    await settle(() => ws.sent.length > 0);
    const challenge = parseFrame(ControlPlaneFrame, ws.sent[0] ?? '');
    if (challenge.type !== 'challenge') throw new Error(`no challenge: ${ws.sent[0]}`);
    const t = {
      agentId,
      version: challenge.version,
      agentNonce,
      cpNonce: challenge.cpNonce,
      tlsCertSha256: 'plain-ws',
    };
    ws.feed(json({ type: 'proof', signature: signTranscript('agent', t, agent.privateKey) }));
    await settle(() => ws.sent.length > 1);
    if (!ws.sent[1]?.includes('"welcome"')) throw new Error(`not welcomed: ${ws.sent[1]}`);
    return ws;
  }

  it('answers or drops every frame with a reason, and never crashes', async () => {
    const crashes: unknown[] = [];
    const onCrash = (e: unknown) => crashes.push(e);
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    const counts = { frames: 0, answered: 0, dropped: 0, accepted: 0, reports: 0 };
    const reasons = new Map<string, number>();
    const reason = (r: string) => reasons.set(r, (reasons.get(r) ?? 0) + 1);
    // 15,000 frames in CI (about a minute on one core); GNM_FUZZ_LONG=1 runs 300,000.
    const target = 15_000 * fuzzMultiplier();
    try {
      const script = fc.record({
        live: fc.boolean(),
        frames: fc.array(rawFrames(agentTemplates(agentId)), { minLength: 1, maxLength: 20 }),
      });
      await fc.assert(
        fc.asyncProperty(script, async ({ live, frames }) => {
          const fresh = () => {
            const s = new MemorySocket();
            gateway.accept(s, '127.0.0.1');
            return s;
          };
          let ws = live ? await liveConnection() : fresh();
          for (const f of frames) {
            if (ws.closed) {
              // A closed socket delivers nothing more: the next frame comes on a new connection.
              ws = live ? await liveConnection() : fresh();
            }
            counts.frames++;
            const before = { sent: ws.sent.length, logs: logs.length, ...handled };
            ws.feed(f);
            const type = /"type":"([a-z.]+)"/.exec(f.data.toString('utf8', 0, 40))?.[1];
            const outcome = () =>
              ws.closed !== undefined ||
              ws.sent.length > before.sent ||
              handled.event + handled.result > before.event + before.result;
            await settle(outcome, type === 'hello' || type === 'proof' || type === 'status.report' ? 200 : 2);
            if (ws.closed) {
              counts.dropped++;
              const refusal = ws.sent.slice(before.sent).find((s) => s.includes('"refused"'));
              const why = refusal ? parseFrame(ControlPlaneFrame, refusal) : undefined;
              const msg = why?.type === 'refused' ? why.message : ws.closed.reason;
              expect(msg, 'a dropped frame says why').toBeTruthy();
              reason(msg.replace(/[:(].*$/s, '').slice(0, 40));
            } else if (ws.sent.length > before.sent) {
              counts.answered++;
            } else if (handled.event + handled.result > before.event + before.result || type === 'pong') {
              counts.accepted++;
            } else if (type === 'status.report') {
              counts.reports++; // stored with the next batch, acknowledged then
            } else throw new Error(`frame neither answered nor dropped: ${f.data.toString('utf8', 0, 200)}`);
          }
          ws.close(1000, 'done');
        }),
        { seed: fuzzSeed(16), numRuns: Math.ceil(target / 5.5), endOnFailure: true },
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
      `fuzz gateway: ${counts.frames} frames, ${crashes.length} crashes, ${counts.answered} answered, ${counts.accepted} accepted, ${counts.reports} reports queued, ${counts.dropped} dropped (reasons: ${top.join('; ')})`,
    );
    expect(crashes).toEqual([]);
    expect(errors).toEqual([]);
    expect(counts.frames).toBeGreaterThanOrEqual(target * 0.8);
  }, 600_000);
});

function json(o: object): RawFrame {
  return { data: Buffer.from(JSON.stringify(o)), binary: false };
}
