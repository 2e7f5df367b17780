import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '../api/types';
import { logLines, nextStep, phaseText, phasesOf } from './progress';

const ev = (seq: number, progress: TaskEvent['progress'], log: string | null = null): TaskEvent => ({
  seq,
  at: `2026-01-01T00:00:${String(seq).padStart(2, '0')}Z`,
  progress,
  log,
});

describe('task progress', () => {
  const events = [
    ev(0, { phase: 'preflight' }, 'checking'),
    ev(2, { phase: 'pull', done: 3, total: 8, unit: 'images' }),
    ev(1, { phase: 'pull', done: 1, total: 8, unit: 'images' }),
    ev(3, { phase: 'sync', done: 40, total: 100, unit: 'blocks' }),
    ev(4, { phase: 'sync', done: 90 }),
    ev(5, null, 'in sync'),
  ];

  it('one entry per phase in order, with the latest counts; earlier phases finished', () => {
    const p = phasesOf(events);
    expect(p.map((x) => [x.phase, x.done, x.total, x.finished])).toEqual([
      ['preflight', undefined, undefined, true],
      ['pull', 3, 8, true],
      ['sync', 90, 100, false],
    ]);
    const [, pull, sync] = p;
    expect(sync && phaseText(sync)).toBe('90 of 100 blocks (network height; lag 10)');
    expect(pull && phaseText(pull)).toBe('3 of 8 images');
  });

  it('a phase that never finished on an ended task is where it stopped', () => {
    const [preflight, pull, sync] = phasesOf(events);
    expect(sync && phaseText(sync, true)).toBe('stopped at 90 of 100 blocks (network height; lag 10)');
    expect(preflight && phaseText({ ...preflight, finished: false }, true)).toBe('stopped here');
    expect(pull && phaseText(pull, true)).toBe('3 of 8 images');
  });

  it('log lines in sequence order', () => {
    expect(logLines(events).map((l) => l.text)).toEqual(['checking', 'in sync']);
  });

  it('what to do after a failure or an expiry', () => {
    const base = {
      id: 't',
      hostId: 'h',
      op: 'node.deploy',
      params: {},
      createdBy: null,
      createdAt: '',
      deadline: '',
      sentAt: null,
      deliveries: 1,
      finishedAt: '',
      result: null,
    };
    expect(nextStep({ ...base, state: 'expired', error: null })).toMatch(/agent stayed offline/);
    expect(
      nextStep({ ...base, state: 'failed', error: { code: 'preflight-failed', message: 'disk' } }),
    ).toMatch(/preflight/);
    expect(nextStep({ ...base, state: 'succeeded', error: null })).toBeNull();
  });
});
