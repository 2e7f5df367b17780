import { ComposeDriver } from '../compose/compose-driver.js';
import type { OperationContext } from '../operations/registry.js';

/** What the stack operations need from the agent: where things live and how to reach the control plane. */
export interface StackDeps {
  stateDir: string;
  stacksRoot: string;
  docker?: string;
  /** From agent.json: the bundle repository is the control plane's `/tuf/v1`, fetched over the pinned TLS. */
  controlPlane: string;
  tlsPin: string | null;
  rootSha256: string | null;
  /** agent.json's development flag: bundles over plain http only with it. */
  devPlainHttp?: boolean;
  /** Folders host paths may lie under (GNM_AGENT_HOST_PATH_ROOTS); absent: /mnt, /srv, /data. */
  hostPathRoots?: readonly string[];
}

/** Compose output lines worth showing as task log lines (container and image steps, not layer bars). */
const STEP =
  /^\s*(?:Container|Network|Volume|Image)?\s*\S+\s+(Pulling|Pulled|Skipped|Creating|Created|Recreate|Recreated|Starting|Started|Stopping|Stopped|Removing|Removed|Running|Waiting|Healthy|Error)\b/;

export function composeFor(d: StackDeps, ctx: OperationContext): ComposeDriver {
  return new ComposeDriver({ docker: d.docker, project: 'join', signal: ctx.signal });
}

/** Forwards compose's step lines to the task as log lines, calling `step` for each. */
export function stepLogger(ctx: OperationContext, step?: (line: string, verb: string) => void) {
  return (line: string) => {
    const m = STEP.exec(line);
    if (!m) return;
    const text = line.trim();
    ctx.emit({ log: text.length > 300 ? `${text.slice(0, 300)}…` : text });
    step?.(text, m[1] ?? '');
  };
}
