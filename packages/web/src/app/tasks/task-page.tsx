import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, call } from '../api/client';
import type { TaskSummary } from '../api/types';
import { Badge } from '../ui/badges';
import { ErrorBox } from '../ui/error-box';
import { when } from '../ui/format';
import { Loading, Page } from '../ui/page';
import { useSubmit } from '../ui/use-submit';
import { PHASE_LABEL, isFinished, logLines, nextStep, phaseText, phasesOf, type Phase } from './progress';
import { TaskResult } from './task-result';
import { AcceptFindings } from './accept-findings';
import { useTaskLive } from './task-stream';

/** One task, live: progress per phase, log lines, then the result or the error with what to do. */
export function TaskPage() {
  const { id = '' } = useParams();
  return <TaskView key={id} id={id} />;
}

function TaskView({ id }: { id: string }) {
  const { task, events, error, reload } = useTaskLive(id);
  if (error)
    return (
      <Page title="Task">
        <ErrorBox error={error} onRetry={reload} />
      </Page>
    );
  if (!task) return <Loading what="the task" />;
  const phases = phasesOf(events);
  const lines = logLines(events);
  return (
    <Page title={`Task: ${task.op}`} actions={<TaskActions task={task} />}>
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <span role="status" aria-live="polite" data-testid="task-state">
            <Badge value={task.state} />
          </span>
        </dd>
        <dt>Host</dt>
        <dd>
          <Link to={`/hosts/${task.hostId}`}>{task.hostId}</Link>
        </dd>
        <dt>Created</dt>
        <dd>{when(task.createdAt)}</dd>
        <dt>Finished</dt>
        <dd>{when(task.finishedAt)}</dd>
        <dt>Id</dt>
        <dd>
          <code>{task.id}</code>
        </dd>
      </dl>
      {task.state === 'queued' && (
        <p className="notice" role="status">
          Waiting for the host’s agent to connect: the task runs as soon as it does (or expires at{' '}
          {when(task.deadline)}).
        </p>
      )}
      <section aria-labelledby="progress-h">
        <h2 id="progress-h">Progress</h2>
        {phases.length === 0 ? (
          <p className="muted">
            {isFinished(task) ? 'No progress was reported.' : 'No progress reported yet.'}
          </p>
        ) : (
          <ol className="phases">
            {phases.map((p) => (
              <PhaseRow key={p.phase} p={p} running={!isFinished(task)} />
            ))}
          </ol>
        )}
      </section>
      <section aria-labelledby="log-h">
        <h2 id="log-h">Log</h2>
        {lines.length === 0 ? (
          <p className="muted">No log lines.</p>
        ) : (
          <pre className="log" role="log" aria-live="polite" tabIndex={0} aria-labelledby="log-h">
            {lines.map((l) => `${new Date(l.at).toLocaleTimeString()}  ${l.text}`).join('\n')}
          </pre>
        )}
      </section>
      {isFinished(task) && (
        <section aria-labelledby="result-h">
          <h2 id="result-h">Result</h2>
          {task.state === 'succeeded' ? (
            <TaskResult task={task} />
          ) : (
            <div className="error-box" role="alert" data-testid="task-error">
              <p className="error-title">
                {task.state === 'failed'
                  ? `Failed${task.error ? `: ${task.error.code}` : ''}`
                  : `The task ${task.state}`}
              </p>
              {task.error && <p className="error-message">{task.error.message}</p>}
              <p>
                <strong>What to do:</strong> {nextStep(task)}
              </p>
              {task.op === 'node.deploy' && task.error?.code === 'preflight-failed' && (
                <AcceptFindings task={task} />
              )}
            </div>
          )}
        </section>
      )}
    </Page>
  );
}

function PhaseRow({ p, running }: { p: Phase; running: boolean }) {
  const label = PHASE_LABEL[p.phase] ?? p.phase;
  const pct = p.done !== undefined && p.total ? Math.min(100, (p.done / p.total) * 100) : null;
  const text = phaseText(p, !running);
  return (
    <li className={p.finished ? 'phase done' : running ? 'phase' : 'phase stopped'}>
      <span className="phase-name">{label}</span>
      <span className="phase-text">{text}</span>
      {pct !== null && (
        <progress max={100} value={pct} aria-label={`${label}: ${text}`}>
          {Math.round(pct)}%
        </progress>
      )}
    </li>
  );
}

/** Cancel while it may still run; retry where running it again makes sense. */
function TaskActions({ task }: { task: TaskSummary }) {
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const retry = useSubmit(async () => {
    const next = await retryTask(task);
    navigate(`/tasks/${next.id}`);
  });
  const cancel = useSubmit(async () => {
    await call(api.POST('/api/v1/tasks/{id}/cancel', { params: { path: { id: task.id } } }));
    setConfirming(false);
  });
  return (
    <>
      {!isFinished(task) &&
        (confirming ? (
          <>
            <button type="button" className="danger" onClick={() => void cancel.run()} disabled={cancel.busy}>
              Yes, cancel it
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirming(true)}>
            Cancel task
          </button>
        ))}
      {isFinished(task) && task.state !== 'succeeded' && (
        <button type="button" className="primary" onClick={() => void retry.run()} disabled={retry.busy}>
          Retry
        </button>
      )}
      <ErrorBox error={retry.error ?? cancel.error} />
    </>
  );
}

/**
 * Runs a task again. Node operations go through the node's routes (so the node follows the new task
 * and a deploy takes the node's current configuration); any other operation is queued again as it was.
 */
async function retryTask(t: TaskSummary): Promise<TaskSummary> {
  if (t.op === 'node.deploy' || t.op === 'node.register' || t.op === 'node.health') {
    const { nodes } = await call(api.GET('/api/v1/nodes'));
    const node = nodes.find((n) => n.hostId === t.hostId);
    if (node) {
      const path = { params: { path: { id: node.id } } };
      if (t.op === 'node.deploy') {
        const accept = (t.params as { acceptWarnings?: string[] } | null)?.acceptWarnings ?? [];
        return call(api.POST('/api/v1/nodes/{id}/deploy', { ...path, body: { acceptWarnings: accept } }));
      }
      if (t.op === 'node.register') return (await call(api.POST('/api/v1/nodes/{id}/register', path))).task;
      return call(api.POST('/api/v1/nodes/{id}/health', path));
    }
  }
  return call(
    api.POST('/api/v1/hosts/{id}/tasks', {
      params: { path: { id: t.hostId } },
      body: { op: t.op, params: t.params ?? {}, deadlineSeconds: 3600 },
    }),
  );
}
