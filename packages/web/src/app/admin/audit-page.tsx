import { ScrollTable } from '../ui/scroll-table';
import { useState } from 'react';
import { api, call } from '../api/client';
import type { AuditEntry } from '../api/types';
import { Badge } from '../ui/badges';
import { ErrorBox } from '../ui/error-box';
import { when } from '../ui/format';
import { Empty, Loading, Page } from '../ui/page';
import { useAsync } from '../ui/use-async';
import { useSubmit } from '../ui/use-submit';

const PAGE = 100;

/** The account's audit log, newest first; older entries page in on request. */
export function AuditPage() {
  const first = useAsync(
    (signal) => call(api.GET('/api/v1/audit', { params: { query: { limit: PAGE } }, signal })),
    [],
  );
  const [older, setOlder] = useState<AuditEntry[]>([]);
  const [end, setEnd] = useState(false);
  const entries = [...(first.data?.entries ?? []), ...older];
  const more = useSubmit(async () => {
    const before = entries.at(-1)?.seq;
    const r = await call(
      api.GET('/api/v1/audit', { params: { query: { limit: PAGE, ...(before ? { before } : {}) } } }),
    );
    setOlder((o) => [...o, ...r.entries]);
    if (r.entries.length < PAGE) setEnd(true);
  });
  return (
    <Page title="Audit log">
      <p>
        Every change made in your account, by you, your API tokens or the control plane, with where it came
        from.
      </p>
      <ErrorBox error={first.error} onRetry={first.reload} />
      {first.loading && !first.data && <Loading what="the audit log" />}
      {first.data && entries.length === 0 && (
        <Empty>
          <p>Nothing recorded yet: entries appear as soon as you add a host, a token or a node.</p>
        </Empty>
      )}
      {entries.length > 0 && (
        <ScrollTable label="Audit log entries">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Outcome</th>
                <th scope="col">Target</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.seq}>
                  <td>{when(e.at)}</td>
                  <td>{e.action}</td>
                  <td>
                    <Badge value={e.outcome === 'ok' ? 'ok' : 'failed'} label="outcome" /> {e.outcome}
                  </td>
                  <td className="wrap">{e.target ?? '—'}</td>
                  <td>{e.sourceIp ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
      <ErrorBox error={more.error} />
      {first.data && first.data.entries.length === PAGE && !end && (
        <button type="button" onClick={() => void more.run()} disabled={more.busy}>
          {more.busy ? 'Loading…' : 'Show older entries'}
        </button>
      )}
    </Page>
  );
}
