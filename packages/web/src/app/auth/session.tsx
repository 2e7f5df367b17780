import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, call, setCsrfToken, setUnauthorizedHandler } from '../api/client';
import type { Session, User } from '../api/types';
import { asApiError, type ApiError } from '../api/problem';

/**
 * Who is using the console. On load: does the instance still need its owner (first run), and is
 * there a session cookie (GET /api/v1/session answers with the user and the CSRF token)?
 */
export type SessionState =
  | { status: 'loading' }
  | { status: 'unreachable'; error: ApiError }
  | { status: 'needs-owner' }
  | { status: 'anonymous'; notice?: string }
  | { status: 'signed-in'; user: User };

interface SessionApi {
  state: SessionState;
  signedIn(s: Session): void;
  signedOut(notice?: string): void;
  retry(): void;
}

const Ctx = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  const signedIn = useCallback((s: Session) => {
    setCsrfToken(s.csrfToken);
    setState({ status: 'signed-in', user: s.user });
  }, []);
  const signedOut = useCallback((notice?: string) => {
    setCsrfToken(null);
    setState({ status: 'anonymous', ...(notice ? { notice } : {}) });
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => signedOut('Your session ended: log in again.'));
  }, [signedOut]);

  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        // Both at once: on every load the session answer is needed, and waiting for one then the
        // other doubles the time to the first page.
        const [setup, r] = await Promise.all([call(api.GET('/api/v1/setup')), api.GET('/api/v1/session')]);
        if (!live) return;
        if (setup.needsOwner) return setState({ status: 'needs-owner' });
        if (!live) return;
        if (r.data) signedIn(r.data);
        else setState({ status: 'anonymous' });
      } catch (e) {
        if (live) setState({ status: 'unreachable', error: asApiError(e) });
      }
    })();
    return () => {
      live = false;
    };
  }, [attempt, signedIn]);

  const value = useMemo(
    () => ({ state, signedIn, signedOut, retry: () => setAttempt((a) => a + 1) }),
    [state, signedIn, signedOut],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): SessionApi {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in user (pages behind the login only). */
export function useUser(): User {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useUser without a session');
  return state.user;
}
