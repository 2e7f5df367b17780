import { z } from 'zod';
import type { RouteContext, ZodApi } from '../context.js';
import { openSse } from '../sse.js';
import { FINISHED, type TaskView } from '../../tasks/tasks.js';
import type { TaskNotice } from '../../tasks/task-bus.js';

const TaskState = z.enum(['queued', 'sent', 'running', 'succeeded', 'failed', 'expired', 'cancelled']);
export const TaskOut = z.object({
  id: z.string(),
  hostId: z.string(),
  op: z.string(),
  params: z.unknown(),
  state: TaskState,
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  deadline: z.string(),
  sentAt: z.string().nullable(),
  deliveries: z.number(),
  finishedAt: z.string().nullable(),
  result: z.unknown(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
const EventOut = z.object({
  seq: z.number(),
  at: z.string(),
  progress: z
    .object({
      phase: z.string(),
      done: z.number().optional(),
      total: z.number().optional(),
      unit: z.string().optional(),
    })
    .nullable(),
  log: z.string().nullable(),
});
const Id = z.object({ id: z.string().max(64) });

/** Tasks: ask a host to run an operation, follow it live, read its events and result. */
export function taskRoutes(api: ZodApi, ctx: RouteContext): void {
  api.post(
    '/api/v1/hosts/:id/tasks',
    {
      schema: {
        tags: ['tasks'],
        description:
          'Queue an operation for a host. It is stored first, sent as soon as the agent is connected, and expires if the host stays offline past the deadline.',
        params: Id,
        body: z.object({
          op: z.string().max(64),
          params: z.unknown().optional(),
          deadlineSeconds: z
            .number()
            .int()
            .min(10)
            .max(7 * 86400)
            .default(3600),
        }),
        response: { 201: TaskOut },
      },
    },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      const task = await ctx.tasks.create(user, req.params.id, req.body, ctx.ip(req));
      await ctx.record(user, req, {
        action: 'task.create',
        target: task.id,
        outcome: 'ok',
        detail: `${task.op} on ${task.hostId}`,
      });
      return reply.status(201).send(task);
    },
  );

  api.post(
    '/api/v1/tasks',
    {
      schema: {
        tags: ['tasks'],
        description: 'Queue the same operation for many of your hosts at once (one task per host).',
        body: z.object({
          hostIds: z.array(z.string().max(64)).min(1).max(50_000),
          op: z.string().max(64),
          params: z.unknown().optional(),
          deadlineSeconds: z
            .number()
            .int()
            .min(10)
            .max(7 * 86400)
            .default(3600),
        }),
        response: { 201: z.object({ tasks: z.array(TaskOut) }) },
      },
    },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      const tasks = await ctx.tasks.createMany(user, req.body.hostIds, req.body);
      await ctx.record(user, req, {
        action: 'task.create-many',
        target: null,
        outcome: 'ok',
        detail: `${req.body.op} on ${tasks.length} hosts`,
      });
      return reply.status(201).send({ tasks });
    },
  );

  api.get(
    '/api/v1/tasks',
    {
      schema: {
        tags: ['tasks'],
        description:
          'Your tasks, newest first. The owner may add `scope=all` to see every account’s (audited).',
        querystring: z.object({
          hostId: z.string().max(64).optional(),
          state: TaskState.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          before: z.string().max(40).optional(),
          scope: z.enum(['mine', 'all']).default('mine'),
        }),
        response: { 200: z.object({ tasks: z.array(TaskOut) }) },
      },
    },
    async (req) => ({
      tasks: await ctx.tasks.list(await ctx.authenticate(req), {
        ...req.query,
        all: req.query.scope === 'all',
        sourceIp: ctx.ip(req),
      }),
    }),
  );

  api.get(
    '/api/v1/tasks/:id',
    {
      schema: {
        tags: ['tasks'],
        params: Id,
        response: { 200: TaskOut.extend({ events: z.array(EventOut) }) },
      },
    },
    async (req) => {
      const user = await ctx.authenticate(req);
      const task = await ctx.tasks.get(user, req.params.id, ctx.ip(req));
      return { ...task, events: await ctx.tasks.events(task) };
    },
  );

  api.post(
    '/api/v1/tasks/:id/cancel',
    { schema: { tags: ['tasks'], params: Id, response: { 200: TaskOut } } },
    async (req) => {
      const user = await ctx.authenticate(req);
      const task = await ctx.tasks.cancel(user, req.params.id, ctx.ip(req));
      await ctx.record(user, req, { action: 'task.cancel', target: task.id, outcome: 'ok' });
      return task;
    },
  );

  api.get(
    '/api/v1/tasks/:id/stream',
    {
      schema: {
        tags: ['tasks'],
        description:
          'Server-Sent Events of one task: `event` for each progress event (stored ones first), `task` on each state change; the stream ends when the task finishes.',
        params: Id,
      },
    },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      const first = await ctx.tasks.get(user, req.params.id, ctx.ip(req));
      const sse = openSse(req, reply);
      let lastSeq = -1;
      const buffered: TaskNotice[] = [];
      let replaying = true;
      const handle = (n: TaskNotice) => {
        if (n.kind === 'event' && n.taskId === first.id && n.event.seq > lastSeq) {
          lastSeq = n.event.seq;
          sse.send('event', n.event, n.event.seq);
        } else if (n.kind === 'task' && n.task.id === first.id) {
          sse.send('task', n.task);
          if (FINISHED.includes(n.task.state)) sse.close();
        }
      };
      const unsubscribe = ctx.taskBus.subscribe((n) => (replaying ? buffered.push(n) : handle(n)));
      sse.onClose(unsubscribe);
      for (const e of await ctx.tasks.events(first)) {
        lastSeq = e.seq;
        sse.send('event', e, e.seq);
      }
      const now: TaskView = await ctx.tasks.reload(first);
      sse.send('task', now);
      if (FINISHED.includes(now.state)) return sse.close();
      replaying = false;
      for (const n of buffered.splice(0)) handle(n);
    },
  );

  api.get(
    '/api/v1/stream',
    {
      schema: {
        tags: ['tasks'],
        description:
          'Server-Sent Events of every change to your tasks (`task`, `event`), for consoles and `gnm tasks watch`.',
      },
    },
    async (req, reply) => {
      const user = await ctx.authenticate(req);
      const sse = openSse(req, reply);
      sse.onClose(
        ctx.taskBus.subscribe((n) => {
          if (n.ownerId !== user.id) return;
          if (n.kind === 'task') sse.send('task', n.task);
          else sse.send('event', { taskId: n.taskId, ...n.event });
        }),
      );
    },
  );
}
