import { describe, expect, it } from 'vitest';
import { forRole } from './builtin.js';

describe('preflight findings for a role', () => {
  const findings = [
    { check: 'gpus', severity: 'info' as const, message: 'no NVIDIA driver' },
    { check: 'nvidia-runtime', severity: 'warning' as const, message: 'Docker has no nvidia runtime' },
    { check: 'disk', severity: 'warning' as const, message: '10 GiB free' },
  ];
  it('a network node needs no GPU: GPU findings become information, others stay', () => {
    expect(forRole(findings, 'network').map((f) => f.severity)).toEqual(['info', 'info', 'warning']);
  });
  it('an ML node without an NVIDIA driver cannot run', () => {
    const r = forRole(findings, 'mlnode');
    expect(r[0]).toMatchObject({ severity: 'critical', message: /an ML node needs NVIDIA GPUs/ });
    expect(r[1]?.severity).toBe('warning');
  });
});
