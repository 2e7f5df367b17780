import { z } from 'zod';
import type { RouteContext, ZodApi } from '../context.js';

const Id = z.object({ id: z.string().max(64) });
const Check = z.object({
  id: z.string(),
  target: z.string(),
  ok: z.boolean(),
  failure: z.string().nullable(),
  detail: z.string(),
});
export const AttachmentOut = z.object({
  id: z.string(),
  networkNodeId: z.string(),
  mlNodeId: z.string(),
  networkAddress: z.string(),
  mlAddress: z.string(),
  callbackUrl: z.string(),
  state: z.enum(['attaching', 'attached', 'failed', 'detaching', 'detached']),
  step: z.string().nullable(),
  stepTaskId: z.string().nullable(),
  error: z.string().nullable(),
  checks: z.object({ network: z.array(Check), ml: z.array(Check) }).nullable(),
  warnings: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  attachedAt: z.string().nullable(),
  detachedAt: z.string().nullable(),
});

/**
 * ML nodes on other hosts attached to a network node: firewall rules on both hosts, the ML node bound
 * to the chosen address, the callback URL set, connectivity proven both ways, the ML node registered
 * through the Admin API. Each flow runs in the background; follow its `state`, `step` and step task.
 */
export function attachmentRoutes(api: ZodApi, ctx: RouteContext): void {
  api.post(
    '/api/v1/nodes/:id/attachments',
    {
      schema: {
        tags: ['attachments'],
        description:
          'Attach an ML node (role mlnode, on another host) to this network or full node. `networkAddress` is the network node’s address as the ML host reaches it, `mlAddress` the ML host’s as the network node reaches it: private addresses, or public ones with `allowPublic`. The flow runs in the background: 202 with the attachment; it turns `attached`, or `failed` with what to fix.',
        params: Id,
        body: z.unknown(),
        response: { 202: AttachmentOut },
      },
    },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      const a = await ctx.attachments.attach(user, req.params.id, req.body, ctx.ip(req));
      await ctx.record(user, req, {
        action: 'attachment.create',
        target: a.id,
        outcome: 'ok',
        detail: `${a.mlNodeId} → ${a.networkNodeId} (${a.mlAddress} ↔ ${a.networkAddress})`,
      });
      return reply.status(202).send(a);
    },
  );

  api.get(
    '/api/v1/nodes/:id/attachments',
    {
      schema: {
        tags: ['attachments'],
        description: 'The attachments a node takes part in (as network node or as ML node), newest first.',
        params: Id,
        response: { 200: z.object({ attachments: z.array(AttachmentOut) }) },
      },
    },
    async (req) => ({
      attachments: await ctx.attachments.list(await ctx.authenticate(req), req.params.id, ctx.ip(req)),
    }),
  );

  api.get(
    '/api/v1/attachments/:id',
    { schema: { tags: ['attachments'], params: Id, response: { 200: AttachmentOut } } },
    async (req) => ctx.attachments.get(await ctx.authenticate(req), req.params.id, ctx.ip(req)),
  );

  api.put(
    '/api/v1/attachments/:id',
    {
      schema: {
        tags: ['attachments'],
        description:
          'Change the addresses (or the callback URL) of an attachment, or run its flow again with the same ones: rules, binding and registration are updated.',
        params: Id,
        body: z.unknown(),
        response: { 202: AttachmentOut },
      },
    },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      const a = await ctx.attachments.reattach(user, req.params.id, req.body, ctx.ip(req));
      await ctx.record(user, req, {
        action: 'attachment.update',
        target: a.id,
        outcome: 'ok',
        detail: `${a.mlAddress} ↔ ${a.networkAddress}, callback ${a.callbackUrl}`,
      });
      return reply.status(202).send(a);
    },
  );

  api.delete(
    '/api/v1/attachments/:id',
    {
      schema: {
        tags: ['attachments'],
        description:
          'Detach: the ML node is disabled through the Admin API (it serves to the end of the epoch and skips the next PoC), deleted once the next epoch has begun, then the firewall rules of both hosts are updated. 202; follow `state` until `detached`.',
        params: Id,
        response: { 202: AttachmentOut },
      },
    },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      const a = await ctx.attachments.detach(user, req.params.id, ctx.ip(req));
      await ctx.record(user, req, {
        action: 'attachment.delete',
        target: a.id,
        outcome: 'ok',
        detail: a.mlNodeId,
      });
      return reply.status(202).send(a);
    },
  );
}
