import { useState, type FormEvent } from 'react';
import { api, call } from '../api/client';
import { ErrorBox } from '../ui/error-box';
import { Field } from '../ui/field';
import { Page } from '../ui/page';
import { useSubmit } from '../ui/use-submit';
import { useSession } from './session';

/** First run: the owner account, created with the one-time setup token the control plane printed. */
export function SetupPage() {
  const { signedIn } = useSession();
  const [token, setToken] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const mismatch = confirm.length > 0 && confirm !== password ? 'The two passwords differ.' : undefined;
  const submit = useSubmit(async () => {
    signedIn(
      await call(
        api.POST('/api/v1/setup', { body: { setupToken: token.trim(), email: email.trim(), password } }),
      ),
    );
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!mismatch) void submit.run();
  };
  return (
    <main id="main" className="auth">
      <Page title="Set up Gonka Node Manager">
        <p>
          No owner account exists yet. The control plane printed a one-time <strong>setup token</strong> when
          it started (<code>gnm-setup-…</code>, in its terminal or its log); a restart prints a new one.
        </p>
        <form onSubmit={onSubmit} className="stack">
          <Field
            label="Setup token"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            required
            autoComplete="off"
            spellCheck={false}
          />
          <Field
            label="Your email"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
            autoComplete="username"
          />
          <Field
            label="Password"
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
            {submit.busy ? 'Creating…' : 'Create the owner account'}
          </button>
        </form>
      </Page>
    </main>
  );
}
