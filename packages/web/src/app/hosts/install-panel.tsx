import { useEffect, useState } from 'react';
import { api, call } from '../api/client';
import type { Enrollment } from '../api/types';
import { CommandBlock } from '../ui/copy-button';
import { ErrorBox } from '../ui/error-box';
import { countdown } from '../ui/format';
import { useSubmit } from '../ui/use-submit';

/** Re-renders every second (the token's countdown). */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

/**
 * The install command of a host that has not enrolled: copy it, run it on the host as root; the
 * one-time token in it expires (countdown), after which a new command is one click away.
 */
export function InstallPanel({
  hostId,
  hostName,
  enrollment,
  onRenewed,
}: {
  hostId: string;
  hostName: string;
  enrollment: Enrollment | null;
  onRenewed: (e: Enrollment) => void;
}) {
  const now = useNow();
  const renew = useSubmit(async () => {
    onRenewed(await call(api.POST('/api/v1/hosts/{id}/enrollment', { params: { path: { id: hostId } } })));
  });
  const left = enrollment ? countdown(enrollment.expiresAt, now) : null;
  return (
    <section className="panel" aria-labelledby="install-h">
      <h2 id="install-h">Install the agent on {hostName}</h2>
      {enrollment ? (
        <>
          <p>
            Run this on <strong>{hostName}</strong> as root. It downloads the agent from this control plane
            (checking its TLS key and the agent’s digest), enrolls it and starts it. The host needs curl and,
            for the service, systemd; it never opens an inbound port.
          </p>
          {enrollment.warning && (
            <p className="notice" role="note">
              {enrollment.warning}
            </p>
          )}
          <CommandBlock command={enrollment.installCommand} label="Install command" />
          <p className={left === 'expired' ? 'field-error' : 'hint'} data-testid="token-expiry">
            {left === 'expired' ? (
              'This command’s one-time token has expired: make a new one.'
            ) : (
              <>
                The token in it works once and expires in <span className="countdown">{left}</span>.
              </>
            )}
          </p>
        </>
      ) : (
        <p>
          The install command is shown only once, when it is made. Make a new one to install the agent (any
          older command stops working).
        </p>
      )}
      <button type="button" onClick={() => void renew.run()} disabled={renew.busy}>
        {enrollment ? 'Make a new install command' : 'Show an install command'}
      </button>
      <ErrorBox error={renew.error} />
    </section>
  );
}
