import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, call } from '../api/client';
import type { TaskSummary } from '../api/types';
import { ErrorBox } from '../ui/error-box';
import { useSubmit } from '../ui/use-submit';

/** The preflight checks a refused deploy names ("  - fabric-manager: …" lines of the agent's message). */
export function blockingChecks(message: string): { check: string; text: string }[] {
  return [...message.matchAll(/^\s+- ([a-z0-9][a-z0-9-]{0,63}): (.*)$/gm)].map((m) => ({
    check: m[1] ?? '',
    text: m[2] ?? '',
  }));
}

/**
 * A deploy the preflight stopped: each critical finding with a box to accept it — for an operator
 * who knows it does not apply (the sim's GPU-less machine, a driver checked by hand) — and the deploy
 * again with those accepted by name. Nothing is accepted unless ticked.
 */
export function AcceptFindings({ task }: { task: TaskSummary }) {
  const navigate = useNavigate();
  const found = blockingChecks(task.error?.message ?? '');
  const [ticked, setTicked] = useState<Set<string>>(new Set());
  const again = useSubmit(async () => {
    const { nodes } = await call(api.GET('/api/v1/nodes'));
    const node = nodes.find((n) => n.hostId === task.hostId);
    if (!node) throw new Error('this host carries no node any more');
    const before = (task.params as { acceptWarnings?: string[] } | null)?.acceptWarnings ?? [];
    const t = await call(
      api.POST('/api/v1/nodes/{id}/deploy', {
        params: { path: { id: node.id } },
        body: { acceptWarnings: [...new Set([...before, ...ticked])] },
      }),
    );
    navigate(`/tasks/${t.id}`);
  });
  if (!found.length) return null;
  return (
    <fieldset className="accept-findings">
      <legend>Accept a finding you know does not apply</legend>
      {found.map((f) => (
        <div className="field check" key={f.check}>
          <input
            id={`accept-${f.check}`}
            type="checkbox"
            checked={ticked.has(f.check)}
            onChange={(e) =>
              setTicked((s) => {
                const n = new Set(s);
                if (e.target.checked) n.add(f.check);
                else n.delete(f.check);
                return n;
              })
            }
          />
          <label htmlFor={`accept-${f.check}`}>
            <strong>{f.check}</strong>: {f.text}
          </label>
        </div>
      ))}
      <button type="button" onClick={() => void again.run()} disabled={again.busy || ticked.size === 0}>
        Deploy again, accepting the ticked findings
      </button>
      <ErrorBox error={again.error} />
    </fieldset>
  );
}
