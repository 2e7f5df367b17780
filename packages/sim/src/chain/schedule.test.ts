import { describe, expect, it } from 'vitest';
import { effectiveEpoch, latestEpoch, phaseAt, stagesOf } from './schedule.js';

const p = { epochLength: 20, pocGenerate: 4, pocValidate: 3 };

describe('sim epoch schedule', () => {
  it('walks through the PoC phases in order inside each epoch', () => {
    const phases = Array.from({ length: 20 }, (_, i) => phaseAt(40 + i, p));
    expect(phases.slice(0, 4)).toEqual(Array(4).fill('PoCGenerate'));
    expect(phases[4]).toBe('PoCGenerateWindDown');
    expect(phases.slice(5, 8)).toEqual(Array(3).fill('PoCValidate'));
    expect(phases[8]).toBe('PoCValidateWindDown');
    expect(phases.slice(9)).toEqual(Array(11).fill('Inference'));
  });

  it('has no PoC in the genesis epoch and switches validator sets after set_new_validators', () => {
    expect(phaseAt(5, p)).toBe('Inference');
    expect(latestEpoch(19, p)).toBe(0);
    const s = stagesOf(2, p);
    expect(s.next_poc_start).toBe(60);
    expect(effectiveEpoch(s.set_new_validators - 1, p)).toBe(1);
    expect(effectiveEpoch(s.set_new_validators, p)).toBe(2);
  });
});
