import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AccountError } from '../accounts/accounts.js';
import { DomainError, type DomainErrorKind } from '../errors.js';

/** RFC 9457 problem details: every error the API returns, with a sentence that says what to do. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: { field: string; message: string }[];
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const ACCOUNT_STATUS: Record<AccountError['code'], number> = {
  'setup-done': 409,
  'bad-setup-token': 403,
  'weak-password': 422,
  'bad-email': 422,
  'email-taken': 409,
  'bad-credentials': 401,
};

const DOMAIN_STATUS: Record<DomainErrorKind, number> = {
  'not-found': 404,
  conflict: 409,
  invalid: 422,
  gone: 410,
  forbidden: 403,
  unauthorized: 401,
};

function problem(status: number, title: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return {
    type: `https://gonka-node-manager.dev/problems/${title.toLowerCase().replace(/[^a-z]+/g, '-')}`,
    title,
    status,
    detail,
    ...extra,
  };
}

/** Maps domain errors to problems; never leaks a stack trace. */
export function errorHandler(
  err: FastifyError | Error,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  let p: Problem;
  if (hasZodFastifySchemaValidationErrors(err)) {
    p = problem(
      400,
      'Invalid request',
      'Some fields are missing or invalid: fix them and send the request again.',
      {
        errors: err.validation.map((v) => ({
          field: (v.instancePath || '/').slice(1).replace(/\//g, '.') || '(body)',
          message: v.message ?? 'invalid',
        })),
      },
    );
  } else if (err instanceof AccountError) {
    p = problem(ACCOUNT_STATUS[err.code], err.code.replace(/-/g, ' '), err.message);
  } else if (err instanceof DomainError) {
    p = problem(DOMAIN_STATUS[err.kind], err.title, err.message);
  } else if (err instanceof HttpProblem) {
    p = problem(err.status, err.title, err.detail);
  } else if ((err as FastifyError).statusCode === 429) {
    p = problem(
      429,
      'Too many attempts',
      'Too many attempts from this address: wait a minute and try again.',
    );
  } else if (((err as FastifyError).statusCode ?? 500) < 500) {
    p = problem((err as FastifyError).statusCode ?? 400, 'Bad request', err.message);
  } else {
    req.log.error({ err }, 'unhandled error');
    p = problem(
      500,
      'Internal error',
      'Something went wrong on the control plane; the error is in its log. Try again, and report it if it persists.',
    );
  }
  return reply
    .status(p.status)
    .type('application/problem+json')
    .send({ ...p, instance: req.url });
}
