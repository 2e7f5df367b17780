import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OperationFailure, Registry } from './registry.js';

const ctx = () => ({
  emit: () => {},
  signal: new AbortController().signal,
  deadline: new Date(Date.now() + 60_000),
  opId: 'op_12345678',
});
const req = (op: string, params: unknown) => ({
  type: 'op.request' as const,
  opId: 'op_12345678',
  op,
  params,
  deadline: new Date().toISOString(),
});

describe('the closed operation registry', () => {
  let ran = 0;
  const registry = new Registry({
    'stack.logs': {
      result: z.object({ lines: z.array(z.string()) }),
      run: async (p) => {
        ran++;
        if (p.service === 'boom')
          throw new OperationFailure('no-such-service', 'no service boom in the stack');
        return { lines: [`${p.service}:${p.tail}`] };
      },
    },
  });
  it('runs a known operation with validated, defaulted parameters', async () => {
    expect(await registry.execute(req('stack.logs', { service: 'node' }), ctx())).toEqual({
      type: 'op.result',
      opId: 'op_12345678',
      ok: true,
      result: { lines: ['node:200'] },
    });
  });
  it('refuses unknown operations, unimplemented ones and bad parameters without running anything', async () => {
    const before = ran;
    const results = await Promise.all([
      registry.execute(req('shell.exec', { cmd: 'id' }), ctx()),
      registry.execute(req('stack.apply', {}), ctx()),
      registry.execute(req('stack.logs', { service: 'node; rm -rf /' }), ctx()),
      registry.execute(req('stack.logs', { service: '../../etc' }), ctx()),
      registry.execute(req('stack.logs', { service: 'node', extra: true }), ctx()),
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'unknown-operation',
      'unsupported-operation',
      'invalid-params',
      'invalid-params',
      'invalid-params',
    ]);
    expect(ran).toBe(before);
  });
  it('turns a domain failure into its code and message', async () => {
    const r = await registry.execute(req('stack.logs', { service: 'boom' }), ctx());
    expect(r).toMatchObject({ ok: false, error: { code: 'no-such-service' } });
  });
});
