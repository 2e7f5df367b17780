import { Link, useNavigate, useParams } from 'react-router';
import { api, call } from '../api/client';
import type { NodeView } from '../api/types';
import { Badge } from '../ui/badges';
import { ErrorBox } from '../ui/error-box';
import { ago, when } from '../ui/format';
import { Loading, Page } from '../ui/page';
import { useAsync } from '../ui/use-async';
import { useSubmit } from '../ui/use-submit';
import { WarmKeyChecklist } from './warm-key-checklist';
import { AttachmentsPanel } from './attachments-panel';

/** A node: where its bring-up stands, its health checks, the warm-key checklist, and its actions. */
export function NodePage() {
  const { id = '' } = useParams();
  const node = useAsync(
    (signal) => call(api.GET('/api/v1/nodes/{id}', { params: { path: { id } }, signal })),
    [id],
    { pollMs: 5000 },
  );
  if (node.error && !node.data)
    return (
      <Page title="Node">
        <ErrorBox error={node.error} onRetry={node.reload} />
      </Page>
    );
  if (!node.data) return <Loading what="the node" />;
  const n = node.data;
  return (
    <Page title={`Node ${n.name}`} actions={<NodeActions node={n} />}>
      <ErrorBox error={node.error} onRetry={node.reload} />
      <dl className="facts">
        <dt>Health</dt>
        <dd data-testid="node-health">
          <Badge value={n.health.status} label="health" /> {n.health.reason}
          {n.health.at && <span className="muted"> (read {ago(n.health.at)})</span>}
        </dd>
        <dt>State</dt>
        <dd>
          <Badge value={n.state} />
        </dd>
        <dt>Role</dt>
        <dd>{n.role}</dd>
        <dt>Network</dt>
        <dd>{n.network}</dd>
        <dt>Release</dt>
        <dd>{n.release ?? 'not deployed'}</dd>
        <dt>Host</dt>
        <dd>
          <Link to={`/hosts/${n.hostId}`}>{n.hostId}</Link>
        </dd>
        <dt>Registered</dt>
        <dd>{n.registration ? when(n.registration.registeredAt) : 'no'}</dd>
        {n.lastTaskId && (
          <>
            <dt>Last task</dt>
            <dd>
              <Link to={`/tasks/${n.lastTaskId}`}>{n.lastTaskId}</Link>
            </dd>
          </>
        )}
      </dl>
      {n.lastError && (
        <div className="error-box" role="alert">
          <p className="error-title">The last operation failed</p>
          <p>{n.lastError}</p>
          <p>Open the last task for its log, fix the cause on the host, then deploy again.</p>
        </div>
      )}
      <section aria-labelledby="checks-h">
        <h2 id="checks-h">Health checks</h2>
        {n.health.checks.length === 0 ? (
          <p className="muted">
            {n.release
              ? 'No health read yet: use “Read health now”.'
              : 'Deploy the node first; its health is read afterwards.'}
          </p>
        ) : (
          <ul className="findings">
            {n.health.checks.map((c) => (
              <li key={c.name}>
                <Badge value={c.status} label={c.name} /> <strong>{c.name}</strong>: {c.detail}
              </li>
            ))}
          </ul>
        )}
      </section>
      {/* A full node can take further ML nodes on other hosts, like a network node. */}
      <AttachmentsPanel node={n} />
      {n.role !== 'mlnode' && (
        <section aria-labelledby="warm-h">
          <h2 id="warm-h">Warm key and cold-key steps</h2>
          <WarmKeyChecklist node={n} />
        </section>
      )}
    </Page>
  );
}

function NodeActions({ node }: { node: NodeView }) {
  const navigate = useNavigate();
  const path = { params: { path: { id: node.id } } };
  const health = useSubmit(async () => {
    const t = await call(api.POST('/api/v1/nodes/{id}/health', path));
    navigate(`/tasks/${t.id}`);
  });
  const register = useSubmit(async () => {
    const r = await call(api.POST('/api/v1/nodes/{id}/register', path));
    navigate(`/tasks/${r.task.id}`);
  });
  const busy = node.state === 'deploying' || node.state === 'registering';
  return (
    <>
      <Link className="button" to={`/hosts/${node.hostId}/deploy`}>
        {node.release ? 'Change and re-deploy' : 'Deploy'}
      </Link>
      {node.release && (
        <button type="button" onClick={() => void health.run()} disabled={health.busy}>
          Read health now
        </button>
      )}
      {node.release && node.role !== 'mlnode' && !node.registration && (
        <button
          type="button"
          className="primary"
          onClick={() => void register.run()}
          disabled={busy || register.busy}
        >
          Register on chain
        </button>
      )}
      <ErrorBox error={health.error ?? register.error} />
    </>
  );
}
