import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { Accounts } from '../accounts/accounts.js';
import { AuditLog } from '../audit/audit-log.js';
import { Sessions, type Session } from '../sessions/sessions.js';
import { ApiTokens, TokenError } from '../tokens/api-tokens.js';
import type { User } from '../accounts/accounts.js';
import { HttpProblem, errorHandler } from './problem.js';

export const SESSION_COOKIE = 'gnm_session';
const UserOut = z.object({ id: z.string(), email: z.string(), role: z.enum(['owner', 'user']) });
const SessionOut = z.object({ user: UserOut, csrfToken: z.string(), expiresAt: z.string() });

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session;
  }
}

/**
 * The REST API (first slice of issue #5): zod-typed routes with an OpenAPI document at
 * /api/openapi.json, RFC 9457 problems, owner setup with the console token, cookie sessions with a
 * CSRF header on every mutation, rate-limited logins, password change and the account's audit log.
 */
export async function registerApi(app: FastifyInstance, db: Kysely<Database>): Promise<void> {
  const audit = new AuditLog(db);
  const accounts = new Accounts(db, audit);
  const sessions = new Sessions(db);
  const tokens = new ApiTokens(db);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: { info: { title: 'Gonka Node Manager API', version: '0.1.0' } },
    transform: jsonSchemaTransform,
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const api = app.withTypeProvider<ZodTypeProvider>();
  const ip = (req: FastifyRequest) => req.ip ?? null;
  const setCookie = (reply: FastifyReply, token: string, expiresAt: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: 'auto',
      path: '/',
      expires: new Date(expiresAt),
    });

  /** Requires a session; mutations also require the session's CSRF token in `x-csrf-token`. */
  const requireSession = async (req: FastifyRequest): Promise<Session> => {
    const s = await sessions.lookup(req.cookies[SESSION_COOKIE]);
    if (!s) throw new HttpProblem(401, 'Not logged in', 'Log in first (POST /api/v1/session).');
    if (req.method !== 'GET' && req.headers['x-csrf-token'] !== s.csrfToken) {
      throw new HttpProblem(
        403,
        'Missing CSRF token',
        'Send the csrfToken of your session in the x-csrf-token header.',
      );
    }
    return s;
  };

  /**
   * A session or an API token (`Authorization: Bearer gnmt_…`). Tokens need no CSRF token (a browser
   * never sends them by itself); a read-scoped token can only read.
   */
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
      if (req.method !== 'GET' && t.scope !== 'write') {
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

  api.get(
    '/api/v1/setup',
    { schema: { tags: ['accounts'], response: { 200: z.object({ needsOwner: z.boolean() }) } } },
    async () => ({
      needsOwner: !(await accounts.hasOwner()),
    }),
  );

  api.post(
    '/api/v1/setup',
    {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['accounts'],
        description:
          'Create the owner account with the one-time setup token printed by the control plane at start.',
        body: z.object({
          setupToken: z.string().min(1).max(200),
          email: z.string().min(3).max(254),
          password: z.string().min(1).max(1024),
        }),
        response: { 201: SessionOut },
      },
    },
    async (req, reply) => {
      const user = await accounts.createOwner(
        req.body.setupToken,
        req.body.email,
        req.body.password,
        ip(req),
      );
      const { token, session } = await sessions.create(user);
      setCookie(reply, token, session.expiresAt);
      return reply.status(201).send(session);
    },
  );

  api.post(
    '/api/v1/session',
    {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['accounts'],
        body: z.object({ email: z.string().max(254), password: z.string().max(1024) }),
        response: { 200: SessionOut },
      },
    },
    async (req, reply) => {
      const user = await accounts.verifyLogin(req.body.email, req.body.password, ip(req));
      const { token, session } = await sessions.create(user);
      setCookie(reply, token, session.expiresAt);
      return session;
    },
  );

  api.get('/api/v1/session', { schema: { tags: ['accounts'], response: { 200: SessionOut } } }, async (req) =>
    requireSession(req),
  );

  api.delete('/api/v1/session', { schema: { tags: ['accounts'] } }, async (req, reply) => {
    const s = await requireSession(req);
    await sessions.destroy(req.cookies[SESSION_COOKIE] ?? '');
    await audit.record({
      actorId: s.user.id,
      action: 'account.logout',
      target: s.user.id,
      sourceIp: ip(req),
      outcome: 'ok',
      ownerScope: s.user.id,
    });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  api.post(
    '/api/v1/account/password',
    {
      schema: {
        tags: ['accounts'],
        body: z.object({ currentPassword: z.string().max(1024), newPassword: z.string().max(1024) }),
      },
    },
    async (req, reply) => {
      const s = await requireSession(req);
      await accounts.changePassword(s.user.id, req.body.currentPassword, req.body.newPassword, ip(req));
      await sessions.destroyAllOf(s.user.id);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    },
  );

  api.get(
    '/api/v1/audit',
    {
      schema: {
        tags: ['audit'],
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          before: z.coerce.number().int().positive().optional(),
        }),
        response: {
          200: z.object({
            entries: z.array(
              z.object({
                seq: z.number(),
                at: z.string(),
                actorId: z.string().nullable(),
                action: z.string(),
                target: z.string().nullable(),
                sourceIp: z.string().nullable(),
                outcome: z.enum(['ok', 'denied', 'failed']),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const user = await authenticate(req);
      return { entries: await audit.list(user.id, { limit: req.query.limit, before: req.query.before }) };
    },
  );

  const TokenOut = z.object({
    id: z.string(),
    name: z.string(),
    scope: z.enum(['read', 'write']),
    createdAt: z.string(),
    expiresAt: z.string(),
    lastUsedAt: z.string().nullable(),
  });
  const mapTokenError = (e: unknown): never => {
    if (e instanceof TokenError) {
      throw new HttpProblem(
        e.code === 'not-found' ? 404 : 422,
        e.code === 'not-found' ? 'Not found' : 'Invalid token name',
        e.message,
      );
    }
    throw e;
  };

  api.post(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['tokens'],
        description: 'Create an API token (shown once). Only a logged-in user can create tokens.',
        body: z.object({
          name: z.string().max(64),
          scope: z.enum(['read', 'write']),
          expiresInDays: z.number().int().min(1).max(365).default(30),
        }),
        response: { 201: TokenOut.extend({ token: z.string() }) },
      },
    },
    async (req, reply) => {
      const s = await requireSession(req);
      const { token, info } = await tokens
        .create(s.user, req.body.name, req.body.scope, req.body.expiresInDays)
        .catch(mapTokenError);
      await audit.record({
        actorId: s.user.id,
        action: 'token.create',
        target: info.id,
        sourceIp: ip(req),
        outcome: 'ok',
        ownerScope: s.user.id,
        detail: `${info.scope}, expires ${info.expiresAt}`,
      });
      return reply.status(201).send({ ...info, token });
    },
  );

  api.get(
    '/api/v1/tokens',
    { schema: { tags: ['tokens'], response: { 200: z.object({ tokens: z.array(TokenOut) }) } } },
    async (req) => ({
      tokens: await tokens.list((await authenticate(req)).id),
    }),
  );

  api.delete(
    '/api/v1/tokens/:id',
    { schema: { tags: ['tokens'], params: z.object({ id: z.string().max(64) }) } },
    async (req, reply) => {
      const user = await authenticate(req);
      await tokens.revoke(user.id, req.params.id).catch(mapTokenError);
      await audit.record({
        actorId: user.id,
        action: 'token.revoke',
        target: req.params.id,
        sourceIp: ip(req),
        outcome: 'ok',
        ownerScope: user.id,
      });
      return reply.status(204).send();
    },
  );
}
