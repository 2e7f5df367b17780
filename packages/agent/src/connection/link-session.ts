import {
  ControlPlaneFrame,
  fingerprint,
  parseFrame,
  signTranscript,
  verifyTranscript,
  type AgentFrame,
  type Identity,
  type OpRequest,
  type OpResult,
} from '@gnm/protocol';
import type { AgentConfig } from '../state/agent-state.js';

export interface LinkHandlers {
  /** A status report body, collected fresh for each report. */
  report(): Promise<Record<string, unknown>>;
  /** Runs (or answers from the journal) one operation; `send` carries its events. */
  operation(req: OpRequest, send: (frame: AgentFrame) => void): Promise<OpResult>;
  log(level: 'info' | 'warn' | 'error', msg: string, o?: object): void;
}

/**
 * Where one connection stands in the mutual handshake (DESIGN invariant 6). Each stage accepts only
 * the frames that may come next; anything else drops the connection:
 *  - `hello-sent`: only a challenge (signed by the pinned control-plane key) or a refusal;
 *  - `proof-sent`: only the welcome or a refusal;
 *  - `up`: operations, acknowledgements, pings (a second challenge or welcome is a violation);
 *  - `closed`: nothing; frames already buffered behind the one that dropped the connection are
 *    ignored, so a server cannot slip an operation in right behind a forged challenge.
 */
export type LinkStage = 'hello-sent' | 'proof-sent' | 'up' | 'closed';

/** What became of one frame, for the caller's accounting (the fuzz test counts these). */
export type FrameOutcome =
  { action: 'answered' | 'accepted' } | { action: 'dropped' | 'ignored'; reason: string };

export interface SessionIo {
  send(frame: AgentFrame): void;
  /** Ends the connection at once (no close handshake: the other side is not trusted). */
  terminate(): void;
  /** The welcome arrived: the link is up and reports start at this interval. */
  welcomed(reportIntervalMs: number): void;
  /** The control plane changed the report interval. */
  interval(nextIntervalMs: number): void;
}

export interface SessionOptions {
  config: AgentConfig;
  identity: Identity;
  handlers: LinkHandlers;
  io: SessionIo;
  agentNonce: string;
  /** Protocol versions offered in the hello: a challenge may only pick one of them. */
  versions: number[];
  /** Hex SHA-256 of the control plane's TLS certificate as seen on this connection ("plain-ws" without TLS). */
  certSha256: string;
}

/**
 * One connection's frame handler, free of sockets so it can be driven synchronously (and fuzzed):
 * `handleFrame` takes a raw frame as it came off the wire and either answers it, accepts it, or drops
 * the connection with a logged reason.
 */
export class LinkSession {
  stage: LinkStage = 'hello-sent';
  refusal: { code: string; message: string } | undefined;

  constructor(private readonly o: SessionOptions) {}

  handleFrame(data: Buffer | string, isBinary = false): FrameOutcome {
    if (this.stage === 'closed') return { action: 'ignored', reason: 'the connection was already dropped' };
    if (isBinary) return this.drop('a binary frame is not part of the protocol');
    let frame: ControlPlaneFrame;
    try {
      frame = parseFrame(ControlPlaneFrame, typeof data === 'string' ? data : data.toString('utf8'));
    } catch (e) {
      return this.drop((e as Error).message);
    }
    // A refusal may come at any stage; the control plane closes the connection right after it.
    if (frame.type === 'refused') {
      this.refusal = { code: frame.code, message: frame.message };
      return { action: 'accepted' };
    }
    switch (this.stage) {
      case 'hello-sent':
        return frame.type === 'challenge'
          ? this.onChallenge(frame)
          : this.drop(`${frame.type} before the control plane proved its identity`);
      case 'proof-sent':
        if (frame.type !== 'welcome') return this.drop(`${frame.type} before the welcome`);
        this.stage = 'up';
        this.o.io.welcomed(frame.reportIntervalMs);
        return { action: 'accepted' };
      case 'up':
        return this.onFrameWhenUp(frame);
    }
  }

  /** The socket closed: nothing more is read from it. */
  closed(): void {
    this.stage = 'closed';
  }

  /** Drops the connection with a reason the log keeps. */
  drop(reason: string): FrameOutcome {
    const full = `dropping the connection: ${reason}`;
    if (this.stage !== 'closed') {
      this.stage = 'closed';
      this.o.handlers.log('warn', full);
      this.o.io.terminate();
    }
    return { action: 'dropped', reason: full };
  }

  private onChallenge(frame: Extract<ControlPlaneFrame, { type: 'challenge' }>): FrameOutcome {
    const { config, agentNonce, certSha256, versions } = this.o;
    if (!versions.includes(frame.version))
      return this.drop(`the control plane chose protocol version ${frame.version}, which was not offered`);
    const t = {
      agentId: config.agentId,
      version: frame.version,
      agentNonce,
      cpNonce: frame.cpNonce,
      tlsCertSha256: certSha256,
    };
    if (
      fingerprint(frame.cpPublicKey) !== config.cpFingerprint ||
      !verifyTranscript('control-plane', t, frame.cpSignature, frame.cpPublicKey)
    )
      return this.drop('the server did not prove the pinned control-plane identity: not talking to it');
    this.stage = 'proof-sent';
    this.o.io.send({ type: 'proof', signature: signTranscript('agent', t, this.o.identity.privateKey) });
    return { action: 'answered' };
  }

  private onFrameWhenUp(frame: ControlPlaneFrame): FrameOutcome {
    switch (frame.type) {
      case 'status.ack':
        this.o.io.interval(frame.nextIntervalMs);
        return { action: 'accepted' };
      case 'op.request': {
        const send = (f: AgentFrame) => this.o.io.send(f);
        // Started now, but a handler that throws synchronously still ends as a rejection handled here.
        const run = async () => this.o.handlers.operation(frame, send);
        void run()
          .then(send)
          .catch((e: unknown) =>
            this.o.handlers.log('error', `operation ${frame.opId} failed to answer`, { err: e }),
          );
        return { action: 'accepted' };
      }
      case 'ping':
        this.o.io.send({ type: 'pong', at: new Date().toISOString() });
        return { action: 'answered' };
      case 'pong':
        return { action: 'accepted' };
      default:
        return this.drop(`${frame.type} after the handshake`);
    }
  }
}
