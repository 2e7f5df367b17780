import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import {
  ControlPlaneFrame,
  parseFrame,
  type AgentFrame,
  type OpRequest,
  type RefusalCode,
  type Welcome,
} from '../messages.js';
import {
  fingerprint,
  newIdentity,
  newNonce,
  signTranscript,
  verifyTranscript,
  type Identity,
} from '../handshake.js';
import { EnrollResponse, signEnrollment } from '../enrollment.js';
import { PROTOCOL_VERSION } from '../versions.js';
import { checkPin, pinnedJsonRequest } from '../pinned-tls.js';
import { controlPlaneTransport, type Transport } from '../plain-transport.js';

/**
 * A small agent that speaks the real protocol, for control-plane tests and the fleet benchmark until
 * the real agent (packages/agent, issue #6) repeats the same tests. It enrolls, runs the mutual
 * handshake with pin checks, reports status and "runs" operations by calling `execute`, journaling
 * every opId (to a file when given) so a redelivered operation returns its journaled result.
 */
export interface Pins {
  url: string;
  cpFingerprint: string;
  tlsPin: string | null;
  /** Plain http/ws to a development control plane: like the real agent, only when this says so. */
  devPlainHttp?: boolean;
}

/** The same transport rule as the real agent's: an http:// URL needs the explicit flag. */
function transportOf(pins: Pins): Transport {
  return controlPlaneTransport(pins.url, {
    tlsPin: pins.tlsPin,
    devPlainHttp: pins.devPlainHttp ?? false,
    allowWith: 'pins.devPlainHttp: true',
  });
}

export type Execute = (
  op: OpRequest,
  emit: (e: { progress?: { phase: string; done?: number; total?: number }; log?: string }) => void,
) => Promise<{ ok: true; result: unknown } | { ok: false; error: { code: string; message: string } }>;

interface JournalEntry {
  state: 'running' | 'done';
  result?: AgentFrame;
}

export class HandshakeRefused extends Error {
  constructor(
    readonly code: RefusalCode | 'cp-identity' | 'closed',
    message: string,
    readonly closeCode?: number,
  ) {
    super(message);
  }
}

export interface TestAgentOptions {
  pins: Pins;
  agentId: string;
  identity: Identity;
  versions?: number[];
  journalFile?: string;
  execute?: Execute;
  localAddress?: string;
}

export class TestAgent {
  private ws: WebSocket | undefined;
  private journal = new Map<string, JournalEntry>();
  private eventSeq = new Map<string, number>();
  /** How many times each operation really ran here (a test of exactly-once). */
  readonly executions = new Map<string, number>();
  readonly received: OpRequest[] = [];
  welcome: Welcome | undefined;
  refusal: { code: string; message: string } | undefined;
  private reportSeq = 0;
  private acks = new Map<number, (t: number) => void>();
  private closedWaiters: ((code: number) => void)[] = [];

  constructor(readonly o: TestAgentOptions) {
    if (o.journalFile && fs.existsSync(o.journalFile)) {
      this.journal = new Map(
        Object.entries(JSON.parse(fs.readFileSync(o.journalFile, 'utf8')) as Record<string, JournalEntry>),
      );
    }
  }

  /** Enrolls with a one-time token, making a new identity; returns a ready (unconnected) agent. */
  static async enroll(
    pins: Pins,
    token: string,
    o: Partial<TestAgentOptions> & { hostname?: string; tlsCertSha256Override?: string } = {},
  ): Promise<TestAgent> {
    const identity = o.identity ?? newIdentity();
    const r = await pinnedJsonRequest(`${pins.url}/agent/v1/enroll`, transportOf(pins), 'POST', (peer) => ({
      token,
      publicKey: identity.publicKey,
      proof: signEnrollment(
        token,
        identity.publicKey,
        o.tlsCertSha256Override ?? peer?.certSha256 ?? 'plain-ws',
        identity.privateKey,
      ),
      agentVersion: 'test-agent/1',
      hostname: o.hostname ?? 'test-host',
    }));
    if (r.status !== 201) {
      const p = r.json as { title?: string; detail?: string };
      throw new HandshakeRefused(
        'unknown-agent',
        `enrollment refused (${r.status}): ${p.title ?? ''}: ${p.detail ?? JSON.stringify(r.json)}`,
      );
    }
    const e = EnrollResponse.parse(r.json);
    if (fingerprint(e.cpPublicKey) !== pins.cpFingerprint)
      throw new HandshakeRefused(
        'cp-identity',
        'the control plane identity does not match the pinned fingerprint',
      );
    return new TestAgent({ ...o, pins, agentId: e.agentId, identity });
  }

  /** Connects and runs the handshake; resolves with the welcome, rejects with the refusal. */
  async connect(
    tamper: {
      signWith?: crypto.KeyObject;
      /** Replays a recorded proof instead of signing this session's transcript. */
      proof?: string;
      /** Signs over a different TLS certificate hash (a relayed handshake). */
      tlsCertSha256?: string;
      onChallenge?: (
        transcript: { cpNonce: string; agentNonce: string; certSha256: string },
        proof: string,
      ) => void;
    } = {},
  ): Promise<Welcome> {
    const transport = transportOf(this.o.pins);
    const wsUrl = `${this.o.pins.url.replace(/^http/, 'ws')}/agent/v1/connect`;
    const ws = new WebSocket(wsUrl, {
      perMessageDeflate: false,
      rejectUnauthorized: false,
      handshakeTimeout: 15_000,
      ...(this.o.localAddress ? { localAddress: this.o.localAddress } : {}),
    });
    this.ws = ws;
    let certSha256 = 'plain-ws';
    return new Promise<Welcome>((resolve, reject) => {
      const fail = (e: Error) => {
        reject(e);
        ws.terminate();
      };
      ws.on('upgrade', (res) => {
        if (transport.kind === 'plain') return;
        try {
          certSha256 = checkPin(res.socket as TLSSocket, transport.pin).certSha256;
        } catch (e) {
          fail(e as Error);
        }
      });
      const agentNonce = newNonce();
      const version = Math.max(...(this.o.versions ?? [PROTOCOL_VERSION]));
      ws.on('open', () =>
        this.send({
          type: 'hello',
          agentId: this.o.agentId,
          versions: this.o.versions ?? [PROTOCOL_VERSION],
          agentNonce,
          agentVersion: 'test-agent/1',
        }),
      );
      ws.on('error', (e) => reject(e));
      ws.on('close', (code, reason) => {
        for (const w of this.closedWaiters.splice(0)) w(code);
        if (!this.welcome)
          reject(
            new HandshakeRefused(
              (this.refusal?.code as RefusalCode) ?? 'closed',
              this.refusal?.message ?? reason.toString(),
              code,
            ),
          );
      });
      ws.on('message', (data: Buffer) => {
        const frame = parseFrame(ControlPlaneFrame, data.toString('utf8'));
        switch (frame.type) {
          case 'challenge': {
            const t = {
              agentId: this.o.agentId,
              version: frame.version,
              agentNonce,
              cpNonce: frame.cpNonce,
              tlsCertSha256: certSha256,
            };
            if (
              fingerprint(frame.cpPublicKey) !== this.o.pins.cpFingerprint ||
              !verifyTranscript('control-plane', t, frame.cpSignature, frame.cpPublicKey)
            ) {
              return fail(
                new HandshakeRefused('cp-identity', 'the control plane did not prove the pinned identity'),
              );
            }
            void version;
            const signed = { ...t, tlsCertSha256: tamper.tlsCertSha256 ?? certSha256 };
            const proof =
              tamper.proof ?? signTranscript('agent', signed, tamper.signWith ?? this.o.identity.privateKey);
            tamper.onChallenge?.({ cpNonce: frame.cpNonce, agentNonce, certSha256 }, proof);
            return this.send({ type: 'proof', signature: proof });
          }
          case 'welcome':
            this.welcome = frame;
            return resolve(frame);
          case 'refused':
            this.refusal = { code: frame.code, message: frame.message };
            return;
          case 'status.ack':
            this.acks.get(frame.seq)?.(Date.now());
            this.acks.delete(frame.seq);
            return;
          case 'op.request':
            this.received.push(frame);
            void this.run(frame);
            return;
          case 'ping':
            return this.send({ type: 'pong', at: new Date().toISOString() });
          default:
            return;
        }
      });
    });
  }

  private send(frame: AgentFrame | { type: string }): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  /** Sends a status report; resolves when the control plane acknowledges it as stored. */
  report(report: Record<string, unknown> = {}): Promise<number> {
    const seq = this.reportSeq++;
    const sent = Date.now();
    return new Promise((resolve) => {
      this.acks.set(seq, (t) => resolve(t - sent));
      this.send({ type: 'status.report', seq, sentAt: new Date(sent).toISOString(), report });
    });
  }

  private persist(): void {
    if (!this.o.journalFile) return;
    const tmp = `${this.o.journalFile}.tmp`;
    fs.mkdirSync(path.dirname(this.o.journalFile), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.journal)));
    fs.renameSync(tmp, this.o.journalFile);
  }

  private async run(req: OpRequest): Promise<void> {
    const known = this.journal.get(req.opId);
    if (known?.state === 'done' && known.result) return this.send(known.result);
    if (known?.state === 'running') return; // still running here: its result follows
    this.journal.set(req.opId, { state: 'running' });
    this.persist();
    this.executions.set(req.opId, (this.executions.get(req.opId) ?? 0) + 1);
    const execute: Execute = this.o.execute ?? (async () => ({ ok: true, result: { done: true } }));
    const outcome = await execute(req, (e) => {
      const seq = this.eventSeq.get(req.opId) ?? 0;
      this.eventSeq.set(req.opId, seq + 1);
      this.send({ type: 'op.event', opId: req.opId, seq, ...e });
    });
    const result: AgentFrame = outcome.ok
      ? { type: 'op.result', opId: req.opId, ok: true, result: outcome.result }
      : { type: 'op.result', opId: req.opId, ok: false, error: outcome.error };
    this.journal.set(req.opId, { state: 'done', result });
    this.persist();
    this.send(result);
  }

  /** Sends a raw frame (tests of what the control plane refuses). */
  sendRaw(text: string): void {
    this.ws?.send(text);
  }

  closed(): Promise<number> {
    if (!this.ws || this.ws.readyState === WebSocket.CLOSED) return Promise.resolve(-1);
    return new Promise((resolve) => this.closedWaiters.push(resolve));
  }

  close(): void {
    this.ws?.close();
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN && this.welcome !== undefined;
  }

  /** A fresh copy with the same identity and journal file (an agent process restarted). */
  restart(): TestAgent {
    this.ws?.terminate();
    return new TestAgent(this.o);
  }

  static newAgentId(): string {
    return `agt_${crypto.randomBytes(12).toString('hex')}`;
  }
}
