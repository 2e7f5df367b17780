import fc from 'fast-check';
import { MAX_FRAME_BYTES } from '../messages.js';

/**
 * fast-check arbitraries for the WebSocket fuzz tests of both sides: raw frames as they arrive on a
 * socket. Most are near misses of real frames (right type, one field wrong), because those reach the
 * deepest code; the rest are junk, wrong types, huge strings, deep nesting, prototype-pollution keys
 * and binary frames.
 */
export interface RawFrame {
  data: Buffer;
  binary: boolean;
}

/** Runs of the fuzz tests: fixed in CI, multiplied by `GNM_FUZZ_RUNS` (or ×20 with `GNM_FUZZ_LONG=1`). */
export function fuzzMultiplier(): number {
  const n = Number(process.env.GNM_FUZZ_RUNS ?? (process.env.GNM_FUZZ_LONG === '1' ? 20 : 1));
  return Number.isFinite(n) && n > 0 ? n : 1;
}

/** Fixed in CI so a failure replays; `GNM_FUZZ_SEED` explores others. */
export function fuzzSeed(fallback: number): number {
  const s = Number(process.env.GNM_FUZZ_SEED);
  return Number.isInteger(s) ? s : fallback;
}

const b64 = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((u) => Buffer.from(u).toString('base64'));
const hugeString = fc.constantFrom(
  'x'.repeat(MAX_FRAME_BYTES - 200),
  'é'.repeat(MAX_FRAME_BYTES / 2),
  '\u0000'.repeat(5000),
  '\u202e'.repeat(3000),
);
const deep = fc
  .tuple(fc.integer({ min: 60, max: 3000 }), fc.boolean())
  .map(([n, arr]) => (arr ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n)));

/** A value of any JSON-ish type, including the hostile ones. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: fc.anything({ maxDepth: 3, withNullPrototype: true, withBigInt: false }) },
  { weight: 10, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 10,
    arbitrary: fc.constantFrom(null, -1, 0, 1.5, 1e308, -0, '', '__proto__', 'constructor', [], {}, true),
  },
  { weight: 10, arbitrary: fc.integer({ min: -(2 ** 53), max: 2 ** 53 }) },
  // Rare: each costs a quarter of a megabyte to build and to parse.
  { weight: 1, arbitrary: hugeString },
);

type Template = Record<string, fc.Arbitrary<unknown>>;

/** A frame of a template: each field right most of the time, sometimes wrong, missing, or extra. */
function nearMiss(t: Template): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.entries(t).map(([k, right]) =>
    fc.oneof(
      { weight: 6, arbitrary: right.map((v) => [k, v] as const) },
      { weight: 1, arbitrary: wrongValue.map((v) => [k, v] as const) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
  );
  const extra = fc.oneof(
    { weight: 8, arbitrary: fc.constant([] as [string, unknown][]) },
    {
      weight: 1,
      arbitrary: fc.array(
        fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'type'), wrongValue),
        { maxLength: 2 },
      ),
    },
  );
  return fc.tuple(fc.tuple(...fields), extra).map(([fs, ex]) => {
    const o: Record<string, unknown> = {};
    for (const f of fs)
      if (f)
        Object.defineProperty(o, f[0], { value: f[1], enumerable: true, writable: true, configurable: true });
    for (const [k, v] of ex)
      Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    return o;
  });
}

const iso = fc
  .date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true })
  .map((d) => d.toISOString());
const opId = fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/);
const seq = fc.nat();
const smallJson = fc.jsonValue({ maxDepth: 4 });

/** Templates of every frame either side sends; `agentId` is the enrolled agent's id (or another one). */
export function agentTemplates(agentId: string): Template[] {
  return [
    {
      type: fc.constant('hello'),
      agentId: fc.oneof(
        { weight: 3, arbitrary: fc.constant(agentId) },
        { weight: 1, arbitrary: fc.stringMatching(/^agt_[a-z0-9]{16}$/) },
      ),
      versions: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
      agentNonce: b64(32),
      agentVersion: fc.string({ maxLength: 10 }),
    },
    { type: fc.constant('proof'), signature: b64(64) },
    {
      type: fc.constant('status.report'),
      seq,
      sentAt: iso,
      report: fc.dictionary(fc.string({ maxLength: 8 }), smallJson, { maxKeys: 5 }),
    },
    {
      type: fc.constant('op.event'),
      opId,
      seq,
      progress: fc.record(
        { phase: fc.string({ maxLength: 10 }), done: fc.nat(), total: fc.nat() },
        { requiredKeys: ['phase'] },
      ),
      log: fc.string({ maxLength: 200 }),
    },
    { type: fc.constant('op.result'), opId, ok: fc.constant(true), result: smallJson },
    {
      type: fc.constant('op.result'),
      opId,
      ok: fc.constant(false),
      error: fc.record({
        code: fc.stringMatching(/^[a-z][a-z0-9-]{1,20}$/),
        message: fc.string({ maxLength: 100 }),
      }),
    },
    { type: fc.constant('ping'), at: iso },
    { type: fc.constant('pong'), at: iso },
  ];
}

export function controlPlaneTemplates(): Template[] {
  return [
    {
      type: fc.constant('challenge'),
      version: fc.integer({ min: 0, max: 3 }),
      cpNonce: b64(32),
      cpPublicKey: b64(32),
      cpSignature: b64(64),
    },
    { type: fc.constant('welcome'), reportIntervalMs: fc.integer({ min: 0, max: 10 ** 7 }), serverTime: iso },
    {
      type: fc.constant('refused'),
      code: fc.constantFrom(
        'unsupported-version',
        'unknown-agent',
        'revoked',
        'bad-proof',
        'malformed',
        'busy',
      ),
      message: fc.string({ maxLength: 100 }),
    },
    { type: fc.constant('status.ack'), seq, nextIntervalMs: fc.integer({ min: 0, max: 10 ** 7 }) },
    {
      type: fc.constant('op.request'),
      opId,
      op: fc.constantFrom('host.probe', 'stack.apply', 'node.deploy', 'shell.exec', 'a.b'),
      params: smallJson,
      deadline: iso,
    },
    { type: fc.constant('ping'), at: iso },
    { type: fc.constant('pong'), at: iso },
  ];
}

const text = (s: string): RawFrame => ({ data: Buffer.from(s, 'utf8'), binary: false });

/** Raw frames built from templates, plus every kind of junk. */
export function rawFrames(templates: Template[]): fc.Arbitrary<RawFrame> {
  const shaped = fc.oneof(...templates.map((t) => nearMiss(t)));
  return fc.oneof(
    { weight: 240, arbitrary: shaped.map((o) => text(JSON.stringify(o))) },
    // Valid JSON cut short, or with a byte flipped.
    {
      weight: 40,
      arbitrary: fc.tuple(shaped, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([o, at, b]) => {
        const s = Buffer.from(JSON.stringify(o));
        if (b % 2) return { data: s.subarray(0, at % (s.length + 1)), binary: false };
        const c = Buffer.from(s);
        if (c.length) c[at % c.length] = b;
        return { data: c, binary: false };
      }),
    },
    { weight: 40, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }).map(text) },
    { weight: 40, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => text(JSON.stringify(v))) },
    {
      weight: 20,
      arbitrary: fc
        .constantFrom(
          '',
          'null',
          '[]',
          '{}',
          '"hello"',
          '{"type":"shell.exec","cmd":"id"}',
          '{"__proto__":{"type":"ping"},"type":"ping","at":"x"}',
          '{"type":"ping","at":"x","constructor":{"prototype":{"x":1}}}',
          '{"type":"ping","type":"hello"}',
        )
        .map(text),
    },
    {
      weight: 20,
      arbitrary: deep.map((d) => text(`{"type":"status.report","seq":0,"sentAt":"x","report":{"r":${d}}}`)),
    },
    { weight: 1, arbitrary: hugeString.map((h) => text(JSON.stringify({ type: 'ping', at: h }))) },
    { weight: 1, arbitrary: fc.constant(text('{"type":"ping","at":"' + 'x'.repeat(MAX_FRAME_BYTES) + '"}')) },
    {
      weight: 20,
      arbitrary: fc.uint8Array({ maxLength: 200 }).map((u) => ({ data: Buffer.from(u), binary: true })),
    },
  );
}
