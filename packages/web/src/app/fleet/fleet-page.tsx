import { memo, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useVirtualizer } from '@tanstack/react-virtual';
import { api, call } from '../api/client';
import { useUser } from '../auth/session';
import { Badge } from '../ui/badges';
import { ErrorBox } from '../ui/error-box';
import { Select } from '../ui/field';
import { plural } from '../ui/format';
import { Empty, Loading, Page } from '../ui/page';
import { useAsync } from '../ui/use-async';
import { useMedia } from '../ui/use-media';
import { fleetRows, type FleetRow } from './fleet-rows';
import { takeEarlyFleet } from './prefetch';
import { applyQuery, paramsFromQuery, queryFromParams, type FleetQuery, type SortKey } from './fleet-query';

/** Rows are a fixed height per layout, so the virtualiser never measures (5,000 rows scroll at 60 fps). */
const ROW_HEIGHT = { wide: 48, narrow: 104 };
/**
 * The fleet answer is compact (about 300 bytes a host), but a refresh still re-renders the visible
 * rows and re-sorts thousands: a large fleet refreshes every 30 s, a small one every 10 s.
 */
const refreshMs = (rows: number) => (rows > 1000 ? 30_000 : 10_000);

const COLUMNS: { key: SortKey | null; label: string }[] = [
  { key: 'host', label: 'Host' },
  { key: 'health', label: 'Health' },
  { key: 'role', label: 'Node' },
  { key: null, label: 'Versions' },
  { key: 'height', label: 'Block height' },
  { key: 'lag', label: 'Lag' },
  { key: null, label: 'ML node' },
  { key: 'gpus', label: 'GPUs' },
];

/**
 * Every host and its node: health, role, versions, block height and lag, ML node status, GPUs.
 * Search, filters and sort live in the URL. Only the rows on screen are in the DOM.
 */
export function FleetPage() {
  const user = useUser();
  const [params, setParams] = useSearchParams();
  const query = queryFromParams(params);
  const [allAccounts, setAllAccounts] = useState(false);
  const [size, setSize] = useState(0);
  const { data, error, loading, reload } = useAsync(
    async (signal) => {
      const early = allAccounts ? null : await takeEarlyFleet();
      const rows =
        early ??
        (
          await call(
            api.GET('/api/v1/fleet', { params: { query: { scope: allAccounts ? 'all' : 'mine' } }, signal }),
          )
        ).rows;
      setSize(rows.length);
      return fleetRows(rows);
    },
    [allAccounts],
    { pollMs: refreshMs(size) },
  );
  const key = params.toString();
  const rows = useMemo(() => applyQuery(data ?? [], queryFromParams(new URLSearchParams(key))), [data, key]);
  const set = (patch: Partial<FleetQuery>) =>
    setParams(paramsFromQuery({ ...query, ...patch }), { replace: true });
  const sortBy = (key: SortKey) => set({ sort: key, desc: query.sort === key ? !query.desc : false });

  const counts = useMemo(() => {
    const c = { ok: 0, warning: 0, critical: 0, unknown: 0 };
    for (const r of data ?? []) c[r.health]++;
    return c;
  }, [data]);

  return (
    <Page
      title="Fleet"
      actions={
        <Link className="button primary" to="/hosts/new">
          Add a host
        </Link>
      }
    >
      <ErrorBox error={error} onRetry={reload} />
      {loading && !data && <Loading what="the fleet" />}
      {data && data.length === 0 && (
        <Empty>
          <p>No hosts yet.</p>
          <p>
            Start with <Link to="/hosts/new">Add a host</Link>: you get one command to run on your server, and
            it shows up here as soon as its agent connects.
          </p>
        </Empty>
      )}
      {data && data.length > 0 && (
        <>
          <p className="summary" aria-live="polite">
            {plural(data.length, 'host')}: {counts.ok} ok, {counts.warning} warning, {counts.critical}{' '}
            critical, {counts.unknown} unknown.
          </p>
          <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
            <div className="field">
              <label htmlFor="fleet-search">Search</label>
              <input
                id="fleet-search"
                type="search"
                value={query.search}
                placeholder="name, id, model, release…"
                onChange={(e) => set({ search: e.target.value })}
              />
            </div>
            <Select
              label="Health"
              value={query.health}
              onChange={(v) => set({ health: v })}
              options={[
                { value: 'all', label: 'Any' },
                { value: 'critical', label: 'Critical' },
                { value: 'warning', label: 'Warning' },
                { value: 'unknown', label: 'Unknown' },
                { value: 'ok', label: 'OK' },
              ]}
            />
            <Select
              label="Node"
              value={query.role}
              onChange={(v) => set({ role: v })}
              options={[
                { value: 'all', label: 'Any' },
                { value: 'full', label: 'Full' },
                { value: 'network', label: 'Network' },
                { value: 'mlnode', label: 'ML node' },
                { value: 'none', label: 'No node yet' },
              ]}
            />
            <Select
              label="Agent"
              value={query.presence}
              onChange={(v) => set({ presence: v })}
              options={[
                { value: 'all', label: 'Any' },
                { value: 'online', label: 'Online' },
                { value: 'stale', label: 'Stale' },
                { value: 'offline', label: 'Offline' },
                { value: 'never-connected', label: 'Never connected' },
              ]}
            />
            {user.role === 'owner' && (
              <div className="field check">
                <input
                  id="fleet-all"
                  type="checkbox"
                  checked={allAccounts}
                  onChange={(e) => setAllAccounts(e.target.checked)}
                />
                <label htmlFor="fleet-all">Every account’s hosts (audited)</label>
              </div>
            )}
          </form>
          <p className="hint" role="status">
            Showing {plural(rows.length, 'host')}
            {rows.length !== data.length ? ` of ${data.length.toLocaleString()}` : ''}.
          </p>
          {rows.length === 0 ? (
            <Empty>
              <p>No host matches these filters.</p>
              <button type="button" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
                Clear the filters
              </button>
            </Empty>
          ) : (
            <FleetTable rows={rows} query={query} onSort={sortBy} />
          )}
        </>
      )}
    </Page>
  );
}

function FleetTable({
  rows,
  query,
  onSort,
}: {
  rows: FleetRow[];
  query: FleetQuery;
  onSort: (k: SortKey) => void;
}) {
  const narrow = useMedia('(max-width: 900px)');
  const rowHeight = narrow ? ROW_HEIGHT.narrow : ROW_HEIGHT.wide;
  const scroller = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- no React Compiler in this build; the virtualiser re-renders through its own state
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    // A few rows beyond the screen: enough for keyboard and wheel scrolling, few to mount per frame.
    overscan: 4,
    // Rows render in React's own batch after a scroll event, not synchronously inside it (flushSync):
    // a fast scroll then costs one render per frame instead of one per event.
    useFlushSync: false,
  });
  return (
    <div className="fleet" role="table" aria-label="Hosts and nodes" aria-rowcount={rows.length + 1}>
      <div role="rowgroup" className="fleet-head">
        <div role="row" className="fleet-row" aria-rowindex={1}>
          {COLUMNS.map((c) => (
            <div
              role="columnheader"
              key={c.label}
              aria-sort={
                c.key && query.sort === c.key ? (query.desc ? 'descending' : 'ascending') : undefined
              }
            >
              {c.key ? (
                <button type="button" className="sort" onClick={() => onSort(c.key as SortKey)}>
                  {c.label}
                  <span aria-hidden="true">{query.sort === c.key ? (query.desc ? ' ▼' : ' ▲') : ''}</span>
                </button>
              ) : (
                c.label
              )}
            </div>
          ))}
        </div>
      </div>
      <div ref={scroller} className="fleet-body" role="rowgroup" data-testid="fleet-scroller">
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {v.getVirtualItems().map((item) => {
            const r = rows[item.index];
            if (!r) return null;
            return (
              <div
                role="row"
                key={r.hostId}
                aria-rowindex={item.index + 2}
                className="fleet-row"
                style={{ height: rowHeight, transform: `translateY(${item.start}px)` }}
              >
                <FleetCells r={r} />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/** Memoised: while scrolling, only the rows that come into view render, not every visible one. */
const FleetCells = memo(function FleetCells({ r }: { r: FleetRow }) {
  return (
    <>
      <div role="cell" className="c-host">
        <Link to={`/hosts/${r.hostId}`}>{r.hostName}</Link> <Badge value={r.presence} label="agent" />
      </div>
      <div role="cell" className="c-health" title={r.healthReason}>
        <Badge value={r.health} label="health" /> <span className="reason">{r.healthReason}</span>
      </div>
      <div role="cell" className="c-node">
        {r.nodeId ? (
          <Link to={`/nodes/${r.nodeId}`}>
            {r.role} · {r.nodeState}
          </Link>
        ) : (
          <span className="muted">no node</span>
        )}
      </div>
      <div role="cell" className="c-versions">
        <span title="agent version">{r.agentVersion ?? '—'}</span>
        {r.release && <span title="release"> · {r.release}</span>}
      </div>
      <div role="cell" className="c-height">
        <span className="label-narrow">height </span>
        {r.heightText}
      </div>
      <div role="cell" className="c-lag">
        <span className="label-narrow">lag </span>
        {r.lagText}
      </div>
      <div role="cell" className="c-ml">
        {r.mlStatus ?? '—'}
      </div>
      <div role="cell" className="c-gpus">
        {r.gpus}
      </div>
    </>
  );
});
