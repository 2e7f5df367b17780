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

export interface ChecklistOptions {
  /**
   * The current epoch, when known from elsewhere (e.g. /v1/epochs/latest); the active_in_epoch
   * check's own details.epoch wins.
   */
  epoch?: number;
}

const ITEMS: {
  id: ChecklistItem['id'];
  title: string;
  pending: (epoch: number | null) => string;
  /** Set where a FAIL is a fault to repair rather than a step still to take. */
  failed?: string;
}[] = [
  {
    id: 'permissions_granted',
    title: 'Warm key permissions granted by the cold key',
    pending: () => 'run the grant-ml-ops-permissions command above on the machine that holds the cold key',
  },
  {
    id: 'feegrant_allowance',
    title: 'Fee allowance for the warm key',
    pending: () =>
      'the grant-ml-ops-permissions command above sets it; if it expired or was spent, run the grant again',
  },
  {
    id: 'consensus_key_match',
    title: 'Consensus key registered on chain',
    pending: () =>
      'the chain does not have this node’s consensus key yet: register the node; if its registration failed, or after a lost .tmkms, run the fallback submit-new-participant command above',
  },
  {
    id: 'cold_key_not_in_keyring',
    title: 'The cold key is not on the server',
    pending: () => 'waiting for the setup report',
    failed:
      'the cold key is in the server’s keyring: delete it there (inferenced keys delete in the api container), keep it only on your own machine, and move the funds if it may have leaked',
  },
  {
    id: 'active_in_epoch',
    title: 'Active in the current epoch (weight from PoC)',
    pending: (epoch) =>
      `weight comes after the next PoC${epoch === null ? '' : ` (epoch ${epoch + 1})`} in which the ML node takes part; nothing to run`,
  },
];

/**
 * The items in a fixed order, from the setup report's checks: PASS → done; FAIL → pending with what
 * to do (failed for the cold key on the server); UNAVAILABLE or any other status → unknown with the
 * DAPI's message; no such check or no report → unknown, waiting.
 */
export function setupChecklist(report: Report | null | undefined, o: ChecklistOptions = {}): ChecklistItem[] {
  return ITEMS.map((item) => {
    const c = report?.checks.find((x) => x.id === item.id);
    const base = { id: item.id, title: item.title };
    if (!c)
      return {
        ...base,
        state: 'unknown' as const,
        hint: report
          ? `the node’s setup report has no ${item.id} check (an older node version?)`
          : 'waiting for the node’s setup report',
      };
    if (c.status === 'PASS') return { ...base, state: 'done' as const, hint: c.message };
    if (c.status === 'FAIL') {
      const epoch = epochOf(c.details) ?? o.epoch ?? null;
      return {
        ...base,
        state: item.failed ? ('failed' as const) : ('pending' as const),
        hint: `${item.failed ?? item.pending(epoch)} (${c.message})`,
      };
    }
    return { ...base, state: 'unknown' as const, hint: `not checked yet: ${c.message}` };
  });
}

function epochOf(details: unknown): number | undefined {
  if (typeof details !== 'object' || details === null || !('epoch' in details)) return undefined;
  const e = Number(details.epoch);
  return Number.isSafeInteger(e) && e >= 0 ? e : undefined;
}

/** Every item done: the node is set up (the UI turns the list green and stops asking). */
export function checklistComplete(items: readonly ChecklistItem[]): boolean {
  return items.length > 0 && items.every((i) => i.state === 'done');
}
