import type { TaskEvent, TaskSummary } from '../api/types';

/**
 * A task's events as the task view shows them: each phase once, in the order it began, with its
 * latest done/total (pull and download bars, sync height against the network's), and the log lines.
 */
export interface Phase {
  phase: string;
  done?: number;
  total?: number;
  unit?: string;
  at: string;
  /** A later phase began: this one is over. */
  finished: boolean;
}

export function phasesOf(events: readonly TaskEvent[]): Phase[] {
  const phases: Phase[] = [];
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    if (!e.progress) continue;
    const p = e.progress;
    const last = phases.at(-1);
    if (last && last.phase === p.phase) {
      Object.assign(last, {
        done: p.done ?? last.done,
        total: p.total ?? last.total,
        unit: p.unit ?? last.unit,
      });
      continue;
    }
    for (const q of phases) q.finished = true;
    const existing = phases.find((q) => q.phase === p.phase);
    if (existing) {
      Object.assign(existing, { done: p.done, total: p.total, unit: p.unit, finished: false });
      phases.push(phases.splice(phases.indexOf(existing), 1)[0] as Phase);
    } else
      phases.push({
        phase: p.phase,
        at: e.at,
        finished: false,
        ...(p.done !== undefined ? { done: p.done } : {}),
        ...(p.total !== undefined ? { total: p.total } : {}),
        ...(p.unit !== undefined ? { unit: p.unit } : {}),
      });
  }
  return phases;
}

export const logLines = (events: readonly TaskEvent[]) =>
  [...events]
    .sort((a, b) => a.seq - b.seq)
    .filter((e) => e.log)
    .map((e) => ({ seq: e.seq, at: e.at, text: e.log ?? '' }));

/** Words for the known phases of node.deploy and friends; others are shown as the agent named them. */
export const PHASE_LABEL: Record<string, string> = {
  preflight: 'Preflight checks',
  verify: 'Verifying the signed bundle',
  render: 'Rendering the release',
  pull: 'Pulling images',
  'start-chain': 'Starting tmkms and the chain node',
  'node-rpc': 'Waiting for the node’s RPC',
  'warm-key': 'Warm key',
  download: 'Downloading model weights',
  mlnode: 'ML node',
  'start-rest': 'Starting the rest of the stack',
  health: 'Health checks',
  sync: 'Chain sync',
  probing: 'Probing the host',
};

export const FINISHED: readonly TaskSummary['state'][] = ['succeeded', 'failed', 'expired', 'cancelled'];
export const isFinished = (t: Pick<TaskSummary, 'state'>) => FINISHED.includes(t.state);

/**
 * A phase's progress in words: "1,234 of 5,000 blocks (lag 3,766)", "12.5 of 80 GB". A phase that
 * never finished on a task that did is where it stopped (`taskEnded`).
 */
export function phaseText(p: Phase, taskEnded = false): string {
  if (!p.finished && taskEnded) return p.done === undefined ? 'stopped here' : `stopped at ${phaseText(p)}`;
  if (p.done === undefined) return p.finished ? 'done' : 'in progress';
  const unit = p.unit ? ` ${p.unit}` : '';
  if (p.total === undefined) return `${p.done.toLocaleString()}${unit}`;
  const base = `${p.done.toLocaleString()} of ${p.total.toLocaleString()}${unit}`;
  return p.phase === 'sync' ? `${base} (network height; lag ${(p.total - p.done).toLocaleString()})` : base;
}

/**
 * What the operator can do about a task that did not succeed. The agent's error says what happened;
 * this says what to try, per outcome and well-known error code.
 */
export function nextStep(t: TaskSummary): string | null {
  if (t.state === 'expired')
    return 'The host’s agent stayed offline until the deadline, so nothing ran. Check the agent on the host (gnm-agent status; systemctl status gnm-agent), then retry.';
  if (t.state === 'cancelled') return 'It was cancelled before it finished. Retry to run it again.';
  if (t.state !== 'failed' || !t.error) return null;
  const code = t.error.code;
  if (code === 'preflight-failed' || code.startsWith('preflight'))
    return 'Fix the failed preflight checks on the host (each finding says how, on the host page), then retry.';
  if (code === 'unsupported-operation')
    return 'This agent does not run that operation: update the agent on the host (run the install command again), then retry.';
  if (code === 'interrupted')
    return 'The agent restarted while it ran; the host was brought back to one release. Retry to run it again.';
  if (code.includes('timeout') || code === 'deadline')
    return 'It ran out of time. Check the host’s network and disk on the host page, then retry.';
  return 'Read the error and the last log lines above, fix the cause on the host, then retry.';
}
