import { z } from 'zod';
import type { RouteContext, ZodApi } from '../context.js';

const Health = z.enum(['ok', 'warning', 'critical', 'unknown']);
export const FleetRowOut = z.object({
  hostId: z.string(),
  hostName: z.string(),
  hostname: z.string().nullable(),
  ownerId: z.string(),
  presence: z.enum(['online', 'stale', 'offline', 'never-connected']),
  hostState: z.enum(['pending', 'enrolled', 'revoked']),
  agentVersion: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  nodeId: z.string().nullable(),
  nodeName: z.string().nullable(),
  role: z.enum(['network', 'mlnode', 'full']).nullable(),
  nodeState: z.string().nullable(),
  release: z.string().nullable(),
  health: Health,
  healthReason: z.string(),
  height: z.number().nullable(),
  lag: z.number().nullable(),
  mlStatus: z.string().nullable(),
  gpuCount: z.number(),
  gpus: z.string(),
});

/** The fleet overview: one compact row per host and its node (the console's fleet page). */
export function fleetRoutes(api: ZodApi, ctx: RouteContext): void {
  api.get(
    '/api/v1/fleet',
    {
      schema: {
        tags: ['hosts'],
        description:
          'One row per host and the node it carries: presence, versions, health and its reason, block height and lag, ML node states, GPUs. Compact (the host and node lists carry full reports). The owner may add `scope=all` (audited).',
        querystring: z.object({ scope: z.enum(['mine', 'all']).default('mine') }),
        response: { 200: z.object({ rows: z.array(FleetRowOut) }) },
      },
      // Plain JSON.stringify for this one large answer: the rows are built by Fleet with the schema's
      // own type (checked at compile time through the type provider), and validating 5,000 rows
      // again on every call cost about 50 ms of the fleet page's load.
      serializerCompiler: () => (data) => JSON.stringify(data),
    },
    async (req) => ({
      rows: await ctx.fleet.rows(await ctx.authenticate(req), {
        all: req.query.scope === 'all',
        sourceIp: ctx.ip(req),
      }),
    }),
  );
}
