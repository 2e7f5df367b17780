import { describe, expect, it } from 'vitest';
import { AgentFrame, ControlPlaneFrame, FrameError, MAX_FRAME_BYTES, parseFrame } from './messages.js';
import { negotiateVersion } from './versions.js';
import { backoffDelayMs, jittered, reportIntervalMs } from './timing.js';
import { newNonce } from './handshake.js';

const hello = {
  type: 'hello',
  agentId: 'agt_0123456789abcdef',
  versions: [1],
  agentNonce: newNonce(),
  agentVersion: '0.1.0',
};

describe('frames', () => {
  it('parse the frames each side may send', () => {
    expect(parseFrame(AgentFrame, JSON.stringify(hello)).type).toBe('hello');
    const result = {
      type: 'op.result',
      opId: 'op_12345678',
      ok: false,
      error: { code: 'unknown-operation', message: 'no such operation: shell.exec' },
    };
    expect(parseFrame(AgentFrame, JSON.stringify(result))).toEqual(result);
    const req = {
      type: 'op.request',
      opId: 'op_12345678',
      op: 'stack.apply',
      params: { version: '0.2.14-1' },
      deadline: new Date().toISOString(),
    };
    expect(parseFrame(ControlPlaneFrame, JSON.stringify(req)).type).toBe('op.request');
  });

  it('refuse malformed, unknown, oversized or one-sided frames with a reason', () => {
    expect(() => parseFrame(AgentFrame, '{not json')).toThrow(FrameError);
    expect(() => parseFrame(AgentFrame, JSON.stringify({ ...hello, extra: 1 }))).toThrow(/Unrecognized key/);
    expect(() => parseFrame(AgentFrame, JSON.stringify({ ...hello, agentNonce: 'short' }))).toThrow(
      /agentNonce/,
    );
    expect(() => parseFrame(AgentFrame, JSON.stringify({ ...hello, agentId: '../../etc' }))).toThrow(
      /agentId/,
    );
    expect(() =>
      parseFrame(
        AgentFrame,
        JSON.stringify({ type: 'op.request', opId: 'op_12345678', op: 'a.b', params: {}, deadline: '' }),
      ),
    ).toThrow(FrameError);
    expect(() => parseFrame(ControlPlaneFrame, JSON.stringify(hello))).toThrow(FrameError);
    expect(() => parseFrame(AgentFrame, 'x'.repeat(MAX_FRAME_BYTES + 1))).toThrow(/exceeds/);
  });
});

describe('version negotiation', () => {
  it('picks the highest common version, and says who must upgrade otherwise', () => {
    expect(negotiateVersion([1, 2], [1, 2, 3])).toEqual({ ok: true, version: 2 });
    const old = negotiateVersion([1], [2, 3]);
    expect(old.ok).toBe(false);
    expect(!old.ok && old.message).toMatch(/upgrade the agent/);
    const newer = negotiateVersion([9], [2, 3]);
    expect(!newer.ok && newer.message).toMatch(/upgrade the control plane/);
  });
});

describe('timing', () => {
  it('backs off exponentially with full jitter, capped', () => {
    expect(backoffDelayMs(0, () => 0.999)).toBeLessThan(1000);
    expect(backoffDelayMs(3, () => 0.999)).toBeLessThan(8000);
    expect(backoffDelayMs(3, () => 0.999)).toBeGreaterThan(7000);
    expect(backoffDelayMs(50, () => 0.999)).toBeLessThanOrEqual(60_000);
    expect(backoffDelayMs(5, () => 0)).toBe(0);
  });

  it('grows the report interval with the fleet so ingest stays bounded, with ±25 % jitter', () => {
    expect(reportIntervalMs(10)).toBe(10_000);
    expect(reportIntervalMs(20_000)).toBe(100_000);
    for (const n of [1, 1000, 20_000, 100_000])
      expect(n / (reportIntervalMs(n) / 1000)).toBeLessThanOrEqual(200);
    expect(jittered(10_000, () => 0)).toBe(7500);
    expect(jittered(10_000, () => 1)).toBe(12_500);
  });
});

describe('deeply nested frames', () => {
  // A status report nested thousands of levels deep parsed fine, then overflowed the stack of the
  // gateway's JSON.stringify inside the socket's message handler: an uncaught exception.
  const deepReport = (n: number) =>
    `{"type":"status.report","seq":1,"sentAt":"x","report":{"r":${'['.repeat(n)}${']'.repeat(n)}}}`;
  it('are refused by the parser on both sides, with a reason', () => {
    expect(() => parseFrame(AgentFrame, deepReport(10_000))).toThrow(/nested deeper than 64/);
    const deepParams = `{"type":"op.request","opId":"op_12345678","op":"a.b","params":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)},"deadline":"x"}`;
    expect(() => parseFrame(ControlPlaneFrame, deepParams)).toThrow(/nested deeper than 64/);
  });
  it('of ordinary depth still parse', () => {
    expect(parseFrame(AgentFrame, deepReport(40)).type).toBe('status.report');
  });
});
