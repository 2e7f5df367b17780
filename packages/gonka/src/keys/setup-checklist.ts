import type { NodeHealthFacts } from '../health/facts.js';

/**
 * The checklist after registration, fed by the node's own setup report (Admin API, reference §4.2):
 * the items turn done by themselves as the chain sees the operator's cold-key transactions and the
 * node's first PoC. Each pending item says what to do.
 */
export type ChecklistState = 'done' | 'pending' | 'failed' | 'unknown';

export interface ChecklistItem {
  id:
    | 'permissions_granted'
    | 'feegrant_allowance'
    | 'consensus_key_match'
    | 'cold_key_not_in_keyring'
    | 'active_in_epoch';
  title: string;
  state: ChecklistState;
  hint: string;
}

type Report = NonNullable<NodeHealthFacts['setupReport']>;

const ITEMS: { id: ChecklistItem['id']; title: string; pending: string; failed?: string }[] = [
  {
    id: 'permissions_granted',
    title: 'Warm key permissions granted by the cold key',
    pending: 'run the grant-ml-ops-permissions command above on the machine that holds the cold key',
  },
  {
    id: 'feegrant_allowance',
    title: 'Fee allowance for the warm key',
    pending:
      'the same grant command sets it (unless an allowance exists); if it expired, run the grant again',
  },
  {
    id: 'consensus_key_match',
    title: 'Consensus key registered on chain',
    pending:
      'the node’s tmkms key differs from the registered one: register again (the fallback submit-new-participant command)',
  },
  {
    id: 'cold_key_not_in_keyring',
    title: 'The cold key is not on the server',
    pending: 'waiting for the setup report',
    failed:
      'the cold key is in the server’s keyring: delete it there (inferenced keys delete in the api container), move your funds if it was exposed, and keep it only on your own machine',
  },
  {
    id: 'active_in_epoch',
    title: 'Active in the current epoch (weight from PoC)',
    pending: 'weight comes after the next PoC in which the ML node takes part; nothing to run',
  },
];

export function setupChecklist(report: Report | null | undefined): ChecklistItem[] {
  return ITEMS.map((item) => {
    const c = report?.checks.find((x) => x.id === item.id);
    if (!c)
      return {
        id: item.id,
        title: item.title,
        state: 'unknown' as const,
        hint: report
          ? `the node's setup report has no ${item.id} check`
          : 'waiting for the node’s setup report',
      };
    if (c.status === 'PASS')
      return { id: item.id, title: item.title, state: 'done' as const, hint: c.message };
    if (c.status === 'FAIL')
      return {
        id: item.id,
        title: item.title,
        // A failed cold-key check is a fault, not a step still to take.
        state: item.failed ? ('failed' as const) : ('pending' as const),
        hint: `${item.failed ?? item.pending} (${c.message})`,
      };
    return { id: item.id, title: item.title, state: 'unknown' as const, hint: `${c.status}: ${c.message}` };
  });
}

export function checklistComplete(items: readonly ChecklistItem[]): boolean {
  return items.every((i) => i.state === 'done');
}
