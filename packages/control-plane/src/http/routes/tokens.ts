import { z } from 'zod';
import { printableName } from '@gnm/protocol';
import type { RouteContext, ZodApi } from '../context.js';
import { HttpProblem } from '../problem.js';
import { TokenError } from '../../tokens/api-tokens.js';

/** API tokens: shown once, stored hashed, scoped read or write, expiring, revocable. */
export function tokenRoutes(api: ZodApi, ctx: RouteContext): void {
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
          name: printableName(64),
          scope: z.enum(['read', 'write']),
          expiresInDays: z.number().int().min(1).max(365).default(30),
        }),
        response: { 201: TokenOut.extend({ token: z.string() }) },
      },
    },
    async (req, reply) => {
      const s = await ctx.requireSession(req);
      const { token, info } = await ctx.tokens
        .create(s.user, req.body.name, req.body.scope, req.body.expiresInDays)
        .catch(mapTokenError);
      await ctx.audit.record({
        actorId: s.user.id,
        action: 'token.create',
        target: info.id,
        sourceIp: ctx.ip(req),
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
      tokens: await ctx.tokens.list((await ctx.authenticate(req)).id),
    }),
  );

  api.post(
    '/api/v1/tokens/revoke-all',
    {
      schema: {
        tags: ['tokens'],
        description:
          'Revoke every API token of your account at once (a password change does it too, unless told to keep them).',
        response: { 200: z.object({ revoked: z.number().int() }) },
      },
    },
    async (req) => {
      const user = await ctx.authenticate(req);
      const revoked = await ctx.tokens.revokeAllOf(user.id);
      await ctx.record(user, req, {
        action: 'token.revoke-all',
        target: user.id,
        outcome: 'ok',
        detail: `${revoked} API tokens revoked`,
      });
      return { revoked };
    },
  );

  api.delete(
    '/api/v1/tokens/:id',
    { schema: { tags: ['tokens'], params: z.object({ id: z.string().max(64) }) } },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      await ctx.tokens.revoke(user.id, req.params.id).catch(mapTokenError);
      await ctx.audit.record({
        actorId: user.id,
        action: 'token.revoke',
        target: req.params.id,
        sourceIp: ctx.ip(req),
        outcome: 'ok',
        ownerScope: user.id,
      });
      return reply.status(204).send();
    },
  );
}
