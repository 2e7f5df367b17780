import { useState, type FormEvent } from 'react';
import { api, call } from '../api/client';
import { ErrorBox } from '../ui/error-box';
import { Field } from '../ui/field';
import { Page } from '../ui/page';
import { useSubmit } from '../ui/use-submit';
import { useSession } from './session';

/**
 * Accepting an invitation: the link carries the one-time token in its fragment (#…), which the browser
 * never sends to a server, so it stays out of every access log.
 */
export function InvitePage() {
  const { signedIn } = useSession();
  const [token, setToken] = useState(() => decodeURIComponent(window.location.hash.slice(1)));
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const mismatch = confirm.length > 0 && confirm !== password ? 'The two passwords differ.' : undefined;
  const submit = useSubmit(async () => {
    signedIn(await call(api.POST('/api/v1/invitations/accept', { body: { token: token.trim(), password } })));
    window.history.replaceState(null, '', '/');
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!mismatch) void submit.run();
  };
  return (
    <main id="main" className="auth">
      <Page title="Accept your invitation">
        <form onSubmit={onSubmit} className="stack">
          <Field
            label="Invitation token"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            required
            autoComplete="off"
            spellCheck={false}
            hint="Filled in from the link; valid for 7 days and once only."
          />
          <Field
            label="Choose a password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            autoComplete="new-password"
            hint="A long passphrase: at least 12 characters."
          />
          <Field
            label="Password again"
            type="password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            required
            autoComplete="new-password"
            error={mismatch}
          />
          <ErrorBox error={submit.error} />
          <button type="submit" className="primary" disabled={submit.busy}>
            {submit.busy ? 'Creating…' : 'Create my account'}
          </button>
        </form>
      </Page>
    </main>
  );
}
