import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema.gen';
import { toApiError, unreachable } from './problem';

/**
 * The typed API client: paths, parameters, bodies and answers come from the OpenAPI document
 * (schema.gen.ts), so a route the control plane changes breaks the build, not the operator.
 *
 * A browser session is a cookie plus a CSRF token that every change must carry in `x-csrf-token`
 * (the cookie alone is never enough: that is the CSRF defence). The token lives in memory only and
 * is read back from GET /api/v1/session after a reload.
 */
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a call answers 401 (the session ended elsewhere, or expired). */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

const session: Middleware = {
  onRequest({ request }) {
    if (request.method !== 'GET' && csrfToken) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
  onResponse({ response, request }) {
    // The session probe itself answering 401 just means "not logged in".
    if (response.status === 401 && !request.url.endsWith('/api/v1/session')) onUnauthorized();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? '' });
api.use(session);

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The data of a call, or an ApiError with the problem's title and detail. Network failures become
 * "cannot reach the control plane" rather than a TypeError.
 */
export async function call<T>(p: Promise<Answer<T>>): Promise<T> {
  let r: Answer<T>;
  try {
    r = await p;
  } catch {
    throw unreachable();
  }
  if (!r.response.ok) throw toApiError(r.response.status, r.error);
  return r.data as T;
}
