import { z } from 'zod';
import { printableName } from '@gnm/protocol';
import type { RouteContext, ZodApi } from '../context.js';
import { TaskOut } from './tasks.js';

const Id = z.object({ id: z.string().max(64) });
const NodeOut = z.object({
  id: z.string(),
  hostId: z.string(),
  name: z.string(),
  role: z.enum(['network', 'mlnode', 'full']),
  network: z.string(),
  state: z.string(),
  config: z.unknown(),
  release: z.string().nullable(),
  lastTaskId: z.string().nullable(),
  lastError: z.string().nullable(),
  warmKey: z
    .object({ address: z.string(), pubkey: z.string().nullable(), mnemonicFile: z.string().nullable() })
    .nullable(),
  registration: z.object({ registeredAt: z.string(), consensusKey: z.string().nullable() }).nullable(),
  health: z.object({
    status: z.enum(['ok', 'warning', 'critical', 'unknown']),
    reason: z.string(),
    at: z.string().nullable(),
    checks: z.array(z.object({ name: z.string(), status: z.string(), detail: z.string() })),
    facts: z.unknown(),
  }),
  coldKey: z
    .object({
      commands: z.array(
        z.object({
          id: z.string(),
          title: z.string(),
          why: z.string(),
          command: z.string(),
          argv: z.array(z.string()),
        }),
      ),
      checklist: z.array(
        z.object({ id: z.string(), title: z.string(), state: z.string(), hint: z.string() }),
      ),
    })
    .nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const Check = z.object({
  ok: z.boolean(),
  /** Why not, from a fixed list (refused-by-policy, dns-failed, connect-failed, timeout, tls-failed, http-status Nxx, bad-answer). */
  reason: z.string().optional(),
  detail: z.string(),
});

/**
 * Gonka nodes: configure one per host, deploy it (the ordered bring-up on the agent), register it
 * once reachable, follow its health; the cold-key commands and checklist come with the node.
 */
export function nodeRoutes(api: ZodApi, ctx: RouteContext): void {
  api.post(
    '/api/v1/nodes',
    {
      schema: {
        tags: ['nodes'],
        description:
          'Configure a node on a host: public values only. Cold-key material (a mnemonic, a private key) in any field is refused and never stored. Leave `serving` out to take the recommender’s proposal for the host’s GPUs.',
        body: z.object({ hostId: z.string().max(64), config: z.unknown() }),
        response: { 201: NodeOut },
      },
    },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      const node = await ctx.nodes.create(user, req.body.hostId, req.body.config, ctx.ip(req));
      await ctx.record(user, req, {
        action: 'node.create',
        target: node.id,
        outcome: 'ok',
        detail: `${node.role} node ${node.name} on ${node.hostId}`,
      });
      return reply.status(201).send(node);
    },
  );

  api.get(
    '/api/v1/hosts/:id/recommendation',
    {
      schema: {
        tags: ['nodes'],
        description:
          'The serving configuration proposed for the host’s probed GPUs and the models the network allows now (read live from its seed; the bundle’s list when it does not answer), each value with its reason, or “not viable” with why.',
        params: Id,
        querystring: z.object({
          network: z.enum(['mainnet', 'testnet', 'sim']).default('mainnet'),
          seedApi: z
            .string()
            .max(512)
            .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/, 'the seed node’s API URL')
            .optional(),
        }),
        response: { 200: z.record(z.string(), z.unknown()) },
      },
    },
    async (req) =>
      (await ctx.nodes.recommend(
        await ctx.authenticate(req),
        req.params.id,
        req.query,
        ctx.ip(req),
      )) as unknown as Record<string, unknown>,
  );

  api.get(
    '/api/v1/nodes',
    {
      schema: {
        tags: ['nodes'],
        description:
          'Your nodes, newest first. The owner may add `scope=all` to see every account’s (audited).',
        querystring: z.object({ scope: z.enum(['mine', 'all']).default('mine') }),
        response: { 200: z.object({ nodes: z.array(NodeOut) }) },
      },
    },
    async (req) => ({
      nodes: await ctx.nodes.list(await ctx.authenticate(req), {
        all: req.query.scope === 'all',
        sourceIp: ctx.ip(req),
      }),
    }),
  );

  api.get(
    '/api/v1/nodes/:id',
    { schema: { tags: ['nodes'], params: Id, response: { 200: NodeOut } } },
    async (req) => ctx.nodes.get(await ctx.authenticate(req), req.params.id, ctx.ip(req)),
  );

  api.put(
    '/api/v1/nodes/:id/config',
    {
      schema: {
        tags: ['nodes'],
        description: 'Replace the configuration (applied by the next deploy).',
        params: Id,
        body: z.object({ config: z.unknown() }),
        response: { 200: NodeOut },
      },
    },
    async (req) => {
      const user = await ctx.authenticate(req);
      const node = await ctx.nodes.update(user, req.params.id, req.body.config, ctx.ip(req));
      await ctx.record(user, req, { action: 'node.configure', target: node.id, outcome: 'ok' });
      return node;
    },
  );

  api.post(
    '/api/v1/nodes/:id/deploy',
    {
      schema: {
        tags: ['nodes'],
        description:
          'Deploy (or re-deploy) the node: preflight, pull, tmkms and node, the warm key on the host, model weights, the rest, health. Follow the returned task.',
        params: Id,
        body: z.object({ acceptWarnings: z.array(printableName(64)).max(32).default([]) }).default({
          acceptWarnings: [],
        }),
        response: { 202: TaskOut },
      },
    },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      const task = await ctx.nodes.deploy(user, req.params.id, req.body, ctx.ip(req));
      await ctx.record(user, req, {
        action: 'node.deploy',
        target: req.params.id,
        outcome: 'ok',
        detail: task.id,
      });
      return reply.status(202).send(task);
    },
  );

  api.post(
    '/api/v1/nodes/:id/register',
    {
      schema: {
        tags: ['nodes'],
        description:
          'Check PUBLIC_URL and the P2P port from outside the host, then register the node (register-new-participant, public data only).',
        params: Id,
        response: {
          202: z.object({ task: TaskOut, reachability: z.object({ publicUrl: Check, p2p: Check }) }),
        },
      },
    },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      const r = await ctx.nodes.register(user, req.params.id, ctx.ip(req));
      await ctx.record(user, req, {
        action: 'node.register',
        target: req.params.id,
        outcome: 'ok',
        detail: r.task.id,
      });
      return reply.status(202).send(r);
    },
  );

  api.post(
    '/api/v1/nodes/:id/health',
    {
      schema: {
        tags: ['nodes'],
        description: 'Read the node’s health now (containers, sync, setup report, ML node).',
        params: Id,
        response: { 202: TaskOut },
      },
    },
    async (req, reply) =>
      reply
        .status(202)
        .send(await ctx.nodes.refreshHealth(await ctx.authenticate(req), req.params.id, ctx.ip(req))),
  );

  api.post(
    '/api/v1/nodes/:id/model-download',
    {
      schema: {
        tags: ['nodes'],
        description:
          'Download the configured model’s weights into HF_HOME through the ML node (resumes a cut download).',
        params: Id,
        response: { 202: TaskOut },
      },
    },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      const task = await ctx.nodes.downloadModel(user, req.params.id, ctx.ip(req));
      await ctx.record(user, req, {
        action: 'node.model-download',
        target: req.params.id,
        outcome: 'ok',
        detail: task.id,
      });
      return reply.status(202).send(task);
    },
  );

  api.post(
    '/api/v1/nodes/:id/keys/backup',
    {
      schema: {
        tags: ['nodes'],
        description:
          'Encrypt the host’s key material to your age public key into a file on the host (for you to copy off). The control plane never sees the material.',
        params: Id,
        body: z.object({ recipient: z.string().max(100) }),
        response: { 202: TaskOut },
      },
    },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      const task = await ctx.nodes.backupKeys(user, req.params.id, req.body.recipient, ctx.ip(req));
      await ctx.record(user, req, {
        action: 'node.keys-backup',
        target: req.params.id,
        outcome: 'ok',
        detail: task.id,
      });
      return reply.status(202).send(task);
    },
  );
}
