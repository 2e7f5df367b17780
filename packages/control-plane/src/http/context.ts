import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Accounts, User } from '../accounts/accounts.js';
import type { AuditEvent, AuditLog } from '../audit/audit-log.js';
import type { Session, Sessions } from '../sessions/sessions.js';
import type { ApiTokens } from '../tokens/api-tokens.js';
import type { Services } from '../services.js';
import { HttpProblem } from './problem.js';

export const SESSION_COOKIE = 'gnm_session';

/**
 * Methods that change nothing (RFC 9110 §9.2.1): Fastify answers HEAD from each GET route, so a read
 * token and a session without a CSRF token may use them as they use GET.
 */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
export const isSafeMethod = (method: string): boolean => SAFE_METHODS.has(method);

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session;
  }
}

/** The typed Fastify instance every route file registers on. */
export type ZodApi = ReturnType<typeof withZod>;
export const withZod = (app: FastifyInstance) => app.withTypeProvider<ZodTypeProvider>();

/** What route files share: the domain services and the two ways a caller proves who they are. */
export interface RouteContext extends Services {
  db: Kysely<Database>;
  audit: AuditLog;
  accounts: Accounts;
  sessions: Sessions;
  tokens: ApiTokens;
  ip(req: FastifyRequest): string | null;
  setSessionCookie(reply: FastifyReply, token: string, expiresAt: string): void;
  /** A session; mutations also need the session's CSRF token in `x-csrf-token`. */
  requireSession(req: FastifyRequest): Promise<Session>;
  /** A session or a bearer API token (read-scoped tokens can only read). */
  authenticate(req: FastifyRequest): Promise<User>;
  /** The owner only (instance administration). */
  requireOwner(req: FastifyRequest): Promise<User>;
  /** Records an audit event for the caller's account. */
  record(
    user: User,
    req: FastifyRequest,
    e: Omit<AuditEvent, 'actorId' | 'sourceIp' | 'ownerScope'>,
  ): Promise<void>;
}

export function routeContext(
  db: Kysely<Database>,
  parts: { audit: AuditLog; accounts: Accounts; sessions: Sessions; tokens: ApiTokens },
  services: Services,
): RouteContext {
  const { audit, sessions, tokens } = parts;
  const ip = (req: FastifyRequest) => req.ip ?? null;
  const requireSession = async (req: FastifyRequest): Promise<Session> => {
    const s = await sessions.lookup(req.cookies[SESSION_COOKIE]);
    if (!s) throw new HttpProblem(401, 'Not logged in', 'Log in first (POST /api/v1/session).');
    if (!isSafeMethod(req.method) && req.headers['x-csrf-token'] !== s.csrfToken) {
      throw new HttpProblem(
        403,
        'Missing CSRF token',
        'Send the csrfToken of your session in the x-csrf-token header.',
      );
    }
    return s;
  };
  // Tokens need no CSRF token: a browser never sends an Authorization header by itself.
  const authenticate = async (req: FastifyRequest): Promise<User> => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const t = await tokens.authenticate(auth.slice('Bearer '.length).trim());
      if (!t)
        throw new HttpProblem(
          401,
          'Invalid token',
          'The API token is unknown, revoked or expired: create a new one (POST /api/v1/tokens).',
        );
      if (!isSafeMethod(req.method) && t.scope !== 'write') {
        throw new HttpProblem(
          403,
          'Read-only token',
          'This API token is scoped read: use a write-scoped token for changes.',
        );
      }
      return t.user;
    }
    return (await requireSession(req)).user;
  };
  return {
    ...services,
    db,
    ...parts,
    ip,
    setSessionCookie: (reply, token, expiresAt) =>
      void reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: 'auto',
        path: '/',
        expires: new Date(expiresAt),
      }),
    requireSession,
    authenticate,
    requireOwner: async (req) => {
      const user = await authenticate(req);
      if (user.role !== 'owner')
        throw new HttpProblem(403, 'Owner only', 'Only the instance owner can do this: ask the owner.');
      return user;
    },
    record: (user, req, e) =>
      audit.record({ ...e, actorId: user.id, sourceIp: ip(req), ownerScope: user.id }),
  };
}
