/**
 * What went wrong with a call, in the words the control plane chose (RFC 9457 problems always carry a
 * `detail` saying what to do). Pages show `title` and `detail`, never a stack trace.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly fields: { field: string; message: string }[] = [],
  ) {
    super(`${title}: ${detail}`);
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/** Turns an error body (a problem, fastify's default 404, anything) into an ApiError. */
export function toApiError(status: number, body: unknown): ApiError {
  if (isRecord(body) && typeof body.title === 'string') {
    const fields = Array.isArray(body.errors)
      ? body.errors.filter(isRecord).map((e) => ({ field: String(e.field), message: String(e.message) }))
      : [];
    return new ApiError(status, body.title, typeof body.detail === 'string' ? body.detail : '', fields);
  }
  if (status === 404)
    return new ApiError(404, 'Not found', 'It may have been removed, or it belongs to another account.');
  return new ApiError(
    status,
    `Unexpected answer (HTTP ${status})`,
    'The control plane answered in a way this console does not understand: reload the page; if it persists, check the control plane’s log.',
  );
}

/** The error a page shows when the request never got an answer. */
export const unreachable = () =>
  new ApiError(
    0,
    'Cannot reach the control plane',
    'Check that it is running and that this computer can reach it, then try again.',
  );

/** Any thrown value as something a page can show. */
export function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof TypeError) return unreachable();
  // Errors the console raises itself carry a sentence meant for the operator.
  if (e instanceof Error && e.message)
    return new ApiError(0, 'That did not work', `${e.message}. Check the host page, then try again.`);
  return new ApiError(
    0,
    'Something went wrong in the console',
    'Reload the page and try again. Nothing was changed unless the page said so.',
  );
}
