import crypto from 'node:crypto';
import net from 'node:net';
import { z } from 'zod';
import type { Kysely, Selectable } from 'kysely';
import type { Database, AttachmentsTable } from '../db/schema.js';
import type { User } from '../accounts/accounts.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Tasks, TaskView } from '../tasks/tasks.js';
import { FINISHED, taskView } from '../tasks/tasks.js';
import type { TaskBus } from '../tasks/task-bus.js';
import type { Nodes, NodeRow } from '../nodes/nodes.js';
import { DomainError } from '../errors.js';
import { AccountScope } from '../accounts/account-scope.js';
import { hostPolicy, isPrivateAddress, mlPortsOf, type ActiveAttachment } from './host-policy.js';
import { connectivityProblems, mlSideChecks, networkSideChecks, type CheckResult } from './connectivity.js';

export type AttachmentRow = Selectable<AttachmentsTable>;

const Ipv4 = z
  .string()
  .refine((v) => net.isIPv4(v), 'an IPv4 address (the bundle binds ports to IPv4 addresses)');

export const AttachInput = z.strictObject({
  /** The ML node (role mlnode) to attach. */
  mlNodeId: z.string().max(64),
  /** The network node's address as the ML host reaches it (private network preferred). */
  networkAddress: Ipv4,
  /** The ML host's address as the network node reaches it. */
  mlAddress: Ipv4,
  /** The PoC callback URL the DAPI gives its ML nodes; default http://<networkAddress>:9100. */
  callbackUrl: z
    .string()
    .max(256)
    .regex(/^http:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/, 'an http://host:port URL')
    .optional(),
  /** Public addresses carry ML traffic across the internet: allowed only when said so. */
  allowPublic: z.boolean().default(false),
  /** Preflight findings accepted for the ML node's deploy (by check name). */
  acceptWarnings: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/))
    .max(32)
    .optional(),
});
export type AttachInput = z.infer<typeof AttachInput>;

export const ReattachInput = AttachInput.omit({ mlNodeId: true }).partial({
  networkAddress: true,
  mlAddress: true,
});

export interface AttachmentView {
  id: string;
  networkNodeId: string;
  mlNodeId: string;
  networkAddress: string;
  mlAddress: string;
  callbackUrl: string;
  state: AttachmentsTable['state'];
  step: string | null;
  stepTaskId: string | null;
  error: string | null;
  checks: { network: CheckResult[]; ml: CheckResult[] } | null;
  warnings: string[];
  createdAt: string;
  updatedAt: string;
  attachedAt: string | null;
  detachedAt: string | null;
}

/** The attach flow, in order. Each step is idempotent, so a restarted flow simply runs it again. */
const ATTACH = [
  'ml-firewall',
  'ml-deploy',
  'network-firewall',
  'network-deploy',
  'check-network-side',
  'check-ml-side',
  'register',
] as const;
/** The detach flow: disabled first, removed once the next epoch has begun, then the rules. */
const DETACH = ['disable', 'remove', 'network-firewall', 'ml-firewall'] as const;
type Step = (typeof ATTACH)[number] | (typeof DETACH)[number];

const DEADLINE_S = { firewall: 300, deploy: 3 * 3600, check: 120, admin: 600, remove: 3 * 86400 };
const LIVE: AttachmentsTable['state'][] = ['attaching', 'attached'];

/**
 * ML nodes attached to network nodes on other hosts (issue #8). The control plane orchestrates both
 * hosts through their agents: the ML host's firewall and its ML node bound to the chosen address; the
 * network host's firewall, bind address and callback URL; connectivity proven both ways; then the ML
 * node registered through the network node's Admin API. Detach reverses it around the epoch boundary.
 * The flow's position is stored with each step's task, and moves on when that task finishes, so a
 * control-plane restart continues where it was.
 */
export class Attachments {
  private readonly chains = new Map<string, Promise<void>>();

  private readonly scope: AccountScope;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly nodes: Nodes,
    private readonly tasks: Tasks,
    private readonly audit: AuditLog,
    private readonly onError: (e: unknown) => void,
  ) {
    this.scope = new AccountScope(audit);
  }

  follow(bus: TaskBus): () => void {
    return bus.subscribe((n) => {
      if (n.kind === 'task' && n.task.finishedAt) void this.onTask(n.task).catch(this.onError);
    });
  }

  /** Flows a restart interrupted: a step whose task finished meanwhile moves on; one without a task starts. */
  async resume(): Promise<void> {
    const rows = await this.db
      .selectFrom('attachments')
      .selectAll()
      .where('state', 'in', ['attaching', 'detaching'])
      .execute();
    for (const r of rows) {
      if (!r.step_task_id) {
        await this.serial(r.id, () => this.startStep(r.id));
        continue;
      }
      const t = await this.db
        .selectFrom('tasks')
        .selectAll()
        .where('id', '=', r.step_task_id)
        .executeTakeFirst();
      if (!t) await this.serial(r.id, () => this.startStep(r.id));
      else if (FINISHED.includes(t.state)) await this.onTask(taskView(t));
    }
  }

  async attach(
    user: User,
    networkNodeId: string,
    input: unknown,
    sourceIp: string | null,
  ): Promise<AttachmentView> {
    // The caller's node first: a stranger learns nothing from a validation error.
    const network = await this.nodes.row(user, networkNodeId, sourceIp);
    const p = parse(AttachInput, input);
    const ml = await this.nodes.row(user, p.mlNodeId, sourceIp);
    if (network.role === 'mlnode')
      throw new DomainError(
        'invalid',
        'Not a network node',
        `${network.name} is an ML node: attach ML nodes to a network or full node`,
      );
    if (ml.role !== 'mlnode')
      throw new DomainError(
        'invalid',
        'Not an ML node',
        `${ml.name} is a ${ml.role} node: only ML nodes (role mlnode) are attached`,
      );
    // The owner may open any account's nodes, but an attachment joins nodes of one account.
    if (ml.owner_id !== network.owner_id)
      throw new DomainError(
        'invalid',
        'Another account’s node',
        'the ML node and the network node belong to different accounts: attach nodes of one account',
      );
    if (ml.host_id === network.host_id)
      throw new DomainError(
        'invalid',
        'Same host',
        'the ML node is on the network node’s own host: use a full node instead',
      );
    const existing = await this.db
      .selectFrom('attachments')
      .selectAll()
      .where('ml_node_id', '=', ml.id)
      .where('state', '!=', 'detached')
      .executeTakeFirst();
    if (existing)
      throw new DomainError(
        'conflict',
        'Already attached',
        `${ml.name} is already attached (${existing.id}, ${existing.state}): change its addresses with PUT /api/v1/attachments/${existing.id}, or detach it first`,
      );
    const row = await this.checkedRow(network, ml, p, undefined);
    await this.db.insertInto('attachments').values(row).execute();
    await this.record(
      row,
      'attachment.started',
      `${ml.name} → ${network.name} (${row.ml_address} ↔ ${row.network_address})`,
    );
    await this.serial(row.id, () => this.startStep(row.id));
    return this.view(await this.load(row.id));
  }

  /** New addresses (or the same, to run the flow again): rules, binding and registration follow. */
  async reattach(user: User, id: string, input: unknown, sourceIp: string | null): Promise<AttachmentView> {
    const cur = await this.row(user, id, sourceIp);
    if (cur.state === 'detaching' || cur.state === 'detached')
      throw new DomainError(
        'conflict',
        'Detached',
        `attachment ${id} is ${cur.state}: attach the ML node again instead`,
      );
    const p = parse(ReattachInput, input);
    // The attachment's own nodes: opening it above was the access check.
    const network = await this.nodes.rowById(cur.network_node_id);
    const ml = await this.nodes.rowById(cur.ml_node_id);
    const next = await this.checkedRow(
      network,
      ml,
      {
        mlNodeId: ml.id,
        networkAddress: p.networkAddress ?? cur.network_address,
        mlAddress: p.mlAddress ?? cur.ml_address,
        // A new network address brings the default callback with it unless one is given.
        callbackUrl: p.callbackUrl ?? (p.networkAddress ? undefined : cur.callback_url),
        allowPublic: p.allowPublic,
        acceptWarnings: p.acceptWarnings ?? (JSON.parse(cur.accept_warnings ?? '[]') as string[]),
      },
      cur.id,
    );
    await this.db
      .updateTable('attachments')
      .set({
        network_address: next.network_address,
        ml_address: next.ml_address,
        callback_url: next.callback_url,
        warnings: next.warnings,
        accept_warnings: next.accept_warnings,
        state: 'attaching',
        step: ATTACH[0],
        step_task_id: null,
        last_error: null,
        checks: null,
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .execute();
    await this.record(
      next,
      'attachment.changed',
      `${next.ml_address} ↔ ${next.network_address}, callback ${next.callback_url}`,
    );
    await this.serial(id, () => this.startStep(id));
    return this.view(await this.load(id));
  }

  /** Detach: disable now, delete after the epoch boundary, then the rules; a failed detach resumes where it stopped. */
  async detach(user: User, id: string, sourceIp: string | null): Promise<AttachmentView> {
    const cur = await this.row(user, id, sourceIp);
    if (cur.state === 'detached') return this.view(cur);
    if (cur.state === 'detaching' && cur.step_task_id) return this.view(cur);
    const resumeAt =
      cur.state === 'failed' && DETACH.includes(cur.step as (typeof DETACH)[number]) ? cur.step : DETACH[0];
    await this.db
      .updateTable('attachments')
      .set({
        state: 'detaching',
        step: resumeAt,
        step_task_id: null,
        last_error: null,
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .execute();
    await this.record(cur, 'attachment.detaching', `from step ${resumeAt}`);
    await this.serial(id, () => this.startStep(id));
    return this.view(await this.load(id));
  }

  async list(user: User, nodeId: string, sourceIp: string | null): Promise<AttachmentView[]> {
    await this.nodes.row(user, nodeId, sourceIp);
    const rows = await this.db
      .selectFrom('attachments')
      .selectAll()
      .where((eb) => eb.or([eb('network_node_id', '=', nodeId), eb('ml_node_id', '=', nodeId)]))
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((r) => this.view(r));
  }

  async get(user: User, id: string, sourceIp: string | null): Promise<AttachmentView> {
    return this.view(await this.row(user, id, sourceIp));
  }

  /** The attachments that shape bindings and rules now (attaching or attached). */
  async active(): Promise<ActiveAttachment[]> {
    const rows = await this.db.selectFrom('attachments').selectAll().where('state', 'in', LIVE).execute();
    return Promise.all(rows.map((r) => this.activeOf(r)));
  }

  private async activeOf(r: AttachmentRow): Promise<ActiveAttachment> {
    const ml = await this.db
      .selectFrom('nodes')
      .selectAll()
      .where('id', '=', r.ml_node_id)
      .executeTakeFirstOrThrow();
    return {
      id: r.id,
      networkHostId: r.network_host_id,
      mlHostId: r.ml_host_id,
      networkAddress: r.network_address,
      mlAddress: r.ml_address,
      callbackUrl: r.callback_url,
      mlPorts: mlPortsOf(this.nodes.config(ml).extraValues),
    };
  }

  /** Checked on the attachment itself, so a refusal names nothing but the id asked for. */
  private async row(user: User, id: string, sourceIp: string | null): Promise<AttachmentRow> {
    const r = await this.db.selectFrom('attachments').selectAll().where('id', '=', id).executeTakeFirst();
    return this.scope.open(user, 'attachment', id, r, sourceIp);
  }

  private load(id: string): Promise<AttachmentRow> {
    return this.db.selectFrom('attachments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  /** The row an attach (or re-attach) would write, after every check that can refuse it up front. */
  private async checkedRow(
    network: NodeRow,
    ml: NodeRow,
    p: AttachInput,
    keepId: string | undefined,
  ): Promise<AttachmentRow> {
    const warnings: string[] = [];
    for (const [what, a] of [
      ['networkAddress', p.networkAddress],
      ['mlAddress', p.mlAddress],
    ] as const) {
      if (a === '0.0.0.0' || a.startsWith('127.'))
        throw new DomainError(
          'invalid',
          'Not a reachable address',
          `${what}: ${a} is not an address the other host can reach`,
        );
      if (!isPrivateAddress(a)) {
        if (!p.allowPublic)
          throw new DomainError(
            'invalid',
            'Public address',
            `${what}: ${a} is a public address, so ML traffic (unauthenticated APIs) would cross the internet; use the hosts' private network, or pass allowPublic to accept it (the firewall rules then still allow only the other host)`,
          );
        warnings.push(
          `${what} ${a} is public: the traffic between the two hosts crosses the internet, unencrypted`,
        );
      }
    }
    if (!this.nodes.config(ml).serving)
      throw new DomainError(
        'invalid',
        'No serving configuration',
        `${ml.name} serves no model: set its serving configuration (or take the recommendation) first`,
      );
    const callbackUrl = (p.callbackUrl ?? `http://${p.networkAddress}:9100`).replace(/\/+$/, '');
    // One callback URL per network node: the DAPI gives the same one to every ML node.
    const others = await this.db
      .selectFrom('attachments')
      .selectAll()
      .where('network_node_id', '=', network.id)
      .where('state', 'in', LIVE)
      .execute();
    const clash = others.find(
      (o) => o.id !== keepId && (o.callback_url !== callbackUrl || o.network_address !== p.networkAddress),
    );
    if (clash)
      throw new DomainError(
        'conflict',
        'Another callback address',
        `${network.name} already gives its ML nodes ${clash.callback_url} (attachment ${clash.id}, address ${clash.network_address}): the network node has one callback URL for all its ML nodes; attach with networkAddress ${clash.network_address}, or change that attachment first`,
      );
    const adminId = adminIdOf(ml);
    for (const o of others) {
      if (o.id === keepId) continue;
      const other = await this.db
        .selectFrom('nodes')
        .selectAll()
        .where('id', '=', o.ml_node_id)
        .executeTakeFirst();
      if (other && adminIdOf(other) === adminId)
        throw new DomainError(
          'conflict',
          'Name taken',
          `${network.name} already has an attached ML node named ${adminId}: rename one of them`,
        );
    }
    const now = new Date().toISOString();
    return {
      id: keepId ?? `att_${crypto.randomBytes(10).toString('hex')}`,
      owner_id: network.owner_id,
      network_node_id: network.id,
      ml_node_id: ml.id,
      network_host_id: network.host_id,
      ml_host_id: ml.host_id,
      network_address: p.networkAddress,
      ml_address: p.mlAddress,
      callback_url: callbackUrl,
      state: 'attaching',
      step: ATTACH[0],
      step_task_id: null,
      last_error: null,
      checks: null,
      warnings: JSON.stringify(warnings),
      accept_warnings: JSON.stringify(p.acceptWarnings ?? []),
      disable_epoch: null,
      created_at: now,
      updated_at: now,
      attached_at: null,
      detached_at: null,
    };
  }

  /** One flow step at a time per attachment. */
  private serial(id: string, work: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(id) ?? Promise.resolve()).then(work).catch(this.onError);
    this.chains.set(id, next);
    void next.then(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
    return next;
  }

  /** Queues the task of the attachment's current step (or finishes the flow when a step needs none). */
  private async startStep(id: string): Promise<void> {
    for (;;) {
      const a = await this.load(id);
      if ((a.state !== 'attaching' && a.state !== 'detaching') || !a.step || a.step_task_id) return;
      let task: TaskView | null;
      try {
        task = await this.taskFor(a, a.step as Step);
      } catch (e) {
        return this.fail(a, e instanceof DomainError ? e.message : (e as Error).message);
      }
      if (!task) {
        // Nothing to do for this step (e.g. the network node already has these values): the next one.
        if (!(await this.advance(a))) return;
        continue;
      }
      await this.db
        .updateTable('attachments')
        .set({ step_task_id: task.id, updated_at: new Date().toISOString() })
        .where('id', '=', id)
        .execute();
      // A task that finished before its id was written here is handled now.
      const t = await this.db.selectFrom('tasks').selectAll().where('id', '=', task.id).executeTakeFirst();
      if (t && FINISHED.includes(t.state)) void this.onTask(taskView(t)).catch(this.onError);
      return;
    }
  }

  private async taskFor(a: AttachmentRow, step: Step): Promise<TaskView | null> {
    const owner: User = { id: a.owner_id, email: '', role: 'user' };
    const task = (hostId: string, op: string, params: unknown, deadlineSeconds: number) =>
      this.tasks.create(owner, hostId, { op, params, deadlineSeconds }, null, { system: true });
    const active = await this.active();
    const firewallOf = (hostId: string) => {
      const policy = hostPolicy(hostId, active);
      return policy
        ? task(hostId, 'firewall.apply', { policy }, DEADLINE_S.firewall)
        : task(hostId, 'firewall.remove', {}, DEADLINE_S.firewall);
    };
    const ml = await this.nodes.rowById(a.ml_node_id);
    const net = await this.nodes.rowById(a.network_node_id);
    const addresses = {
      networkAddress: a.network_address,
      mlAddress: a.ml_address,
      callbackUrl: a.callback_url,
      mlPorts: mlPortsOf(this.nodes.config(ml).extraValues),
    };
    switch (step) {
      case 'ml-firewall':
        return firewallOf(a.ml_host_id);
      case 'network-firewall':
        return firewallOf(a.network_host_id);
      case 'ml-deploy': {
        if (await this.deployedWith(ml, { MLNODE_BIND_ADDRESS: a.ml_address })) return null;
        const accept = JSON.parse(a.accept_warnings ?? '[]') as string[];
        return (
          (await this.openDeploy(ml)) ??
          this.nodes.deploy(owner, ml.id, { acceptWarnings: accept }, null, { system: true })
        );
      }
      case 'network-deploy': {
        if (!net.release)
          throw new DomainError(
            'conflict',
            'Network node not deployed',
            `deploy ${net.name} first (gnm node deploy), then attach`,
          );
        const wanted = {
          DAPI_CALLBACK_BIND_ADDRESS: a.network_address,
          DAPI_API__POC_CALLBACK_URL: a.callback_url,
        };
        if (await this.deployedWith(net, wanted)) return null;
        // Two ML nodes attached at once need one deploy of the network node, not two in a row (the
        // second would restart the DAPI under the first one's connectivity check): follow the open one.
        const accept = await this.lastAccepted(net);
        return (
          (await this.openDeploy(net)) ??
          this.nodes.deploy(owner, net.id, { acceptWarnings: accept }, null, { system: true })
        );
      }
      case 'check-network-side':
        return task(
          a.network_host_id,
          'net.check',
          { checks: networkSideChecks(addresses) },
          DEADLINE_S.check,
        );
      case 'check-ml-side':
        return task(a.ml_host_id, 'net.check', { checks: mlSideChecks(addresses) }, DEADLINE_S.check);
      case 'register': {
        const s = this.nodes.config(ml).serving;
        if (!s) throw new DomainError('invalid', 'No serving configuration', `${ml.name} serves no model`);
        const node = {
          id: adminIdOf(ml),
          host: a.ml_address,
          inference_port: addresses.mlPorts.inference,
          poc_port: addresses.mlPorts.poc,
          max_concurrent: s.maxConcurrent,
          models: { [s.model]: { args: s.args } },
        };
        return task(a.network_host_id, 'mlnode.register', { node }, DEADLINE_S.admin);
      }
      case 'disable':
        return task(a.network_host_id, 'mlnode.disable', { id: adminIdOf(ml) }, DEADLINE_S.admin);
      case 'remove':
        return task(
          a.network_host_id,
          'mlnode.remove',
          { id: adminIdOf(ml), ...(a.disable_epoch !== null ? { afterEpoch: Number(a.disable_epoch) } : {}) },
          DEADLINE_S.remove,
        );
    }
  }

  /** A finished task: the step it ran moves the flow on, or fails it with what to do. */
  private async onTask(t: TaskView): Promise<void> {
    // Several flows may follow one task (a deploy of a network node two attachments need).
    const rows = await this.db
      .selectFrom('attachments')
      .selectAll()
      .where('step_task_id', '=', t.id)
      .execute();
    await Promise.all(rows.map((a) => this.onStepTask(a, t)));
  }

  private async onStepTask(a: AttachmentRow, t: TaskView): Promise<void> {
    await this.serial(a.id, async () => {
      // Compare-and-set: a redelivered notice (or resume racing the bus) handles the step once.
      const claimed = await this.db
        .updateTable('attachments')
        .set({ step_task_id: null, updated_at: new Date().toISOString() })
        .where('id', '=', a.id)
        .where('step_task_id', '=', t.id)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return;
      const cur = await this.load(a.id);
      const step = cur.step as Step;
      if (t.state !== 'succeeded') {
        if (step === 'disable' && t.error?.code === 'not-listed') {
          // Never registered (an attach that failed before): nothing to wait for.
          await this.setStep(cur, 'network-firewall');
          return this.startStep(cur.id);
        }
        const why = t.error ? `${t.error.code}: ${t.error.message}` : `the task ${t.state}`;
        return this.fail(cur, `${describeStep(step)} failed (task ${t.id}): ${why}`);
      }
      if (step === 'check-network-side' || step === 'check-ml-side') {
        const results = ((t.result as { results?: CheckResult[] } | null)?.results ?? []) as CheckResult[];
        const checks = (JSON.parse(cur.checks ?? 'null') as AttachmentView['checks']) ?? {
          network: [],
          ml: [],
        };
        if (step === 'check-network-side') checks.network = results;
        else checks.ml = results;
        await this.db
          .updateTable('attachments')
          .set({ checks: JSON.stringify(checks) })
          .where('id', '=', cur.id)
          .execute();
        if (step === 'check-ml-side') {
          const [ml, netw] = [
            await this.nodes.rowById(cur.ml_node_id),
            await this.nodes.rowById(cur.network_node_id),
          ];
          const problems = connectivityProblems(
            {
              networkAddress: cur.network_address,
              mlAddress: cur.ml_address,
              callbackUrl: cur.callback_url,
              mlPorts: mlPortsOf(this.nodes.config(ml).extraValues),
              networkHost: netw.name,
              mlHost: ml.name,
            },
            checks.network,
            checks.ml,
          );
          if (problems.length)
            return this.fail(cur, `connectivity: nothing was registered. ${problems.join(' ')}`);
        }
      }
      if (step === 'disable') {
        const epoch = (t.result as { epoch?: number | null } | null)?.epoch ?? null;
        await this.db
          .updateTable('attachments')
          .set({ disable_epoch: epoch })
          .where('id', '=', cur.id)
          .execute();
      }
      if (step === 'ml-deploy' || step === 'network-deploy')
        // The step runs again: done if the deploy carried this attachment's values, else one that does.
        return this.startStep(cur.id);
      if (step === 'register') {
        const listed = (t.result as { listed?: unknown } | null)?.listed;
        if (!listed)
          return this.fail(cur, 'register: the network node does not list the ML node after the upsert');
      }
      if (await this.advance(cur)) await this.startStep(cur.id);
    });
  }

  /** Moves to the next step; at the end of a flow, records the outcome. Returns whether a step follows. */
  private async advance(a: AttachmentRow): Promise<boolean> {
    const flow: readonly Step[] = a.state === 'detaching' ? DETACH : ATTACH;
    const i = flow.indexOf(a.step as Step);
    const next = flow[i + 1];
    if (next) {
      await this.setStep(a, next);
      return true;
    }
    const now = new Date().toISOString();
    const done = a.state === 'detaching' ? 'detached' : 'attached';
    await this.db
      .updateTable('attachments')
      .set({
        state: done,
        step: null,
        step_task_id: null,
        last_error: null,
        updated_at: now,
        ...(done === 'attached' ? { attached_at: now } : { detached_at: now }),
      })
      .where('id', '=', a.id)
      .execute();
    await this.record(a, `attachment.${done}`, `${a.ml_address} ↔ ${a.network_address}`);
    return false;
  }

  private async setStep(a: AttachmentRow, step: Step): Promise<void> {
    await this.db
      .updateTable('attachments')
      .set({ step, step_task_id: null, updated_at: new Date().toISOString() })
      .where('id', '=', a.id)
      .execute();
  }

  private async fail(a: AttachmentRow, message: string): Promise<void> {
    await this.db
      .updateTable('attachments')
      .set({
        state: 'failed',
        step_task_id: null,
        last_error: message.slice(0, 4000),
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', a.id)
      .execute();
    await this.record(a, 'attachment.failed', message.slice(0, 500), 'failed');
  }

  /** Whether the node's last succeeded deploy already carried these values (then it needs no new one). */
  private async deployedWith(node: NodeRow, values: Record<string, string>): Promise<boolean> {
    if (!node.release) return false;
    const t = await this.lastDeploy(node);
    if (!t) return false;
    const v = ((JSON.parse(t.params) as { values?: Record<string, unknown> }).values ?? {}) as Record<
      string,
      unknown
    >;
    return Object.entries(values).every(([k, x]) => v[k] === x);
  }

  private async lastAccepted(node: NodeRow): Promise<string[]> {
    const t = await this.lastDeploy(node);
    return t ? ((JSON.parse(t.params) as { acceptWarnings?: string[] }).acceptWarnings ?? []) : [];
  }

  private async openDeploy(node: NodeRow): Promise<TaskView | null> {
    const t = await this.db
      .selectFrom('tasks')
      .selectAll()
      .where('host_id', '=', node.host_id)
      .where('op', '=', 'node.deploy')
      .where('state', 'in', ['queued', 'sent', 'running'])
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    return t ? taskView(t) : null;
  }

  private lastDeploy(node: NodeRow) {
    return this.db
      .selectFrom('tasks')
      .selectAll()
      .where('host_id', '=', node.host_id)
      .where('op', '=', 'node.deploy')
      .where('state', '=', 'succeeded')
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
  }

  private async record(a: AttachmentRow, action: string, detail: string, outcome: 'ok' | 'failed' = 'ok') {
    await this.audit.record({
      actorId: null,
      action,
      target: a.id,
      sourceIp: null,
      outcome,
      detail,
      ownerScope: a.owner_id,
    });
  }

  view(r: AttachmentRow): AttachmentView {
    return {
      id: r.id,
      networkNodeId: r.network_node_id,
      mlNodeId: r.ml_node_id,
      networkAddress: r.network_address,
      mlAddress: r.ml_address,
      callbackUrl: r.callback_url,
      state: r.state,
      step: r.step,
      stepTaskId: r.step_task_id,
      error: r.last_error,
      checks: JSON.parse(r.checks ?? 'null') as AttachmentView['checks'],
      warnings: JSON.parse(r.warnings ?? '[]') as string[],
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      attachedAt: r.attached_at,
      detachedAt: r.detached_at,
    };
  }
}

/** The ML node's id on the network node's Admin API: its name where that is a valid id. */
export function adminIdOf(ml: Pick<NodeRow, 'id' | 'name'>): string {
  const s = ml.name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return s || ml.id;
}

function describeStep(s: Step): string {
  const words: Record<Step, string> = {
    'ml-firewall': 'the ML host’s firewall',
    'ml-deploy': 'binding the ML node to its address (deploy)',
    'network-firewall': 'the network host’s firewall',
    'network-deploy': 'the network node’s callback and bind address (deploy)',
    'check-network-side': 'the network node’s checks of the ML node',
    'check-ml-side': 'the ML node’s checks of the callback',
    register: 'registering the ML node through the Admin API',
    disable: 'disabling the ML node',
    remove: 'removing the ML node after the epoch boundary',
  };
  return words[s];
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input);
  if (!r.success)
    throw new DomainError(
      'invalid',
      'Invalid attachment',
      r.error.issues
        .slice(0, 6)
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; '),
    );
  return r.data;
}
