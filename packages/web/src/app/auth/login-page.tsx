import { useState, type FormEvent } from 'react';
import { api, call } from '../api/client';
import { ErrorBox } from '../ui/error-box';
import { Field } from '../ui/field';
import { Page } from '../ui/page';
import { useSubmit } from '../ui/use-submit';
import { useSession } from './session';

export function LoginPage() {
  const { state, signedIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = useSubmit(async () => {
    signedIn(await call(api.POST('/api/v1/session', { body: { email: email.trim(), password } })));
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit.run();
  };
  return (
    <main id="main" className="auth">
      <Page title="Log in">
        {state.status === 'anonymous' && state.notice && (
          <p className="notice" role="status">
            {state.notice}
          </p>
        )}
        <form onSubmit={onSubmit} className="stack">
          <Field
            label="Email"
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
            autoComplete="current-password"
          />
          <ErrorBox error={submit.error} />
          <button type="submit" className="primary" disabled={submit.busy}>
            {submit.busy ? 'Logging in…' : 'Log in'}
          </button>
        </form>
        <p className="hint">
          Invited by the owner? Open the invitation link they sent you. Forgot your password? Ask the owner
          for a new invitation.
        </p>
      </Page>
    </main>
  );
}
