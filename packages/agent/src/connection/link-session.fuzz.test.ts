import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentFrame,
  fingerprint,
  newIdentity,
  newNonce,
  OpRequest,
  parseFrame,
  PROTOCOL_VERSION,
  signTranscript,
  verifyTranscript,
  ControlPlaneFrame,
  type Identity,
} from '@gnm/protocol';
import {
  controlPlaneTemplates,
  fuzzMultiplier,
  fuzzSeed,
  rawFrames,
  type RawFrame,
} from '@gnm/protocol/testing';
import type { AgentConfig } from '../state/agent-state.js';
import { LinkSession, type FrameOutcome, type LinkStage } from './link-session.js';

/**
 * Generated control-plane frames into the agent's per-connection handler, driven synchronously (no
 * socket): before the handshake, half-way through it, and after it. Every frame must be answered,
 * accepted, or dropped with a logged reason; nothing crashes; and an operation runs only for a valid
 * op.request on a connection whose challenge verified against the pinned key and that was welcomed.
 */
const agentId = 'agt_fuzzlinkfuzzlink01';
const cp: Identity = newIdentity();
const agent: Identity = newIdentity();
const config: AgentConfig = {
  controlPlane: 'https://cp.invalid',
  cpFingerprint: fingerprint(cp.publicKey),
  tlsPin: null,
  rootSha256: null,
  agentId,
  hostId: 'hst_fuzz',
  hostName: 'fuzz',
  enrolledAt: new Date(0).toISOString(),
};
const CERT = 'ab'.repeat(32);

/** Frames that are right (the generators mostly make near misses), placed anywhere in the stream. */
type Valid = 'challenge' | 'welcome' | 'op' | 'ping';
type Step = { raw: RawFrame } | { valid: Valid };

const text = (o: object): RawFrame => ({ data: Buffer.from(JSON.stringify(o)), binary: false });

function validFrame(kind: Valid, agentNonce: string, n: number): RawFrame {
  switch (kind) {
    case 'challenge': {
      const cpNonce = newNonce();
      const t = { agentId, version: PROTOCOL_VERSION, agentNonce, cpNonce, tlsCertSha256: CERT };
      const cpSignature = signTranscript('control-plane', t, cp.privateKey);
      return text({
        type: 'challenge',
        version: PROTOCOL_VERSION,
        cpNonce,
        cpPublicKey: cp.publicKey,
        cpSignature,
      });
    }
    case 'welcome':
      return text({ type: 'welcome', reportIntervalMs: 10_000, serverTime: new Date(0).toISOString() });
    case 'op':
      return text({
        type: 'op.request',
        opId: `op_valid_${String(n).padStart(8, '0')}`,
        op: 'host.probe',
        params: {},
        deadline: new Date(0).toISOString(),
      });
    case 'ping':
      return text({ type: 'ping', at: new Date(0).toISOString() });
  }
}

/** The oracle's own reading of a challenge, independent of the code under test. */
function provesPinnedKey(raw: RawFrame, agentNonce: string): boolean {
  try {
    const f = parseFrame(ControlPlaneFrame, raw.data.toString('utf8'));
    if (raw.binary || f.type !== 'challenge' || f.version !== PROTOCOL_VERSION) return false;
    if (fingerprint(f.cpPublicKey) !== config.cpFingerprint) return false;
    const t = { agentId, version: f.version, agentNonce, cpNonce: f.cpNonce, tlsCertSha256: CERT };
    return verifyTranscript('control-plane', t, f.cpSignature, f.cpPublicKey);
  } catch {
    return false;
  }
}
function isValid(schema: typeof OpRequest | typeof ControlPlaneFrame, raw: RawFrame): boolean {
  if (raw.binary) return false;
  try {
    parseFrame(schema, raw.data.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Signing a challenge costs as much as the handler's whole work on a frame: connections reuse a pool
 * of agent nonces with their signed challenges (each connection still verifies its own).
 */
const handshakes = Array.from({ length: 64 }, () => {
  const agentNonce = newNonce();
  return { agentNonce, challenge: validFrame('challenge', agentNonce, 0) };
});

describe('fuzz: control-plane frames into the agent link', () => {
  it('answers, accepts or drops every frame with a reason, and runs operations only after the handshake', async () => {
    const crashes: unknown[] = [];
    const onCrash = (e: unknown) => crashes.push(e);
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    const counts = { frames: 0, answered: 0, accepted: 0, dropped: 0, ignored: 0, ops: 0, sessions: 0 };
    const byStage = new Map<LinkStage, number>();
    const reasons = new Map<string, number>();
    // 100,000 frames in CI (about 20 s of one core, most of it the handshakes' signatures);
    // GNM_FUZZ_LONG=1 runs 2,000,000.
    const target = 100_000 * fuzzMultiplier();
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 18, arbitrary: rawFrames(controlPlaneTemplates()).map((raw) => ({ raw })) },
      {
        weight: 2,
        arbitrary: fc.constantFrom<Valid>('challenge', 'welcome', 'op', 'ping').map((valid) => ({ valid })),
      },
    );
    const script = fc.record({
      // How far the real handshake got before the generated frames: 0 none, 1 challenge, 2 welcomed.
      // Each handshake costs a signature check and a signature (most of this test's time), so fewer
      // connections start up than not.
      start: fc.constantFrom(0, 0, 0, 0, 0, 1, 1, 2, 2, 2),
      // After a drop: a new connection (as the agent reconnects), or first frames still buffered on the old one.
      reconnect: fc.constantFrom(true, true, false),
      steps: fc.array(step, { minLength: 1, maxLength: 60, size: 'max' }),
      // How the operation handler behaves: resolves, rejects, or throws synchronously.
      handler: fc.constantFrom('ok', 'reject', 'throw'),
    });
    const started: string[] = [];
    let expected: string[] = [];
    let opNo = 0;
    try {
      await fc.assert(
        fc.asyncProperty(script, async ({ start, reconnect, steps, handler }) => {
          const sent: string[] = [];
          const logs: { level: string; msg: string }[] = [];
          let terminated = 0;
          let agentNonce = '';
          const open = () => {
            counts.sessions++;
            const pooled = handshakes[counts.sessions % handshakes.length];
            if (!pooled) throw new Error('no pooled handshake');
            agentNonce = pooled.agentNonce;
            const s = new LinkSession({
              config,
              identity: agent,
              agentNonce,
              versions: [PROTOCOL_VERSION],
              certSha256: CERT,
              handlers: {
                report: () => Promise.resolve({}),
                operation: (req) => {
                  started.push(req.opId);
                  if (handler === 'throw') throw new Error('handler threw');
                  if (handler === 'reject') return Promise.reject(new Error('handler rejected'));
                  return Promise.resolve({ type: 'op.result', opId: req.opId, ok: true, result: null });
                },
                log: (level, msg) => logs.push({ level, msg }),
              },
              io: {
                send: (f) => sent.push(JSON.stringify(f)),
                terminate: () => terminated++,
                welcomed: () => {},
                interval: () => {},
              },
            });
            if (start >= 1)
              expectOutcome(s.handleFrame(validFrame('challenge', agentNonce, 0).data), 'answered');
            if (start >= 2)
              expectOutcome(s.handleFrame(validFrame('welcome', agentNonce, 0).data), 'accepted');
            return s;
          };
          let session = open();
          let ignoredHere = 0;
          for (const st of steps) {
            // Frames buffered behind a drop are ignored; a couple show it, then the agent reconnects.
            if (session.stage === 'closed' && (reconnect || ++ignoredHere > 2)) {
              session = open();
              ignoredHere = 0;
            }
            const raw = 'raw' in st ? st.raw : validFrame(st.valid, agentNonce, opNo++);
            const before = { stage: session.stage, sent: sent.length, logs: logs.length, terminated };
            const out = session.handleFrame(raw.data, raw.binary);
            counts.frames++;
            counts[out.action]++;
            byStage.set(before.stage, (byStage.get(before.stage) ?? 0) + 1);
            // Plain checks (not expect) on this hot path: 100,000 frames must take seconds.
            const frameText = () => raw.data.toString('utf8', 0, 200);
            switch (out.action) {
              case 'answered':
                check(sent.length === before.sent + 1, 'an answered frame sends one frame', frameText);
                break;
              case 'dropped':
                check(
                  session.stage === 'closed' && terminated === before.terminated + 1,
                  'a dropped frame ends the connection',
                  frameText,
                );
                check(
                  logs.length === before.logs + 1 && logs.at(-1)?.msg === out.reason,
                  'a drop logs its reason',
                  frameText,
                );
                reasons.set(out.reason, (reasons.get(out.reason) ?? 0) + 1);
                break;
              case 'ignored':
                check(
                  before.stage === 'closed' && out.reason !== '',
                  'only a dropped connection ignores',
                  frameText,
                );
                break;
              case 'accepted':
                check(isValid(ControlPlaneFrame, raw), 'only a valid frame is accepted', frameText);
                break;
            }
            if (out.action !== 'answered')
              check(sent.length === before.sent, 'only an answer sends', frameText);
            // Stage changes only the handshake's way.
            if (before.stage !== session.stage && session.stage !== 'closed') {
              if (session.stage === 'proof-sent')
                check(
                  before.stage === 'hello-sent' && provesPinnedKey(raw, agentNonce),
                  'proof sent only to a server that proved the pinned key',
                  frameText,
                );
              else
                check(
                  before.stage === 'proof-sent' && session.stage === 'up',
                  'up only from a welcome after the proof',
                  frameText,
                );
            }
            // An operation may start only from a valid op.request on a connection that is up.
            if (before.stage === 'up' && out.action === 'accepted' && isValid(OpRequest, raw))
              expected.push(parseFrame(OpRequest, raw.data.toString('utf8')).opId);
            check(
              started.length === expected.length && started.at(-1) === expected.at(-1),
              'an operation started only from a valid op.request after the handshake',
              frameText,
            );
          }
          // Every frame the agent sent is a well-formed frame of its own.
          for (const s of sent) parseFrame(AgentFrame, s);
          counts.ops += expected.length;
          started.length = 0;
          expected = [];
        }),
        { seed: fuzzSeed(61), numRuns: Math.ceil(target / 26), endOnFailure: true },
      );
      // Let the handlers' promises settle: a rejection nobody handles shows up here.
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    } finally {
      process.off('unhandledRejection', onCrash);
      process.off('uncaughtException', onCrash);
    }
    const top = [...reasons]
      .map(([r, n]) => [r.replace(/^dropping the connection: /, '').replace(/[:(].*$/s, ''), n] as const)
      .reduce((m, [r, n]) => m.set(r, (m.get(r) ?? 0) + n), new Map<string, number>());
    const summary = [...top]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([r, n]) => `${r} ${n}`);
    console.log(
      `fuzz agent link: ${counts.frames} frames on ${counts.sessions} connections (${[...byStage].map(([s, n]) => `${s} ${n}`).join(', ')}), ${crashes.length} crashes, ${counts.answered} answered, ${counts.accepted} accepted (${counts.ops} operations run), ${counts.dropped} dropped, ${counts.ignored} ignored after a drop (reasons: ${summary.join('; ')})`,
    );
    expect(crashes).toEqual([]);
    // CI's fixed seed delivers about 111,000; another seed may fall a little short of the mark.
    expect(counts.frames).toBeGreaterThanOrEqual(process.env.GNM_FUZZ_SEED ? target * 0.9 : target);
  }, 300_000);
});

function check(ok: boolean, what: string, frame: () => string): void {
  if (!ok) throw new Error(`${what}; frame: ${frame()}`);
}

function expectOutcome(out: FrameOutcome, action: FrameOutcome['action']): void {
  if (out.action !== action) throw new Error(`handshake step ${action} expected, got ${JSON.stringify(out)}`);
}
