import { z } from 'zod';
import { printableName } from '@gnm/protocol';
import type { RouteContext, ZodApi } from '../context.js';
import { SESSION_COOKIE } from '../context.js';

const UserOut = z.object({ id: z.string(), email: z.string(), role: z.enum(['owner', 'user']) });
export const SessionOut = z.object({ user: UserOut, csrfToken: z.string(), expiresAt: z.string() });

/** Owner setup with the console token, cookie sessions, password change. */
export function accountRoutes(api: ZodApi, ctx: RouteContext): void {
  api.get(
    '/api/v1/setup',
    { schema: { tags: ['accounts'], response: { 200: z.object({ needsOwner: z.boolean() }) } } },
    async () => ({
      needsOwner: !(await ctx.accounts.hasOwner()),
    }),
  );

  api.post(
    '/api/v1/setup',
    {
      config: {
        rateLimit: { max: 10, timeWindow: '1 minute' },
        coldKey: { typed: { setupToken: 'product-secret', password: 'product-secret' } },
      },
      schema: {
        tags: ['accounts'],
        description:
          'Create the owner account with the one-time setup token printed by the control plane at start.',
        body: z.object({
          setupToken: z.string().min(1).max(200),
          email: printableName(254),
          password: z.string().min(1).max(1024),
        }),
        response: { 201: SessionOut },
      },
    },
    async (req, reply) => {
      const user = await ctx.accounts.createOwner(
        req.body.setupToken,
        req.body.email,
        req.body.password,
        ctx.ip(req),
      );
      const { token, session } = await ctx.sessions.create(user);
      ctx.setSessionCookie(reply, token, session.expiresAt);
      return reply.status(201).send(session);
    },
  );

  api.post(
    '/api/v1/session',
    {
      config: {
        rateLimit: { max: 10, timeWindow: '1 minute' },
        coldKey: { typed: { password: 'product-secret' } },
      },
      schema: {
        tags: ['accounts'],
        body: z.object({ email: z.string().max(254), password: z.string().max(1024) }),
        response: { 200: SessionOut },
      },
    },
    async (req, reply) => {
      const user = await ctx.accounts.verifyLogin(req.body.email, req.body.password, ctx.ip(req));
      const { token, session } = await ctx.sessions.create(user);
      ctx.setSessionCookie(reply, token, session.expiresAt);
      return session;
    },
  );

  api.get('/api/v1/session', { schema: { tags: ['accounts'], response: { 200: SessionOut } } }, async (req) =>
    ctx.requireSession(req),
  );

  api.delete('/api/v1/session', { schema: { tags: ['accounts'] } }, async (req, reply) => {
    const s = await ctx.requireSession(req);
    await ctx.sessions.destroy(req.cookies[SESSION_COOKIE] ?? '');
    await ctx.audit.record({
      actorId: s.user.id,
      action: 'account.logout',
      target: s.user.id,
      sourceIp: ctx.ip(req),
      outcome: 'ok',
      ownerScope: s.user.id,
    });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  api.post(
    '/api/v1/account/password',
    {
      config: { coldKey: { typed: { currentPassword: 'product-secret', newPassword: 'product-secret' } } },
      schema: {
        tags: ['accounts'],
        description:
          'Change your password. Every session of the account ends (this one too: log in again) and every API token is revoked, unless keepTokens is true.',
        body: z.object({
          currentPassword: z.string().max(1024),
          newPassword: z.string().max(1024),
          /** Keep the account's API tokens (scripts keep working); by default they are revoked. */
          keepTokens: z.boolean().default(false),
        }),
      },
    },
    async (req, reply) => {
      const s = await ctx.requireSession(req);
      await ctx.accounts.changePassword(
        s.user.id,
        req.body.currentPassword,
        req.body.newPassword,
        ctx.ip(req),
        { keepTokens: req.body.keepTokens },
      );
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    },
  );
}
