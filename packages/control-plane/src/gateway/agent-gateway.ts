import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import {
  AgentFrame,
  FrameError,
  MAX_FRAME_BYTES,
  newNonce,
  negotiateVersion,
  parseFrame,
  signTranscript,
  verifyTranscript,
  type ControlPlaneFrame,
  type Transcript,
} from '@gnm/protocol';
import type { OpEvent, OpResult, RefusalCode } from '@gnm/protocol';
import type { Hosts, HostRow } from '../hosts/hosts.js';
import type { ControlPlaneIdentity } from '../identity/identity.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ReportIngest } from './report-ingest.js';

export const AGENT_PATH = '/agent/v1/connect';
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Every connection is pinged once per period, spread over the period in one-second slices. */
const LIVENESS_PERIOD_MS = 30_000;
const LIVENESS_TICK_MS = 1_000;

/** WebSocket close codes the agent can act on (4000-4999 are ours). */
export const CLOSE = {
  malformed: 4400,
  unauthorized: 4401,
  revoked: 4403,
  replaced: 4409,
  unsupportedVersion: 4426,
  timeout: 4408,
  shutdown: 1001,
} as const;

export interface AgentConnection {
  readonly hostId: string;
  readonly ownerId: string;
  readonly agentId: string;
  readonly version: number;
  readonly connectedAt: string;
  send(frame: ControlPlaneFrame): void;
}

export interface GatewayHandlers {
  /** After `welcome`: deliver what waited for this host. */
  onConnected(conn: AgentConnection): void;
  onDisconnected?(conn: AgentConnection): void;
  onOpEvent(conn: AgentConnection, frame: OpEvent): void;
  onOpResult(conn: AgentConnection, frame: OpResult): void;
}

export interface GatewayOptions {
  hosts: Hosts;
  audit: AuditLog;
  identity: ControlPlaneIdentity;
  /** Hex SHA-256 of the certificate agents see ("plain-ws" in the development mode). */
  tlsCertSha256: string;
  ingest: ReportIngest;
  /** The report interval to hand out now (pinned, or scaled with the fleet). */
  reportIntervalMs: () => number;
  handlers: GatewayHandlers;
  log: { warn(o: object, msg: string): void; info(o: object, msg: string): void };
}

/**
 * What the gateway needs of a connection: a `ws` WebSocket, or an in-memory stand-in when a test feeds
 * frames straight into the per-connection handler (the fuzz test sends 100,000 of them).
 */
export interface FrameSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code: number, reason: string): void;
  terminate(): void;
  ping(): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
  on(event: 'close' | 'error' | 'pong', listener: () => void): unknown;
  off(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
}

/** `WebSocket.OPEN`. */
const OPEN = 1;

interface Live extends AgentConnection {
  ws: FrameSocket;
  alive: boolean;
}

/**
 * The agent gateway: one WebSocket per agent, opened by the agent (the control plane never dials out).
 * Each connection runs the mutual handshake of DESIGN invariant 6 before any other frame is accepted;
 * every frame is parsed with the protocol's strict schemas and anything else closes the connection.
 */
export class AgentGateway {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    // Compression contexts cost hundreds of KiB per connection: off, so 20,000 agents fit in memory.
    perMessageDeflate: false,
    clientTracking: false,
  });
  private readonly live = new Map<string, Live>();
  private readonly sweep: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly o: GatewayOptions) {
    this.sweep = setInterval(() => this.checkLiveness(), LIVENESS_TICK_MS);
    this.sweep.unref();
  }

  /** Takes over HTTP upgrades on the agent path of a Node HTTP(S) server. */
  attach(server: {
    on(event: 'upgrade', l: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): unknown;
  }): void {
    server.on('upgrade', (req, socket, head) => {
      if (this.closing || new URL(req.url ?? '/', 'http://x').pathname !== AGENT_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req.socket.remoteAddress ?? null));
    });
  }

  isConnected(hostId: string): boolean {
    return this.live.has(hostId);
  }

  connection(hostId: string): AgentConnection | undefined {
    return this.live.get(hostId);
  }

  get connectedCount(): number {
    return this.live.size;
  }

  /** Closes a host's connection at once (revocation). */
  disconnect(hostId: string, code: RefusalCode, message: string): void {
    const c = this.live.get(hostId);
    if (!c) return;
    this.live.delete(hostId);
    refuse(c.ws, code, message, code === 'revoked' ? CLOSE.revoked : CLOSE.unauthorized);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweep);
    for (const c of this.live.values()) c.ws.close(CLOSE.shutdown, 'control plane shutting down');
    this.live.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** Runs one connection: the handshake, then its frames until it closes. */
  accept(ws: FrameSocket, sourceIp: string | null): void {
    let stage: 'hello' | 'proof' | 'done' = 'hello';
    let transcript: Transcript | undefined;
    let host: HostRow | undefined;
    const timer = setTimeout(
      () => refuse(ws, 'malformed', 'handshake not completed in time', CLOSE.timeout),
      HANDSHAKE_TIMEOUT_MS,
    );
    ws.on('error', () => ws.terminate());
    const onMessage = (data: Buffer, isBinary: boolean) => {
      let frame: AgentFrame;
      try {
        if (isBinary) throw new FrameError('binary frames are not part of the protocol');
        frame = parseFrame(AgentFrame, data.toString('utf8'));
      } catch (e) {
        clearTimeout(timer);
        refuse(ws, 'malformed', (e as Error).message, CLOSE.malformed);
        return;
      }
      void (async () => {
        if (stage === 'hello') {
          if (frame.type !== 'hello')
            return refuse(ws, 'malformed', 'the first frame must be hello', CLOSE.malformed);
          stage = 'proof';
          const v = negotiateVersion(frame.versions);
          if (!v.ok) {
            clearTimeout(timer);
            return refuse(ws, 'unsupported-version', v.message, CLOSE.unsupportedVersion);
          }
          host = await this.o.hosts.byAgentId(frame.agentId);
          if (!host || host.state !== 'enrolled' || !host.agent_public_key) {
            clearTimeout(timer);
            await this.deny(host, sourceIp, host?.state === 'revoked' ? 'revoked agent' : 'unknown agent');
            return host?.state === 'revoked'
              ? refuse(
                  ws,
                  'revoked',
                  'this host was revoked: add it again and re-run the install command',
                  CLOSE.revoked,
                )
              : refuse(
                  ws,
                  'unknown-agent',
                  'this agent is not enrolled here: run the install command from the host page',
                  CLOSE.unauthorized,
                );
          }
          transcript = {
            agentId: frame.agentId,
            version: v.version,
            agentNonce: frame.agentNonce,
            cpNonce: newNonce(),
            tlsCertSha256: this.o.tlsCertSha256,
          };
          send(ws, {
            type: 'challenge',
            version: v.version,
            cpNonce: transcript.cpNonce,
            cpPublicKey: this.o.identity.publicKey,
            cpSignature: signTranscript('control-plane', transcript, this.o.identity.privateKey),
          });
          return;
        }
        if (stage === 'proof') {
          clearTimeout(timer);
          if (frame.type !== 'proof' || !transcript || !host?.agent_public_key)
            return refuse(ws, 'malformed', 'a proof frame was expected', CLOSE.malformed);
          if (!verifyTranscript('agent', transcript, frame.signature, host.agent_public_key)) {
            await this.deny(host, sourceIp, 'bad handshake proof');
            return refuse(
              ws,
              'bad-proof',
              'the handshake proof does not verify: is this the enrolled agent, talking to this control plane directly?',
              CLOSE.unauthorized,
            );
          }
          // Revoked between hello and proof?
          const fresh = await this.o.hosts.byAgentId(transcript.agentId);
          if (!fresh || fresh.state !== 'enrolled')
            return refuse(ws, 'revoked', 'this host was revoked', CLOSE.revoked);
          stage = 'done';
          ws.off('message', onMessage);
          this.goLive(ws, fresh, transcript.version);
        }
      })().catch((e: unknown) => {
        this.o.log.warn({ err: e }, 'agent handshake failed');
        ws.terminate();
      });
    };
    ws.on('message', onMessage);
    ws.on('close', () => clearTimeout(timer));
  }

  private async deny(host: HostRow | undefined, sourceIp: string | null, detail: string): Promise<void> {
    await this.o.audit.record({
      actorId: null,
      action: 'agent.connect',
      target: host?.id ?? null,
      sourceIp,
      outcome: 'denied',
      detail,
      ownerScope: host?.owner_id ?? null,
    });
  }

  private goLive(ws: FrameSocket, host: HostRow, version: number): void {
    const agentId = host.agent_id ?? '';
    const conn: Live = {
      ws,
      alive: true,
      hostId: host.id,
      ownerId: host.owner_id,
      agentId,
      version,
      connectedAt: new Date().toISOString(),
      send: (frame) => send(ws, frame),
    };
    const previous = this.live.get(host.id);
    if (previous)
      refuse(previous.ws, 'busy', 'replaced by a newer connection of the same agent', CLOSE.replaced);
    this.live.set(host.id, conn);
    send(ws, {
      type: 'welcome',
      reportIntervalMs: this.o.reportIntervalMs(),
      serverTime: new Date().toISOString(),
    });
    this.o.ingest.add(host.id, null, () => {});
    ws.on('pong', () => (conn.alive = true));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      conn.alive = true;
      let frame: AgentFrame;
      try {
        if (isBinary) throw new FrameError('binary frames are not part of the protocol');
        frame = parseFrame(AgentFrame, data.toString('utf8'));
      } catch (e) {
        this.o.log.warn({ hostId: host.id, err: (e as Error).message }, 'malformed agent frame');
        refuse(ws, 'malformed', (e as Error).message, CLOSE.malformed);
        return;
      }
      switch (frame.type) {
        case 'status.report':
          this.o.ingest.add(
            host.id,
            JSON.stringify({ ...frame.report, sentAt: frame.sentAt, seq: frame.seq }),
            () => send(ws, { type: 'status.ack', seq: frame.seq, nextIntervalMs: this.o.reportIntervalMs() }),
          );
          return;
        case 'op.event':
          this.o.handlers.onOpEvent(conn, frame);
          return;
        case 'op.result':
          this.o.handlers.onOpResult(conn, frame);
          return;
        case 'ping':
          send(ws, { type: 'pong', at: new Date().toISOString() });
          return;
        case 'pong':
          return;
        default:
          refuse(ws, 'malformed', `${frame.type} is not expected after the handshake`, CLOSE.malformed);
      }
    });
    ws.on('close', () => {
      if (this.live.get(host.id) === conn) {
        this.live.delete(host.id);
        this.o.ingest.add(host.id, null, () => {});
        this.o.handlers.onDisconnected?.(conn);
      }
    });
    this.o.handlers.onConnected(conn);
  }

  private cursor: Iterator<[string, Live]> | undefined;

  /**
   * Pings a slice of the connections each tick, so each is pinged once per period: a connection that
   * sent nothing and did not answer the previous ping is dropped. One sweep over every connection at
   * once would stall the event loop (20,000 TLS writes) and show up as report-ingest latency.
   */
  private checkLiveness(): void {
    const slice = Math.ceil(this.live.size / (LIVENESS_PERIOD_MS / LIVENESS_TICK_MS));
    for (let n = 0; n < slice; n++) {
      this.cursor ??= this.live.entries();
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        break;
      }
      const [hostId, c] = next.value;
      if (this.live.get(hostId) !== c) continue;
      if (!c.alive) {
        this.live.delete(hostId);
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}

function send(ws: FrameSocket, frame: ControlPlaneFrame): void {
  if (ws.readyState === OPEN) ws.send(JSON.stringify(frame));
}

function refuse(ws: FrameSocket, code: RefusalCode, message: string, closeCode: number): void {
  send(ws, { type: 'refused', code, message: message.slice(0, 1000) });
  ws.close(closeCode, code);
}
