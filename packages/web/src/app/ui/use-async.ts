import { useCallback, useEffect, useRef, useState } from 'react';
import { asApiError, type ApiError } from '../api/problem';

/**
 * Loads something for a page and keeps it fresh: `reload()` on demand, or every `pollMs` while the
 * page is shown (the API has no push for hosts and nodes; tasks use SSE instead). A failed refresh
 * keeps the last data and shows the error beside it. `deps` are plain values (ids, flags): a change
 * loads again, and `loading` is true until the load for the current deps has settled.
 */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly (string | number | boolean | null | undefined)[],
  o: { pollMs?: number } = {},
): { data: T | undefined; error: ApiError | null; loading: boolean; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError | null>(null);
  const [settled, setSettled] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const key = JSON.stringify(deps);

  useEffect(() => {
    const ctrl = new AbortController();
    loadRef.current(ctrl.signal).then(
      (d) => {
        if (ctrl.signal.aborted) return;
        setData(d);
        setError(null);
        setSettled(key);
      },
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(asApiError(e));
        setSettled(key);
      },
    );
    return () => ctrl.abort();
  }, [key, tick]);

  useEffect(() => {
    if (!o.pollMs) return;
    const t = setInterval(reload, o.pollMs);
    return () => clearInterval(t);
  }, [o.pollMs, reload]);

  return { data, error, loading: settled !== key, reload };
}
