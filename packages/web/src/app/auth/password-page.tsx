import { useState, type FormEvent } from 'react';
import { api, call } from '../api/client';
import { ErrorBox } from '../ui/error-box';
import { Field } from '../ui/field';
import { Page } from '../ui/page';
import { useSubmit } from '../ui/use-submit';
import { useSession } from './session';

/**
 * Password change. The control plane ends every session of the account, so the operator logs in again,
 * and revokes every API token unless the operator chooses to keep them (the page says which).
 */
export function PasswordPage() {
  const { signedOut } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [keepTokens, setKeepTokens] = useState(false);
  const mismatch = confirm.length > 0 && confirm !== next ? 'The two new passwords differ.' : undefined;
  const submit = useSubmit(async () => {
    await call(
      api.POST('/api/v1/account/password', {
        body: { currentPassword: current, newPassword: next, keepTokens },
      }),
    );
    signedOut(
      `Password changed. Every session of your account was ended${
        keepTokens ? ' (your API tokens were kept)' : ' and every API token revoked'
      }: log in with the new password.`,
    );
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!mismatch) void submit.run();
  };
  return (
    <Page title="Change your password">
      <p>
        Changing the password logs you out everywhere and, unless you keep them below, revokes every API token
        of your account: a token someone else made while they had your password stops working too.
      </p>
      <form onSubmit={onSubmit} className="stack narrow">
        <Field
          label="Current password"
          type="password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          required
          autoComplete="current-password"
        />
        <Field
          label="New password"
          type="password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          required
          autoComplete="new-password"
          hint="At least 12 characters. You will be logged out everywhere."
        />
        <Field
          label="New password again"
          type="password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          required
          autoComplete="new-password"
          error={mismatch}
        />
        <div className="field">
          <label>
            <input type="checkbox" checked={keepTokens} onChange={(e) => setKeepTokens(e.target.checked)} />{' '}
            Keep my API tokens (scripts and the gnm CLI keep working; revoke them on the API tokens page)
          </label>
        </div>
        <ErrorBox error={submit.error} />
        <button type="submit" className="primary" disabled={submit.busy}>
          {submit.busy ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </Page>
  );
}
