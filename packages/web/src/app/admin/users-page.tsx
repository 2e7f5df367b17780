import { ScrollTable } from '../ui/scroll-table';
import { useState, type FormEvent } from 'react';
import { api, call } from '../api/client';
import { useUser } from '../auth/session';
import { CommandBlock } from '../ui/copy-button';
import { ErrorBox } from '../ui/error-box';
import { Field } from '../ui/field';
import { when } from '../ui/format';
import { Loading, Page } from '../ui/page';
import { useAsync } from '../ui/use-async';
import { useSubmit } from '../ui/use-submit';

/** The owner's page: the instance's users and invitations. Each user sees only their own hosts. */
export function UsersPage() {
  const me = useUser();
  const users = useAsync((signal) => call(api.GET('/api/v1/users', { signal })), []);
  const invitations = useAsync((signal) => call(api.GET('/api/v1/invitations', { signal })), []);
  const [email, setEmail] = useState('');
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const invite = useSubmit(async () => {
    const i = await call(api.POST('/api/v1/invitations', { body: { email: email.trim() } }));
    // The token rides in the fragment: browsers never send it to a server.
    setLink({ email: i.email, url: `${window.location.origin}/invite#${encodeURIComponent(i.token)}` });
    setEmail('');
    invitations.reload();
  });
  const revoke = useSubmit(async (id: string) => {
    await call(api.DELETE('/api/v1/invitations/{id}', { params: { path: { id } } }));
    invitations.reload();
  });
  if (me.role !== 'owner')
    return (
      <Page title="Users">
        <p>Only the instance owner manages users. Ask the owner to invite someone.</p>
      </Page>
    );
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void invite.run();
  };
  return (
    <Page title="Users">
      <ErrorBox error={users.error} onRetry={users.reload} />
      {!users.data ? (
        <Loading what="users" />
      ) : (
        <ScrollTable label="Users">
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {users.data.users.map((u) => (
                <tr key={u.id}>
                  <td>{u.email}</td>
                  <td>{u.role}</td>
                  <td>{when(u.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
      <section aria-labelledby="invite-h">
        <h2 id="invite-h">Invite someone</h2>
        <p>They choose their own password with the link. They see only the hosts they add themselves.</p>
        <form onSubmit={onSubmit} className="filters">
          <Field
            label="Email"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
          <button type="submit" className="primary" disabled={invite.busy}>
            Create invitation
          </button>
        </form>
        <ErrorBox error={invite.error ?? revoke.error} />
        {link && (
          <div className="panel">
            <p>
              Send this link to <strong>{link.email}</strong> (it is shown only now and works once, for 7
              days):
            </p>
            <CommandBlock command={link.url} label="Invitation link" />
          </div>
        )}
        <h3>Open invitations</h3>
        {invitations.data &&
          (invitations.data.invitations.filter((i) => !i.acceptedAt).length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <ul className="plain">
              {invitations.data.invitations
                .filter((i) => !i.acceptedAt)
                .map((i) => (
                  <li key={i.id}>
                    {i.email}, expires {when(i.expiresAt)}{' '}
                    <button
                      type="button"
                      onClick={() => void revoke.run(i.id)}
                      aria-label={`Withdraw the invitation of ${i.email}`}
                    >
                      Withdraw
                    </button>
                  </li>
                ))}
            </ul>
          ))}
      </section>
    </Page>
  );
}
