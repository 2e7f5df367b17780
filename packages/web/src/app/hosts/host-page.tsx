import { ScrollTable } from '../ui/scroll-table';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, call } from '../api/client';
import type { Enrollment, Host, NodeView } from '../api/types';
import { Badge } from '../ui/badges';
import { ErrorBox } from '../ui/error-box';
import { Select } from '../ui/field';
import { ago, when } from '../ui/format';
import { Loading, Page } from '../ui/page';
import { useAsync } from '../ui/use-async';
import { useSubmit } from '../ui/use-submit';
import { TaskTable } from '../tasks/tasks-page';
import { runAndWait } from '../tasks/task-stream';
import { ContainersTable } from './containers-table';
import { Findings } from './findings';
import { StackLogs, StackStatus, gpuSummary, parseReport, type HostReport } from './host-report';
import { InstallPanel } from './install-panel';
import { useUser } from '../auth/session';

const HOST_POLL_MS = 5000;

/**
 * One host: the agent's presence, what its probe found (preflight findings with fixes, GPUs, disk),
 * the node's containers and releases, recent tasks and the log tail of a chosen service. A host that
 * has not enrolled yet shows its install command and waits for the agent.
 */
export function HostPage() {
  const { id = '' } = useParams();
  const host = useAsync(
    (signal) => call(api.GET('/api/v1/hosts/{id}', { params: { path: { id } }, signal })),
    [id],
    { pollMs: HOST_POLL_MS },
  );
  // The owner opening another account's host reads that account's node and tasks: lists hold only
  // the caller's objects unless asked for every account's (each such read is audited).
  const me = useUser();
  const scope = host.data && host.data.ownerId !== me.id ? 'all' : 'mine';
  const nodes = useAsync(
    (signal) => call(api.GET('/api/v1/nodes', { params: { query: { scope } }, signal })),
    [id, scope],
    { pollMs: HOST_POLL_MS },
  );
  const tasks = useAsync(
    (signal) =>
      call(api.GET('/api/v1/tasks', { params: { query: { hostId: id, limit: 20, scope } }, signal })),
    [id, scope],
    { pollMs: HOST_POLL_MS },
  );
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null);

  if (host.error && !host.data)
    return (
      <Page title="Host">
        <ErrorBox error={host.error} onRetry={host.reload} />
      </Page>
    );
  if (!host.data) return <Loading what="the host" />;
  const h = host.data;
  const node = nodes.data?.nodes.find((n) => n.hostId === h.id) ?? null;
  const report = parseReport(h.lastReport);
  const lastStatus = tasks.data?.tasks.find((t) => t.op === 'stack.status' && t.state === 'succeeded');

  return (
    <Page title={`Host ${h.name}`} actions={<HostActions host={h} node={node} />}>
      <ErrorBox error={host.error} onRetry={host.reload} />
      <dl className="facts">
        <dt>Agent</dt>
        <dd>
          <Badge value={h.presence} label="agent" /> {h.agentVersion ?? ''}
        </dd>
        <dt>State</dt>
        <dd>{h.state}</dd>
        <dt>Hostname</dt>
        <dd>{h.hostname ?? '—'}</dd>
        <dt>Last seen</dt>
        <dd title={when(h.lastSeenAt)}>{ago(h.lastSeenAt)}</dd>
        <dt>Node</dt>
        <dd>
          {node ? (
            <Link to={`/nodes/${node.id}`}>
              {node.name} ({node.role}, {node.state})
            </Link>
          ) : (
            'none yet'
          )}
        </dd>
      </dl>
      {h.state === 'pending' && (
        <>
          <InstallPanel hostId={h.id} hostName={h.name} enrollment={enrollment} onRenewed={setEnrollment} />
          <p className="waiting" role="status" aria-live="polite">
            <span className="spinner" aria-hidden="true" /> Waiting for the agent to enroll…
          </p>
        </>
      )}
      {h.state === 'revoked' && (
        <p className="notice">This host is revoked: its agent is refused. Add it again to use the server.</p>
      )}
      {h.state === 'enrolled' && (
        <>
          {!node && h.presence === 'online' && (
            <div className="panel next" role="note">
              <p>
                The agent is connected. Next: <Link to={`/hosts/${h.id}/deploy`}>deploy a node</Link> on this
                host.
              </p>
            </div>
          )}
          <ProbeSections report={report} />
          <section aria-labelledby="stack-h">
            <h2 id="stack-h">Containers and releases</h2>
            <StackSection
              hostId={h.id}
              online={h.presence === 'online'}
              report={report}
              node={node}
              lastStatus={lastStatus ? StackStatus.safeParse(lastStatus.result).data : undefined}
              onRead={tasks.reload}
            />
          </section>
          <LogTail hostId={h.id} online={h.presence === 'online'} report={report} />
        </>
      )}
      <section aria-labelledby="tasks-h">
        <h2 id="tasks-h">Recent tasks</h2>
        {tasks.data && tasks.data.tasks.length === 0 ? (
          <p className="muted">No tasks on this host yet.</p>
        ) : (
          tasks.data && <TaskTable tasks={tasks.data.tasks} />
        )}
      </section>
    </Page>
  );
}

function HostActions({ host, node }: { host: Host; node: NodeView | null }) {
  const navigate = useNavigate();
  const [confirm, setConfirm] = useState(false);
  const revoke = useSubmit(async () => {
    await call(api.POST('/api/v1/hosts/{id}/revoke', { params: { path: { id: host.id } } }));
    navigate('/');
  });
  if (host.state === 'revoked') return null;
  return (
    <>
      {host.state === 'enrolled' &&
        (node ? (
          <Link className="button" to={`/nodes/${node.id}`}>
            Open node
          </Link>
        ) : (
          <Link className="button primary" to={`/hosts/${host.id}/deploy`}>
            Deploy a node
          </Link>
        ))}
      {confirm ? (
        <>
          <button type="button" className="danger" onClick={() => void revoke.run()} disabled={revoke.busy}>
            Yes, revoke {host.name}
          </button>
          <button type="button" onClick={() => setConfirm(false)}>
            Keep it
          </button>
        </>
      ) : (
        <button type="button" onClick={() => setConfirm(true)}>
          Revoke host
        </button>
      )}
      <ErrorBox error={revoke.error} />
    </>
  );
}

function ProbeSections({ report }: { report: HostReport | null }) {
  const probe = report?.probe;
  if (!probe)
    return (
      <p className="muted">
        The agent has not sent its host probe yet; it does right after it connects. This page refreshes by
        itself.
      </p>
    );
  return (
    <>
      <section aria-labelledby="preflight-h">
        <h2 id="preflight-h">Preflight findings</h2>
        <Findings findings={probe.findings} />
      </section>
      <section aria-labelledby="hw-h">
        <h2 id="hw-h">Hardware</h2>
        <dl className="facts">
          <dt>GPUs</dt>
          <dd data-testid="gpu-summary">{gpuSummary(probe.gpus)}</dd>
          {probe.gpus[0] && (
            <>
              <dt>Driver</dt>
              <dd>{probe.gpus[0].driverVersion}</dd>
            </>
          )}
          <dt>Disk</dt>
          <dd>
            {probe.disk
              ? `${probe.disk.freeGiB} GiB free of ${probe.disk.totalGiB} GiB under ${probe.disk.path}`
              : 'unknown'}
          </dd>
          {probe.os && (
            <>
              <dt>System</dt>
              <dd>
                {probe.os.prettyName}, kernel {probe.os.kernel} ({probe.os.arch})
              </dd>
            </>
          )}
          {probe.cpu && (
            <>
              <dt>CPU</dt>
              <dd>
                {probe.cpu.cores} × {probe.cpu.model}
                {probe.memory ? `, ${Math.round(probe.memory.totalMiB / 1024)} GiB memory` : ''}
              </dd>
            </>
          )}
          {probe.docker && (
            <>
              <dt>Docker</dt>
              <dd>
                {probe.docker.server ?? 'not answering'}, Compose {probe.docker.compose ?? 'missing'}
                {probe.docker.nvidiaRuntime ? ', NVIDIA runtime' : ''}
              </dd>
            </>
          )}
        </dl>
        {probe.gpus.length > 0 && (
          <ScrollTable label="GPUs">
            <table>
              <caption className="sr-only">GPUs</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Model</th>
                  <th scope="col">Memory</th>
                  <th scope="col">Compute</th>
                </tr>
              </thead>
              <tbody>
                {probe.gpus.map((g) => (
                  <tr key={g.index}>
                    <td>{g.index}</td>
                    <td>{g.name}</td>
                    <td>{Math.round(g.memoryMiB / 1024)} GiB</td>
                    <td>{g.computeCapability ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollTable>
        )}
      </section>
    </>
  );
}

/**
 * Containers come with every status report (state, health); restarts and releases need a stack.status
 * read on the host, run on request (each read is a task in the audit log, so not on every page view).
 */
function StackSection({
  hostId,
  online,
  report,
  node,
  lastStatus,
  onRead,
}: {
  hostId: string;
  online: boolean;
  report: HostReport | null;
  node: NodeView | null;
  lastStatus: StackStatus | undefined;
  onRead: () => void;
}) {
  const read = useSubmit(async () => {
    const t = await runAndWait(hostId, 'stack.status', {});
    onRead();
    if (t.state !== 'succeeded')
      throw new Error(t.error ? `${t.error.code}: ${t.error.message}` : `the read ${t.state}`);
  });
  const containers = lastStatus?.containers ?? report?.containers ?? [];
  return (
    <>
      <dl className="facts">
        <dt>Current release</dt>
        <dd>{lastStatus?.currentRelease ?? node?.release ?? 'none'}</dd>
        <dt>Previous release</dt>
        <dd>{lastStatus ? (lastStatus.previousRelease ?? 'none') : 'read the stack to see it'}</dd>
      </dl>
      <ContainersTable containers={containers} />
      <button type="button" onClick={() => void read.run()} disabled={!online || read.busy}>
        {read.busy ? 'Reading…' : 'Read restarts and releases'}
      </button>
      {!online && <p className="hint">The agent is not connected: reads wait until it is.</p>}
      <ErrorBox error={read.error} />
    </>
  );
}

function LogTail({ hostId, online, report }: { hostId: string; online: boolean; report: HostReport | null }) {
  const services = [...new Set((report?.containers ?? []).map((c) => c.service))];
  const [service, setService] = useState('');
  const [lines, setLines] = useState<string[] | null>(null);
  const chosen = service || services[0] || '';
  const read = useSubmit(async () => {
    const t = await runAndWait(hostId, 'stack.logs', { service: chosen, tail: 200 });
    const r = StackLogs.safeParse(t.result);
    if (t.state !== 'succeeded' || !r.success)
      throw new Error(t.error ? `${t.error.code}: ${t.error.message}` : `the log read ${t.state}`);
    setLines(r.data.lines);
  });
  return (
    <section aria-labelledby="logs-h">
      <h2 id="logs-h">Service log</h2>
      {services.length === 0 ? (
        <p className="muted">No service runs on this host yet: deploy a node first.</p>
      ) : (
        <>
          <div className="filters">
            <Select
              label="Service"
              value={chosen}
              onChange={setService}
              options={services.map((s) => ({ value: s, label: s }))}
            />
            <button type="button" onClick={() => void read.run()} disabled={!online || read.busy}>
              {read.busy ? 'Reading…' : 'Show the last 200 lines'}
            </button>
          </div>
          <ErrorBox error={read.error} />
          {lines && (
            <pre className="log" role="log" tabIndex={0} aria-label={`Last lines of ${chosen}`}>
              {lines.join('\n') || '(no lines)'}
            </pre>
          )}
        </>
      )}
    </section>
  );
}
