import { Link } from 'react-router';
import type { TaskSummary } from '../api/types';
import { Findings } from '../hosts/findings';
import { HostProbe, StackLogs, StackStatus } from '../hosts/host-report';
import { ContainersTable } from '../hosts/containers-table';

interface DeployResult {
  release?: string;
  warmKey?: { address: string; mnemonicFile: string | null; created: boolean } | null;
}

/** A succeeded task's result in words for the operations the console knows; others as data. */
export function TaskResult({ task }: { task: TaskSummary }) {
  const r = task.result;
  if (task.op === 'node.deploy') {
    const d = (r ?? {}) as DeployResult;
    return (
      <div className="ok-box" data-testid="task-result">
        <p>
          Deployed release <strong>{d.release ?? 'unknown'}</strong>.
        </p>
        {d.warmKey && (
          <p>
            Warm key <code className="wrap">{d.warmKey.address}</code>{' '}
            {d.warmKey.created ? 'was made on the host' : 'was kept from before'}
            {d.warmKey.mnemonicFile ? (
              <>
                ; its recovery phrase stays on the host in{' '}
                <code className="wrap">{d.warmKey.mnemonicFile}</code>
              </>
            ) : null}
            .
          </p>
        )}
        <p>
          Next: the <Link to={`/hosts/${task.hostId}`}>host’s node page</Link> shows the warm-key checklist
          and the command to run with your cold key.
        </p>
      </div>
    );
  }
  if (task.op === 'host.preflight' || task.op === 'host.probe') {
    const p = HostProbe.safeParse(r);
    if (p.success) return <Findings findings={p.data.findings} />;
  }
  if (task.op === 'stack.status') {
    const s = StackStatus.safeParse(r);
    if (s.success)
      return (
        <>
          <p>
            Current release: {s.data.currentRelease ?? 'none'}; previous: {s.data.previousRelease ?? 'none'}.
          </p>
          <ContainersTable containers={s.data.containers} />
        </>
      );
  }
  if (task.op === 'stack.logs') {
    const l = StackLogs.safeParse(r);
    if (l.success)
      return (
        <pre className="log" tabIndex={0} aria-label={`Log of ${l.data.service}`}>
          {l.data.lines.join('\n') || '(no lines)'}
        </pre>
      );
  }
  return (
    <div data-testid="task-result">
      <p>Succeeded.</p>
      {r !== null && r !== undefined && (
        <pre className="log" tabIndex={0} aria-label="Result data">
          {JSON.stringify(r, null, 2)}
        </pre>
      )}
    </div>
  );
}
