import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, call } from '../api/client';
import type { Enrollment, Host } from '../api/types';
import { ErrorBox } from '../ui/error-box';
import { Field } from '../ui/field';
import { Page } from '../ui/page';
import { useSubmit } from '../ui/use-submit';
import { InstallPanel } from './install-panel';

/** How often the page asks whether the agent has enrolled (the API has no push for hosts). */
const WAIT_POLL_MS = 1500;

/**
 * Add a host: name it, copy the install command, run it; the page waits for the agent and turns into
 * the host's page as soon as it has enrolled.
 */
export function AddHostPage() {
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ host: Host; enrollment: Enrollment } | null>(null);
  const submit = useSubmit(async () => {
    setCreated(await call(api.POST('/api/v1/hosts', { body: { name: name.trim() } })));
  });
  const hostId = created?.host.id;

  useEffect(() => {
    if (!hostId) return;
    const t = setInterval(() => {
      void call(api.GET('/api/v1/hosts/{id}', { params: { path: { id: hostId } } })).then(
        (h) => {
          if (h.state === 'enrolled')
            navigate(`/hosts/${hostId}`, { replace: true, state: { justEnrolled: true } });
        },
        () => undefined, // a missed poll is retried at the next tick
      );
    }, WAIT_POLL_MS);
    return () => clearInterval(t);
  }, [hostId, navigate]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit.run();
  };
  return (
    <Page title="Add a host">
      {!created ? (
        <form onSubmit={onSubmit} className="stack narrow">
          <p>
            A host is one server you run Gonka on. Name it, then run the command this page gives you on that
            server.
          </p>
          <Field
            label="Host name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={63}
            pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
            hint="Letters, digits, dot, dash and underscore, like gpu-01."
            autoComplete="off"
          />
          <ErrorBox error={submit.error} />
          <button type="submit" className="primary" disabled={submit.busy}>
            {submit.busy ? 'Adding…' : 'Add host'}
          </button>
        </form>
      ) : (
        <>
          <InstallPanel
            hostId={created.host.id}
            hostName={created.host.name}
            enrollment={created.enrollment}
            onRenewed={(enrollment) => setCreated({ ...created, enrollment })}
          />
          <p className="waiting" role="status" aria-live="polite" data-testid="waiting-agent">
            <span className="spinner" aria-hidden="true" /> Waiting for the agent on {created.host.name} to
            connect… this page opens the host as soon as it does.
          </p>
        </>
      )}
    </Page>
  );
}
