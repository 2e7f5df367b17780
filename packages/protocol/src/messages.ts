import { z } from 'zod';
import { printableName } from './printable-name.js';
import { jsonNestsDeeperThan, jsonTooDeepMessage } from './json-depth.js';

/**
 * Every frame of the agent ⇄ control-plane WebSocket (DESIGN.md "Agent ⇄ control plane protocol").
 * Frames are JSON objects discriminated by `type`; both sides parse every frame with these schemas and
 * drop the connection on anything else. Objects are strict: an unknown field is an error, not a hint.
 */
const b64 = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64 expected')
    .refine((s) => Buffer.from(s, 'base64').length === bytes, `${bytes} bytes expected`);

export const AgentId = z
  .string()
  .regex(/^agt_[a-z0-9]{16,40}$/, 'agent ids look like agt_<16-40 lowercase letters or digits>');
export const Nonce = b64(32);
export const Ed25519PublicKey = b64(32);
export const Ed25519Signature = b64(64);
export const OpId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);

export const Hello = z.strictObject({
  type: z.literal('hello'),
  agentId: AgentId,
  versions: z.array(z.number().int().positive()).min(1).max(16),
  agentNonce: Nonce,
  agentVersion: printableName(64),
});

export const Challenge = z.strictObject({
  type: z.literal('challenge'),
  version: z.number().int().positive(),
  cpNonce: Nonce,
  cpPublicKey: Ed25519PublicKey,
  /** The control plane's signature over the transcript: the agent checks it against its pin. */
  cpSignature: Ed25519Signature,
});

export const Proof = z.strictObject({ type: z.literal('proof'), signature: Ed25519Signature });

export const Welcome = z.strictObject({
  type: z.literal('welcome'),
  /** Status report interval chosen by the control plane for the fleet's size (before jitter). */
  reportIntervalMs: z.number().int().min(1000),
  serverTime: z.string(),
});

export const RefusalCode = z.enum([
  'unsupported-version',
  'unknown-agent',
  'revoked',
  'bad-proof',
  'malformed',
  'busy',
]);
export const Refused = z.strictObject({
  type: z.literal('refused'),
  code: RefusalCode,
  message: z.string().max(1000),
});

export const StatusReport = z.strictObject({
  type: z.literal('status.report'),
  seq: z.number().int().nonnegative(),
  sentAt: z.string(),
  /** The report body is defined with the agent's probes (#6); until then it is an opaque object. */
  report: z.record(z.string(), z.unknown()),
});

/**
 * The control plane's acknowledgement of a stored status report. It carries the report interval the
 * agent should use next, so the interval follows the fleet's size without a reconnect.
 */
export const StatusAck = z.strictObject({
  type: z.literal('status.ack'),
  seq: z.number().int().nonnegative(),
  nextIntervalMs: z.number().int().min(1000),
});

export const OpRequest = z.strictObject({
  type: z.literal('op.request'),
  opId: OpId,
  op: z.string().regex(/^[a-z]+(\.[a-z-]+)+$/),
  params: z.unknown(),
  deadline: z.string(),
});

export const OpEvent = z.strictObject({
  type: z.literal('op.event'),
  opId: OpId,
  seq: z.number().int().nonnegative(),
  progress: z
    .strictObject({
      phase: z.string().max(64),
      done: z.number().nonnegative().optional(),
      total: z.number().nonnegative().optional(),
      unit: z.string().max(16).optional(),
    })
    .optional(),
  log: z.string().max(8192).optional(),
});

export const OpError = z.strictObject({
  code: z.string().regex(/^[a-z][a-z0-9-]{1,63}$/),
  message: z.string().max(4000),
});
export const OpResult = z.discriminatedUnion('ok', [
  z.strictObject({ type: z.literal('op.result'), opId: OpId, ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ type: z.literal('op.result'), opId: OpId, ok: z.literal(false), error: OpError }),
]);

export const Ping = z.strictObject({ type: z.literal('ping'), at: z.string() });
export const Pong = z.strictObject({ type: z.literal('pong'), at: z.string() });

/** Frames an agent may send, and frames a control plane may send. */
export const AgentFrame = z.union([Hello, Proof, StatusReport, OpEvent, OpResult, Ping, Pong]);
export const ControlPlaneFrame = z.union([Challenge, Welcome, Refused, StatusAck, OpRequest, Ping, Pong]);
export type AgentFrame = z.infer<typeof AgentFrame>;
export type ControlPlaneFrame = z.infer<typeof ControlPlaneFrame>;

/** Largest frame either side accepts, in bytes (status reports are the biggest). */
export const MAX_FRAME_BYTES = 256 * 1024;

export class FrameError extends Error {
  override name = 'FrameError';
}

/** Parses one text frame; throws a FrameError saying what is wrong (never echoing the whole frame). */
export function parseFrame<T>(schema: z.ZodType<T>, text: string): T {
  if (Buffer.byteLength(text) > MAX_FRAME_BYTES)
    throw new FrameError(`frame of ${Buffer.byteLength(text)} bytes exceeds ${MAX_FRAME_BYTES}`);
  // Before JSON.parse: a deep frame would parse, then overflow the stack of whatever walks it next.
  if (jsonNestsDeeperThan(text)) throw new FrameError(`frame ${jsonTooDeepMessage()}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FrameError('frame is not JSON');
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    throw new FrameError(
      `invalid frame: ${r.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return r.data;
}

export type RefusalCode = z.infer<typeof RefusalCode>;
export type Hello = z.infer<typeof Hello>;
export type Challenge = z.infer<typeof Challenge>;
export type Welcome = z.infer<typeof Welcome>;
export type StatusReport = z.infer<typeof StatusReport>;
export type StatusAck = z.infer<typeof StatusAck>;
export type OpRequest = z.infer<typeof OpRequest>;
export type OpEvent = z.infer<typeof OpEvent>;
export type OpResult = z.infer<typeof OpResult>;
