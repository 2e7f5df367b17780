import { ScrollTable } from '../ui/scroll-table';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, call } from '../api/client';
import type { TaskSummary } from '../api/types';
import { Badge } from '../ui/badges';
import { ErrorBox } from '../ui/error-box';
import { Select } from '../ui/field';
import { when } from '../ui/format';
import { Empty, Loading, Page } from '../ui/page';
import { useAsync } from '../ui/use-async';

type StateFilter = TaskSummary['state'] | 'all';

/** Recent tasks of the account (newest first), refreshed while shown. */
export function TasksPage() {
  const [state, setState] = useState<StateFilter>('all');
  const { data, error, loading, reload } = useAsync(
    (signal) =>
      call(
        api.GET('/api/v1/tasks', {
          params: { query: { limit: 100, ...(state !== 'all' ? { state } : {}) } },
          signal,
        }),
      ),
    [state],
    { pollMs: 5000 },
  );
  return (
    <Page title="Tasks">
      <div className="filters">
        <Select<StateFilter>
          label="State"
          value={state}
          onChange={setState}
          options={(
            ['all', 'queued', 'sent', 'running', 'succeeded', 'failed', 'expired', 'cancelled'] as const
          ).map((s) => ({ value: s, label: s === 'all' ? 'Any' : s }))}
        />
      </div>
      <ErrorBox error={error} onRetry={reload} />
      {loading && !data && <Loading what="tasks" />}
      {data && data.tasks.length === 0 && (
        <Empty>
          <p>No tasks{state !== 'all' ? ` in state ${state}` : ''}.</p>
          <p>Tasks appear when you deploy a node, read logs or run a check from a host’s page.</p>
        </Empty>
      )}
      {data && data.tasks.length > 0 && <TaskTable tasks={data.tasks} />}
    </Page>
  );
}

export function TaskTable({ tasks }: { tasks: readonly TaskSummary[] }) {
  return (
    <ScrollTable label="Tasks">
      <table>
        <thead>
          <tr>
            <th scope="col">Operation</th>
            <th scope="col">State</th>
            <th scope="col">Created</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => (
            <tr key={t.id}>
              <td>
                <Link to={`/tasks/${t.id}`}>{t.op}</Link>
              </td>
              <td>
                <Badge value={t.state} />
              </td>
              <td>{when(t.createdAt)}</td>
              <td className="wrap">
                {t.error ? `${t.error.code}: ${t.error.message}` : t.finishedAt ? 'done' : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}
