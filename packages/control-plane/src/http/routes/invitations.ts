import { z } from 'zod';
import { printableName } from '@gnm/protocol';
import type { RouteContext, ZodApi } from '../context.js';
import { SessionOut } from './accounts.js';

const InvitationOut = z.object({
  id: z.string(),
  email: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  acceptedAt: z.string().nullable(),
});

/** The owner invites people; an invitee sets their own password with the one-time token. */
export function invitationRoutes(api: ZodApi, ctx: RouteContext): void {
  api.post(
    '/api/v1/invitations',
    {
      schema: {
        tags: ['accounts'],
        description: 'Invite a user (owner only). The token is shown once and is valid for 7 days.',
        body: z.object({ email: printableName(254) }),
        response: { 201: InvitationOut.extend({ token: z.string() }) },
      },
    },
    async (req, reply) => {
      const owner = await ctx.requireOwner(req);
      return reply.status(201).send(await ctx.invitations.create(owner, req.body.email, ctx.ip(req)));
    },
  );

  api.get(
    '/api/v1/invitations',
    { schema: { tags: ['accounts'], response: { 200: z.object({ invitations: z.array(InvitationOut) }) } } },
    async (req) => {
      await ctx.requireOwner(req);
      return { invitations: await ctx.invitations.list() };
    },
  );

  api.delete(
    '/api/v1/invitations/:id',
    { schema: { tags: ['accounts'], params: z.object({ id: z.string().max(64) }) } },
    async (req, reply) => {
      const owner = await ctx.requireOwner(req);
      await ctx.invitations.revoke(owner, req.params.id, ctx.ip(req));
      return reply.status(204).send();
    },
  );

  api.post(
    '/api/v1/invitations/accept',
    {
      config: {
        rateLimit: { max: 10, timeWindow: '1 minute' },
        coldKey: { typed: { token: 'product-secret', password: 'product-secret' } },
      },
      schema: {
        tags: ['accounts'],
        description:
          'Accept an invitation: creates your account with the password you choose and logs you in.',
        body: z.object({ token: z.string().max(200), password: z.string().max(1024) }),
        response: { 201: SessionOut },
      },
    },
    async (req, reply) => {
      const user = await ctx.invitations.accept(req.body.token, req.body.password, ctx.ip(req));
      const { token, session } = await ctx.sessions.create(user);
      ctx.setSessionCookie(reply, token, session.expiresAt);
      return reply.status(201).send(session);
    },
  );

  api.get(
    '/api/v1/users',
    {
      schema: {
        tags: ['accounts'],
        response: {
          200: z.object({
            users: z.array(
              z.object({
                id: z.string(),
                email: z.string(),
                role: z.enum(['owner', 'user']),
                createdAt: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      await ctx.requireOwner(req);
      const rows = await ctx.db
        .selectFrom('users')
        .select(['id', 'email', 'role', 'created_at'])
        .orderBy('created_at')
        .execute();
      return {
        users: rows.map((r) => ({ id: r.id, email: r.email, role: r.role, createdAt: r.created_at })),
      };
    },
  );
}
