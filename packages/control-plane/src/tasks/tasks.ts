import crypto from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { OperationError, parseOperation, type OperationName } from '@gnm/protocol';
import type { Database, TaskState, TasksTable, TaskEventsTable } from '../db/schema.js';
import type { User } from '../accounts/accounts.js';
import type { Hosts } from '../hosts/hosts.js';
import { TASK_PARAM_TYPES, refuseColdKey } from '../cold-key/refuse-cold-key.js';
import { DomainError } from '../errors.js';
import type { AccountScope, ListScope } from '../accounts/account-scope.js';
import type { TaskBus } from './task-bus.js';
import { hostPathProblems } from '../nodes/host-path-values.js';

export interface TaskView {
  id: string;
  hostId: string;
  op: string;
  params: unknown;
  state: TaskState;
  createdBy: string | null;
  createdAt: string;
  deadline: string;
  sentAt: string | null;
  deliveries: number;
  finishedAt: string | null;
  result: unknown;
  error: { code: string; message: string } | null;
}

export interface TaskEventView {
  seq: number;
  at: string;
  progress: { phase: string; done?: number; total?: number; unit?: string } | null;
  log: string | null;
}

/**
 * An operation as it may be stored and sent: in the closed registry, with valid parameters, and no
 * cold-key material anywhere in them. Every task passes here, whoever queues it, before it is stored.
 */
function checkedOperation(op: string, params: unknown): { op: OperationName; params: unknown } {
  let parsed: { op: OperationName; params: unknown };
  try {
    parsed = parseOperation(op, params);
  } catch (e) {
    if (e instanceof OperationError) throw new DomainError('invalid', 'Invalid operation', e.message);
    throw e;
  }
  refuseColdKey(parsed.params, { typed: TASK_PARAM_TYPES, path: 'params' });
  return parsed;
}

export const FINISHED: readonly TaskState[] = ['succeeded', 'failed', 'expired', 'cancelled'];
export const OPEN: readonly TaskState[] = ['queued', 'sent', 'running'];

const parseJson = (s: string | null): unknown => (s === null ? null : (JSON.parse(s) as unknown));

export function taskView(r: Selectable<TasksTable>): TaskView {
  return {
    id: r.id,
    hostId: r.host_id,
    op: r.op,
    params: parseJson(r.params),
    state: r.state,
    createdBy: r.created_by,
    createdAt: r.created_at,
    deadline: r.deadline,
    sentAt: r.sent_at,
    deliveries: Number(r.deliveries),
    finishedAt: r.finished_at,
    result: parseJson(r.result),
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
  };
}

export function eventView(r: Selectable<TaskEventsTable>): TaskEventView {
  return {
    seq: Number(r.seq),
    at: r.at,
    progress: parseJson(r.progress) as TaskEventView['progress'],
    log: r.log,
  };
}

/** Host folders in the values of stack.apply and node.deploy pass the host-path rules before a task is stored. */
function assertHostPaths(params: unknown): void {
  const withValues = z.object({ values: z.record(z.string(), z.unknown()) }).safeParse(params);
  if (!withValues.success) return;
  const problems = hostPathProblems(withValues.data.values, 'values.');
  if (problems.length)
    throw new DomainError('invalid', 'Host folder refused', `nothing was queued: ${problems.join('; ')}`);
}

/**
 * Tasks: operations asked of a host. A task is written to the database before anything is sent
 * (DESIGN invariant 8), waits while its host is offline (until its deadline), and is delivered when
 * the agent connects. Its id is the protocol's opId, which the agent journals: a redelivery after a
 * crash returns the journaled result instead of running the operation again.
 */
export class Tasks {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly hosts: Hosts,
    private readonly scope: AccountScope,
    private readonly bus: TaskBus,
    /** Called after a task is stored, to send it at once if its host is connected. */
    private readonly kick: (hostId: string) => void,
  ) {}

  async create(
    user: User,
    hostId: string,
    req: { op: string; params?: unknown; deadlineSeconds: number },
    sourceIp: string | null,
    /** Queued by the control plane itself (health reads): no user is named as its creator. */
    o: { system?: boolean } = {},
  ): Promise<TaskView> {
    const host = await this.hosts.get(user, hostId, sourceIp);
    if (host.state === 'revoked')
      throw new DomainError('conflict', 'Host revoked', 'this host is revoked: tasks cannot be sent to it');
    const parsed = checkedOperation(req.op, req.params);
    assertHostPaths(parsed.params);
    const at = new Date();
    const row: Selectable<TasksTable> = {
      id: `tsk_${crypto.randomBytes(12).toString('hex')}`,
      owner_id: host.owner_id,
      host_id: host.id,
      op: parsed.op,
      params: JSON.stringify(parsed.params),
      state: 'queued',
      created_by: o.system ? null : user.id,
      created_at: at.toISOString(),
      deadline: new Date(at.getTime() + req.deadlineSeconds * 1000).toISOString(),
      sent_at: null,
      deliveries: 0,
      finished_at: null,
      result: null,
      error_code: null,
      error_message: null,
    };
    await this.db.insertInto('tasks').values(row).execute();
    const view = taskView(row);
    this.bus.publish({ kind: 'task', ownerId: row.owner_id, task: view });
    this.kick(host.id);
    return view;
  }

  /**
   * The same operation for many hosts at once (a fan-out): all stored in one transaction, then each sent
   * to its host if connected. Every host must be the caller's; one unknown id refuses the whole batch.
   */
  async createMany(
    user: User,
    hostIds: string[],
    req: { op: string; params?: unknown; deadlineSeconds: number },
  ): Promise<TaskView[]> {
    const parsed = checkedOperation(req.op, req.params);
    assertHostPaths(parsed.params);
    const unique = [...new Set(hostIds)];
    const found = new Map<string, string>();
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.db
        .selectFrom('hosts')
        .select(['id', 'state'])
        .where('owner_id', '=', user.id)
        .where('id', 'in', unique.slice(i, i + 500))
        .execute();
      for (const r of rows) found.set(r.id, r.state);
    }
    const missing = unique.filter((id) => !found.has(id) || found.get(id) === 'revoked');
    if (missing.length)
      throw new DomainError(
        'not-found',
        'Unknown hosts',
        `${missing.length} of the hosts are not active hosts of your account (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}): nothing was queued`,
      );
    const at = new Date();
    const rows: Selectable<TasksTable>[] = unique.map((hostId) => ({
      id: `tsk_${crypto.randomBytes(12).toString('hex')}`,
      owner_id: user.id,
      host_id: hostId,
      op: parsed.op,
      params: JSON.stringify(parsed.params),
      state: 'queued',
      created_by: user.id,
      created_at: at.toISOString(),
      deadline: new Date(at.getTime() + req.deadlineSeconds * 1000).toISOString(),
      sent_at: null,
      deliveries: 0,
      finished_at: null,
      result: null,
      error_code: null,
      error_message: null,
    }));
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 200)
        await trx
          .insertInto('tasks')
          .values(rows.slice(i, i + 200))
          .execute();
    });
    const views = rows.map(taskView);
    for (const v of views) {
      this.bus.publish({ kind: 'task', ownerId: user.id, task: v });
      this.kick(v.hostId);
    }
    return views;
  }

  async list(
    user: User,
    f: { hostId?: string; state?: TaskState; limit: number; before?: string } & ListScope,
  ): Promise<TaskView[]> {
    let q = await this.scope.list(user, 'tasks', this.db.selectFrom('tasks'), 'owner_id', f);
    if (f.hostId) q = q.where('host_id', '=', f.hostId);
    if (f.state) q = q.where('state', '=', f.state);
    if (f.before) q = q.where('created_at', '<', f.before);
    const rows = await q
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(f.limit)
      .execute();
    return rows.map(taskView);
  }

  /** One task of the caller's account (or, for the owner, anyone's, audited). */
  async get(user: User, id: string, sourceIp: string | null = null): Promise<TaskView> {
    const row = await this.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
    return taskView(await this.scope.open(user, 'task', id, row, sourceIp));
  }

  /** A task the caller has opened (with `get`), as it is now. */
  async reload(task: TaskView): Promise<TaskView> {
    const row = await this.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', task.id)
      .executeTakeFirstOrThrow();
    return taskView(row);
  }

  /** The events of a task the caller has opened (with `get`, which checked and audited the access). */
  async events(task: TaskView, afterSeq = -1): Promise<TaskEventView[]> {
    const rows = await this.db
      .selectFrom('task_events')
      .selectAll()
      .where('task_id', '=', task.id)
      .where('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .execute();
    return rows.map(eventView);
  }

  /** Cancels a task that has not reached its host yet; one already sent runs to its end. */
  async cancel(user: User, id: string, sourceIp: string | null): Promise<TaskView> {
    const task = await this.get(user, id, sourceIp);
    const r = await this.db
      .updateTable('tasks')
      .set({
        state: 'cancelled',
        finished_at: new Date().toISOString(),
        error_code: 'cancelled',
        error_message: 'cancelled before it reached the host',
      })
      .where('id', '=', id)
      .where('state', '=', 'queued')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1)
      throw new DomainError(
        'conflict',
        'Too late to cancel',
        `the task is ${task.state}: only a task still queued for an offline host can be cancelled`,
      );
    const row = await this.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const view = taskView(row);
    this.bus.publish({ kind: 'task', ownerId: row.owner_id, task: view });
    return view;
  }
}
