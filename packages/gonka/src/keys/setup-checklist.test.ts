import { describe, expect, it } from 'vitest';
import { checklistComplete, setupChecklist } from './setup-checklist.js';

const report = (statuses: Record<string, string>) => ({
  overall: 'FAIL',
  checks: Object.entries(statuses).map(([id, status]) => ({ id, status, message: `${id}: ${status}` })),
});

describe('the post-registration checklist', () => {
  it('follows the setup report: PASS done, FAIL pending with what to do, missing unknown', () => {
    const items = setupChecklist(
      report({
        permissions_granted: 'FAIL',
        feegrant_allowance: 'PASS',
        cold_key_not_in_keyring: 'PASS',
        active_in_epoch: 'UNAVAILABLE',
      }),
    );
    expect(items.map((i) => [i.id, i.state])).toEqual([
      ['permissions_granted', 'pending'],
      ['feegrant_allowance', 'done'],
      ['consensus_key_match', 'unknown'],
      ['cold_key_not_in_keyring', 'done'],
      ['active_in_epoch', 'unknown'],
    ]);
    expect(items[0]?.hint).toMatch(/run the grant-ml-ops-permissions command/);
    expect(checklistComplete(items)).toBe(false);
  });
  it('a cold key found on the server is a failure, not a step', () => {
    const [, , , cold] = setupChecklist(report({ cold_key_not_in_keyring: 'FAIL' }));
    expect(cold).toMatchObject({
      state: 'failed',
      hint: expect.stringMatching(/delete it there/) as unknown,
    });
  });
  it('without a report everything waits; all PASS is complete', () => {
    expect(setupChecklist(null).every((i) => i.state === 'unknown')).toBe(true);
    const ids = [
      'permissions_granted',
      'feegrant_allowance',
      'consensus_key_match',
      'cold_key_not_in_keyring',
      'active_in_epoch',
    ];
    expect(checklistComplete(setupChecklist(report(Object.fromEntries(ids.map((i) => [i, 'PASS'])))))).toBe(
      true,
    );
  });
  it('says when weight comes, from the report’s epoch or the caller’s', () => {
    const r = {
      overall: 'FAIL',
      checks: [
        {
          id: 'active_in_epoch',
          status: 'FAIL',
          message: 'Not active in epoch 41',
          details: { epoch: 41, weight: 0 },
        },
        { id: 'consensus_key_match', status: 'UNAVAILABLE', message: 'Local node status unavailable' },
      ],
    };
    const items = setupChecklist(r);
    expect(items[4]).toMatchObject({
      state: 'pending',
      hint: 'weight comes after the next PoC (epoch 42) in which the ML node takes part; nothing to run (Not active in epoch 41)',
    });
    expect(items[2]).toMatchObject({
      state: 'unknown',
      hint: 'not checked yet: Local node status unavailable',
    });
    const noDetails = report({ active_in_epoch: 'FAIL' });
    expect(setupChecklist(noDetails, { epoch: 7 })[4]?.hint).toMatch(
      /^weight comes after the next PoC \(epoch 8\)/,
    );
    expect(setupChecklist(noDetails)[4]?.hint).toMatch(/^weight comes after the next PoC in which/);
  });
  it('an empty list is not complete', () => {
    expect(checklistComplete([])).toBe(false);
    expect(setupChecklist(null).map((i) => i.hint)).toContain('waiting for the node’s setup report');
  });
});
