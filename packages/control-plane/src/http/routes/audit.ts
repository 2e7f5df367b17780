import { z } from 'zod';
import type { RouteContext, ZodApi } from '../context.js';

/** The caller's audit log, newest first. */
export function auditRoutes(api: ZodApi, ctx: RouteContext): void {
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
      const user = await ctx.authenticate(req);
      return { entries: await ctx.audit.list(user.id, { limit: req.query.limit, before: req.query.before }) };
    },
  );
}
