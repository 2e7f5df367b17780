import { useState } from 'react';
import { asApiError, type ApiError } from '../api/problem';

/** A form's submit: busy while the call runs (the button is disabled), the error kept to show. */
export function useSubmit<A extends unknown[]>(
  f: (...args: A) => Promise<void>,
): { busy: boolean; error: ApiError | null; run: (...args: A) => Promise<void>; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  return {
    busy,
    error,
    clear: () => setError(null),
    run: async (...args) => {
      setBusy(true);
      setError(null);
      try {
        await f(...args);
      } catch (e) {
        setError(asApiError(e));
      } finally {
        setBusy(false);
      }
    },
  };
}
