import { ScrollTable } from '../ui/scroll-table';
import { useState, type FormEvent } from 'react';
import { api, call } from '../api/client';
import { CommandBlock } from '../ui/copy-button';
import { ErrorBox } from '../ui/error-box';
import { Field, Select } from '../ui/field';
import { ago, when } from '../ui/format';
import { Empty, Loading, Page } from '../ui/page';
import { useAsync } from '../ui/use-async';
import { useSubmit } from '../ui/use-submit';

/** API tokens for the gnm CLI and scripts: shown once when made, revocable, expiring. */
export function TokensPage() {
  const list = useAsync((signal) => call(api.GET('/api/v1/tokens', { signal })), []);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'read' | 'write'>('read');
  const [days, setDays] = useState('30');
  const [made, setMade] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [revokingAll, setRevokingAll] = useState(false);
  const create = useSubmit(async () => {
    const t = await call(
      api.POST('/api/v1/tokens', { body: { name: name.trim(), scope, expiresInDays: Number(days) } }),
    );
    setMade({ name: t.name, token: t.token });
    setName('');
    list.reload();
  });
  const revoke = useSubmit(async (id: string) => {
    await call(api.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } }));
    setRevoking(null);
    list.reload();
  });
  const revokeAll = useSubmit(async () => {
    await call(api.POST('/api/v1/tokens/revoke-all'));
    setRevokingAll(false);
    list.reload();
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void create.run();
  };
  const login = made
    ? `npm run gnm -- login --url ${window.location.origin} --token ${made.token} --trust`
    : '';
  return (
    <Page title="API tokens">
      <p>
        Tokens let the gnm command line and your scripts use the API as you. A read token cannot change
        anything. Changing your password revokes every token unless you choose to keep them.
      </p>
      {made && (
        <section className="panel" aria-labelledby="made-h">
          <h2 id="made-h">Token “{made.name}” — copy it now</h2>
          <p>It is shown only this once; the control plane keeps only its hash.</p>
          <CommandBlock command={made.token} label="API token" />
          <p>To log the CLI in with it:</p>
          <CommandBlock command={login} label="CLI login command" />
        </section>
      )}
      <form onSubmit={onSubmit} className="filters" aria-label="New token">
        <Field
          label="Token name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={64}
        />
        <Select
          label="Scope"
          value={scope}
          onChange={setScope}
          options={[
            { value: 'read', label: 'Read only' },
            { value: 'write', label: 'Read and write' },
          ]}
        />
        <Field
          label="Expires in (days)"
          type="number"
          min={1}
          max={365}
          value={days}
          onChange={(e) => setDays(e.target.value)}
        />
        <button type="submit" className="primary" disabled={create.busy}>
          Create token
        </button>
      </form>
      <ErrorBox error={create.error ?? revoke.error ?? revokeAll.error} />
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.loading && !list.data && <Loading what="tokens" />}
      {list.data && list.data.tokens.length === 0 && (
        <Empty>
          <p>No API tokens. Create one above to use the gnm command line.</p>
        </Empty>
      )}
      {list.data && list.data.tokens.length > 0 && (
        <ScrollTable label="API tokens">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scope</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.tokens.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>{t.scope}</td>
                  <td>{when(t.expiresAt)}</td>
                  <td>{ago(t.lastUsedAt)}</td>
                  <td>
                    {revoking === t.id ? (
                      <>
                        <button type="button" className="danger" onClick={() => void revoke.run(t.id)}>
                          Yes, revoke {t.name}
                        </button>{' '}
                        <button type="button" onClick={() => setRevoking(null)}>
                          Keep
                        </button>
                      </>
                    ) : (
                      <button
                        type="button"
                        onClick={() => setRevoking(t.id)}
                        aria-label={`Revoke token ${t.name}`}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
      {list.data && list.data.tokens.length > 0 && (
        <p>
          {revokingAll ? (
            <>
              <button type="button" className="danger" onClick={() => void revokeAll.run()}>
                Yes, revoke all {list.data.tokens.length} tokens
              </button>{' '}
              <button type="button" onClick={() => setRevokingAll(false)}>
                Keep them
              </button>
            </>
          ) : (
            <button type="button" onClick={() => setRevokingAll(true)}>
              Revoke all tokens
            </button>
          )}
        </p>
      )}
    </Page>
  );
}
