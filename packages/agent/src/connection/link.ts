import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import {
  backoffDelayMs,
  checkPin,
  jittered,
  newNonce,
  PROTOCOL_VERSION,
  type AgentFrame,
  type Identity,
} from '@gnm/protocol';
import type { AgentConfig } from '../state/agent-state.js';
import { LinkSession, type LinkHandlers } from './link-session.js';
import { proxyAgentFor } from './proxy.js';
import { agentTransport, PLAIN_WARNING } from './transport.js';

export type { LinkHandlers } from './link-session.js';

export const AGENT_VERSION = '0.1.0';

/** Refusals after which retrying cannot help: the agent stops and says what to do. */
const FATAL_CLOSE = new Set([4401, 4403, 4426]);

/**
 * The agent's one connection (DESIGN "Agent ⇄ control plane protocol"): dialled out over TLS pinned
 * to the install command's key (through HTTPS_PROXY when set), the mutual handshake checked against
 * the pinned identity, then status reports at the interval the control plane asks for and operations
 * as they come. Lost connections are retried with capped exponential backoff and full jitter; the
 * agent never listens on any socket.
 */
export class Link {
  private ws: WebSocket | undefined;
  private stopped = false;
  private attempt = 0;
  private reportTimer: NodeJS.Timeout | undefined;
  private intervalMs = 10_000;
  private seq = 0;
  connected = false;
  fatal: string | undefined;

  constructor(
    private readonly config: AgentConfig,
    private readonly identity: Identity,
    private readonly handlers: LinkHandlers,
    private readonly o: { versions?: number[]; random?: () => number } = {},
  ) {}

  /** Keeps a connection up until `stop()` or a refusal retrying cannot fix. */
  async run(): Promise<void> {
    let plain: boolean;
    try {
      plain = agentTransport(this.config.controlPlane, this.config).kind === 'plain';
    } catch (e) {
      // Retrying cannot make an http:// URL safe, nor give a missing pin: stop and say what to do.
      this.fatal = (e as Error).message;
      this.handlers.log('error', this.fatal);
      return;
    }
    if (plain) this.handlers.log('warn', PLAIN_WARNING);
    while (!this.stopped) {
      const outcome = await this.connectOnce();
      if (this.stopped) return;
      if (outcome.fatal) {
        this.fatal = outcome.fatal;
        this.handlers.log('error', outcome.fatal);
        return;
      }
      if (outcome.welcomed) this.attempt = 0;
      const delay = backoffDelayMs(this.attempt++, this.o.random);
      this.handlers.log(
        'warn',
        `connection lost (${outcome.reason}); reconnecting in ${Math.round(delay / 100) / 10} s`,
      );
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.reportTimer) clearTimeout(this.reportTimer);
    this.ws?.close(1000, 'agent stopping');
  }

  private connectOnce(): Promise<{ welcomed: boolean; reason: string; fatal?: string }> {
    const url = `${this.config.controlPlane.replace(/^http/, 'ws')}/agent/v1/connect`;
    // Decided again for the URL actually dialled (run() already refused a plain one without the flag).
    const transport = agentTransport(url, this.config);
    const https = transport.kind === 'tls';
    const agent = proxyAgentFor(url);
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      rejectUnauthorized: false, // the pin below replaces certificate authorities
      handshakeTimeout: 20_000,
      ...(agent ? { agent } : {}),
    });
    this.ws = ws;
    const agentNonce = newNonce();
    let certSha256 = 'plain-ws';
    let welcomed = false;
    return new Promise((resolve) => {
      const done = (r: { welcomed: boolean; reason: string; fatal?: string }) => {
        this.connected = false;
        if (this.reportTimer) clearTimeout(this.reportTimer);
        resolve(r);
      };
      ws.on('upgrade', (res) => {
        if (!https) return;
        try {
          if (transport.kind === 'tls')
            certSha256 = checkPin(res.socket as TLSSocket, transport.pin).certSha256;
        } catch (e) {
          this.handlers.log('error', (e as Error).message);
          ws.terminate();
        }
      });
      let session: LinkSession | undefined;
      ws.on('open', () => {
        if (https && certSha256 === 'plain-ws') return; // pin failed: terminated above
        const versions = this.o.versions ?? [PROTOCOL_VERSION];
        session = new LinkSession({
          config: this.config,
          identity: this.identity,
          handlers: this.handlers,
          agentNonce,
          versions,
          certSha256,
          io: {
            send: (f) => this.send(f),
            terminate: () => ws.terminate(),
            welcomed: (intervalMs) => {
              this.intervalMs = intervalMs;
              welcomed = true;
              this.connected = true;
              this.handlers.log('info', 'connected to the control plane');
              this.scheduleReport(true);
            },
            interval: (ms) => (this.intervalMs = ms),
          },
        });
        this.send({
          type: 'hello',
          agentId: this.config.agentId,
          versions,
          agentNonce,
          agentVersion: AGENT_VERSION,
        });
      });
      ws.on('error', (e) => this.handlers.log('warn', `connection error: ${e.message}`));
      ws.on('close', (code) => {
        session?.closed();
        const refusal = session?.refusal;
        if (FATAL_CLOSE.has(code))
          return done({
            welcomed,
            reason: `refused (${code})`,
            fatal: `the control plane refused this agent: ${refusal?.message ?? `close code ${code}`}`,
          });
        done({ welcomed, reason: refusal ? `${refusal.code}: ${refusal.message}` : `closed (${code})` });
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        // Before `open` (pin failed) there is no session: nothing from that server is read.
        if (!session) return ws.terminate();
        session.handleFrame(data, isBinary);
      });
    });
  }

  /** Reports right after connecting (resend latest state), then every interval with jitter. */
  private scheduleReport(now = false): void {
    if (this.reportTimer) clearTimeout(this.reportTimer);
    this.reportTimer = setTimeout(
      () => {
        void this.handlers
          .report()
          .then((report) => {
            this.send({ type: 'status.report', seq: this.seq++, sentAt: new Date().toISOString(), report });
          })
          .catch((e: unknown) => this.handlers.log('warn', `status report failed: ${(e as Error).message}`))
          .finally(() => {
            if (this.connected) this.scheduleReport();
          });
      },
      now ? 0 : jittered(this.intervalMs, this.o.random),
    );
  }

  private send(frame: AgentFrame): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }
}
