import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, call } from '../api/client';
import type { paths } from '../api/schema.gen';
import type { NodeView } from '../api/types';
import { Badge } from '../ui/badges';
import { ErrorBox } from '../ui/error-box';
import { Field } from '../ui/field';
import { useAsync } from '../ui/use-async';
import { useSubmit } from '../ui/use-submit';

type Json<T> = T extends { content: { 'application/json': infer J } } ? J : never;
export type Attachment = Json<paths['/api/v1/attachments/{id}']['get']['responses'][200]>;

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const STEPS: Record<string, string> = {
  'ml-firewall': 'ML host firewall',
  'ml-deploy': 'ML node bound to its address',
  'network-firewall': 'network host firewall',
  'network-deploy': 'callback URL on the network node',
  'check-network-side': 'network node → ML node',
  'check-ml-side': 'ML node → callback',
  register: 'registering through the Admin API',
  disable: 'disabling (serves to the end of the epoch)',
  remove: 'waiting for the next epoch, then removing',
};

/**
 * Attach ML nodes on other hosts to this network node, and follow each attachment: the step it is
 * at, the connectivity results both ways, and what to fix when it failed (issue #8). For an ML node,
 * the attachment it belongs to.
 */
export function AttachmentsPanel({ node }: { node: NodeView }) {
  const list = useAsync(
    async (signal) =>
      (await call(api.GET('/api/v1/nodes/{id}/attachments', { params: { path: { id: node.id } }, signal })))
        .attachments,
    [node.id],
    { pollMs: 3000 },
  );
  const nodes = useAsync(
    async (signal) => (await call(api.GET('/api/v1/nodes', { signal }))).nodes,
    [node.id],
  );
  const names = new Map((nodes.data ?? []).map((n) => [n.id, n.name]));
  const attachments = list.data ?? [];
  return (
    <section aria-labelledby="attach-h">
      <h2 id="attach-h">{node.role === 'mlnode' ? 'Attached to' : 'ML nodes on other hosts'}</h2>
      <ErrorBox error={list.error} onRetry={list.reload} />
      {attachments.length === 0 && (
        <p className="muted">
          {node.role === 'mlnode'
            ? 'Not attached: open the network node and attach this ML node there. Until then its ports answer only on the host itself.'
            : 'None attached. Attach an ML node (role ML node, deployed on another host) below: the product sets the firewall of both hosts and proves they reach each other before it registers the node.'}
        </p>
      )}
      <ul className="attachments">
        {attachments.map((a) => (
          <AttachmentItem
            key={a.id}
            a={a}
            mlName={names.get(a.mlNodeId) ?? a.mlNodeId}
            networkName={names.get(a.networkNodeId) ?? a.networkNodeId}
            onChange={list.reload}
          />
        ))}
      </ul>
      {node.role !== 'mlnode' && (
        <AttachForm
          node={node}
          candidates={(nodes.data ?? []).filter(
            (n) =>
              n.role === 'mlnode' &&
              n.hostId !== node.hostId &&
              !attachments.some((a) => a.mlNodeId === n.id && a.state !== 'detached'),
          )}
          onDone={list.reload}
        />
      )}
    </section>
  );
}

function AttachmentItem({
  a,
  mlName,
  networkName,
  onChange,
}: {
  a: Attachment;
  mlName: string;
  networkName: string;
  onChange: () => void;
}) {
  const detach = useSubmit(async () => {
    await call(api.DELETE('/api/v1/attachments/{id}', { params: { path: { id: a.id } } }));
    onChange();
  });
  const retry = useSubmit(async () => {
    await call(api.PUT('/api/v1/attachments/{id}', { params: { path: { id: a.id } }, body: {} }));
    onChange();
  });
  const checks = [...(a.checks?.network ?? []), ...(a.checks?.ml ?? [])];
  return (
    <li className="attachment" data-testid={`attachment-${mlName}`}>
      <p>
        <Badge value={a.state} label="attachment" /> <strong>{mlName}</strong> at {a.mlAddress} ↔{' '}
        {networkName} at {a.networkAddress}
        {a.step && a.state !== 'attached' && (
          <span className="muted">
            {' '}
            — {STEPS[a.step] ?? a.step}
            {a.stepTaskId && (
              <>
                {' '}
                (<Link to={`/tasks/${a.stepTaskId}`}>task</Link>)
              </>
            )}
          </span>
        )}
      </p>
      <p className="muted">PoC callback: {a.callbackUrl}</p>
      {a.warnings.map((w) => (
        <p key={w} className="warning">
          {w}
        </p>
      ))}
      {checks.length > 0 && (
        <ul className="findings" aria-label="connectivity">
          {checks.map((c) => (
            <li key={c.id}>
              <Badge value={c.ok ? 'ok' : 'critical'} label={c.id} /> {c.id} {c.target}: {c.detail}
            </li>
          ))}
        </ul>
      )}
      {a.error && (
        <div className="error-box" role="alert">
          <p className="error-title">The attachment failed</p>
          <p>{a.error}</p>
        </div>
      )}
      <div className="actions">
        {a.state === 'failed' && (
          <button type="button" onClick={() => void retry.run()} disabled={retry.busy}>
            Run it again
          </button>
        )}
        {a.state !== 'detached' && a.state !== 'detaching' && (
          <button type="button" onClick={() => void detach.run()} disabled={detach.busy}>
            Detach
          </button>
        )}
      </div>
      <ErrorBox error={detach.error ?? retry.error} />
    </li>
  );
}

function AttachForm({
  node,
  candidates,
  onDone,
}: {
  node: NodeView;
  candidates: { id: string; name: string }[];
  onDone: () => void;
}) {
  const [mlNodeId, setMl] = useState('');
  const [networkAddress, setNet] = useState('');
  const [mlAddress, setMlAddr] = useState('');
  const [callbackUrl, setCallback] = useState('');
  const [allowPublic, setPublic] = useState(false);
  const [touched, setTouched] = useState(false);
  const errors = {
    ml: mlNodeId ? undefined : 'choose the ML node to attach',
    net: IPV4.test(networkAddress) ? undefined : 'an IPv4 address, e.g. 10.0.0.1',
    mlAddr: IPV4.test(mlAddress) ? undefined : 'an IPv4 address, e.g. 10.0.0.7',
    cb:
      !callbackUrl || /^http:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/.test(callbackUrl)
        ? undefined
        : 'an http://host:port URL, or leave it empty',
  };
  const attach = useSubmit(async () => {
    await call(
      api.POST('/api/v1/nodes/{id}/attachments', {
        params: { path: { id: node.id } },
        body: { mlNodeId, networkAddress, mlAddress, allowPublic, ...(callbackUrl ? { callbackUrl } : {}) },
      }),
    );
    setMl('');
    setMlAddr('');
    setTouched(false);
    onDone();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (Object.values(errors).some(Boolean)) return;
    void attach.run();
  };
  if (!node.release)
    return <p className="muted">Deploy this node first; ML nodes are attached to a running network node.</p>;
  return (
    <form onSubmit={submit} aria-labelledby="attach-form-h" noValidate>
      <h3 id="attach-form-h">Attach an ML node</h3>
      {candidates.length === 0 ? (
        <p className="muted">
          No ML node to attach: add a host, then configure and deploy a node with the role “ML node” on it.
        </p>
      ) : (
        <>
          <div className="field">
            <label htmlFor="attach-ml">ML node</label>
            <select id="attach-ml" value={mlNodeId} onChange={(e) => setMl(e.target.value)}>
              <option value="">Choose…</option>
              {candidates.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
            {touched && errors.ml && <p className="field-error">{errors.ml}</p>}
          </div>
          <Field
            label="Network node address (as the ML host reaches it)"
            value={networkAddress}
            onChange={(e) => setNet(e.target.value)}
            hint="A private address both hosts share is best."
            error={touched ? errors.net : undefined}
            inputMode="decimal"
          />
          <Field
            label="ML host address (as the network node reaches it)"
            value={mlAddress}
            onChange={(e) => setMlAddr(e.target.value)}
            error={touched ? errors.mlAddr : undefined}
            inputMode="decimal"
          />
          <Field
            label="PoC callback URL (optional)"
            value={callbackUrl}
            onChange={(e) => setCallback(e.target.value)}
            hint={`Default: http://${networkAddress || '<network address>'}:9100. Set it only behind NAT.`}
            error={touched ? errors.cb : undefined}
          />
          <div className="field">
            <label>
              <input type="checkbox" checked={allowPublic} onChange={(e) => setPublic(e.target.checked)} />{' '}
              Allow public addresses (the traffic then crosses the internet)
            </label>
          </div>
          <button type="submit" className="primary" disabled={attach.busy}>
            Attach
          </button>
          <ErrorBox error={attach.error} />
        </>
      )}
    </form>
  );
}
