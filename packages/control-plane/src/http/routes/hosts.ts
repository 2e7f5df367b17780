import { z } from 'zod';
import { printableName } from '@gnm/protocol';
import type { RouteContext, ZodApi } from '../context.js';
import { hostPresence } from '../../gateway/presence.js';
import { installCommand } from '../../hosts/install-command.js';
import type { HostRow } from '../../hosts/hosts.js';

export const HostOut = z.object({
  id: z.string(),
  ownerId: z.string(),
  name: z.string(),
  state: z.enum(['pending', 'enrolled', 'revoked']),
  presence: z.enum(['online', 'stale', 'offline', 'never-connected']),
  agentId: z.string().nullable(),
  agentVersion: z.string().nullable(),
  hostname: z.string().nullable(),
  createdAt: z.string(),
  enrolledAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  lastReport: z.record(z.string(), z.unknown()).nullable(),
});

const EnrollmentOut = z.object({
  token: z.string(),
  expiresAt: z.string(),
  installCommand: z.string(),
  /** Set when the command cannot carry all three pins yet. */
  warning: z.string().nullable(),
});

const Id = z.object({ id: z.string().max(64) });

/** Hosts: add (with a one-time enrollment token and the install command), list, show, revoke. */
export function hostRoutes(api: ZodApi, ctx: RouteContext): void {
  const view = (h: HostRow): z.infer<typeof HostOut> => ({
    id: h.id,
    ownerId: h.owner_id,
    name: h.name,
    state: h.state,
    presence: hostPresence(h, (id) => ctx.gateway.isConnected(id), ctx.currentReportIntervalMs()),
    agentId: h.agent_id,
    agentVersion: h.agent_version,
    hostname: h.hostname,
    createdAt: h.created_at,
    enrolledAt: h.enrolled_at,
    revokedAt: h.revoked_at,
    lastSeenAt: h.last_seen_at,
    lastReport: h.last_report ? (JSON.parse(h.last_report) as Record<string, unknown>) : null,
  });
  const enrollmentOut = async (e: { token: string; expiresAt: string }) => {
    const pins = await ctx.pins();
    return {
      ...e,
      installCommand: installCommand(pins, e.token),
      warning: pins.rootSha256
        ? null
        : 'No signed bundle repository is imported yet, so the command lacks the --root-sha256 pin and the agent will not apply stacks: import one (gnm bundle import) and copy the command again.',
    };
  };

  api.post(
    '/api/v1/hosts',
    {
      schema: {
        tags: ['hosts'],
        description:
          'Add a host. Returns a one-time enrollment token (valid 1 hour by default) and the install command to run on the host.',
        body: z.object({ name: printableName(63) }),
        response: { 201: z.object({ host: HostOut, enrollment: EnrollmentOut }) },
      },
    },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      const { host, enrollment } = await ctx.hosts.create(user, req.body.name);
      await ctx.record(user, req, {
        action: 'host.create',
        target: host.id,
        outcome: 'ok',
        detail: host.name,
      });
      return reply.status(201).send({ host: view(host), enrollment: await enrollmentOut(enrollment) });
    },
  );

  api.get(
    '/api/v1/hosts',
    {
      schema: {
        tags: ['hosts'],
        description: 'Your hosts. The owner may add `scope=all` to see every account’s hosts (audited).',
        querystring: z.object({ scope: z.enum(['mine', 'all']).default('mine') }),
        response: { 200: z.object({ hosts: z.array(HostOut) }) },
      },
    },
    async (req) => {
      const user = await ctx.authenticate(req);
      const rows = await ctx.hosts.list(user, { all: req.query.scope === 'all', sourceIp: ctx.ip(req) });
      return { hosts: rows.map(view) };
    },
  );

  api.get(
    '/api/v1/hosts/:id',
    { schema: { tags: ['hosts'], params: Id, response: { 200: HostOut } } },
    async (req) => {
      const user = await ctx.authenticate(req);
      return view(await ctx.hosts.get(user, req.params.id, ctx.ip(req)));
    },
  );

  api.post(
    '/api/v1/hosts/:id/enrollment',
    {
      schema: {
        tags: ['hosts'],
        description:
          'A new enrollment token for a host that has not enrolled yet; older tokens stop working.',
        params: Id,
        response: { 201: EnrollmentOut },
      },
    },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      const e = await ctx.hosts.renewEnrollment(user, req.params.id, ctx.ip(req));
      await ctx.record(user, req, { action: 'host.renew-enrollment', target: req.params.id, outcome: 'ok' });
      return reply.status(201).send(await enrollmentOut(e));
    },
  );

  api.post(
    '/api/v1/hosts/:id/revoke',
    {
      schema: {
        tags: ['hosts'],
        description:
          'Revoke a host: its agent key stops being accepted and its connection is closed at once; open tasks are cancelled.',
        params: Id,
        response: { 200: HostOut },
      },
    },
    async (req) => {
      const user = await ctx.authenticate(req);
      const host = await ctx.hosts.revoke(user, req.params.id, ctx.ip(req));
      ctx.gateway.disconnect(host.id, 'revoked', 'this host was revoked by its owner');
      await ctx.record(user, req, { action: 'host.revoke', target: host.id, outcome: 'ok' });
      return view(host);
    },
  );
}
