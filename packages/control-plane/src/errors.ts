/**
 * Domain errors: what went wrong, in a sentence that says what to do. Only the HTTP layer turns the kind
 * into a status code (src/http/problem.ts).
 */
export type DomainErrorKind = 'not-found' | 'conflict' | 'invalid' | 'gone' | 'forbidden' | 'unauthorized';

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly kind: DomainErrorKind,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

/** The same answer for "does not exist" and "belongs to someone else", so ids cannot be probed. */
export const notFound = (what: string, id: string) =>
  new DomainError(
    'not-found',
    'Not found',
    `no ${what} ${id} in your account: check the id (list them first)`,
  );
