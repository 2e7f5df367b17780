import crypto from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { OutboundPolicy } from '@gnm/protocol/outbound';
import { NodeHealthFacts, rollupHealth } from '@gnm/gonka';
import type { Database, NodesTable } from '../db/schema.js';
import type { User } from '../accounts/accounts.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Hosts } from '../hosts/hosts.js';
import type { Tasks, TaskView } from '../tasks/tasks.js';
import type { TaskBus, TaskNotice } from '../tasks/task-bus.js';
import type { BundleRepository } from '../bundles/bundle-repository.js';
import { DomainError, notFound } from '../errors.js';
import { AccountScope, type ListScope } from '../accounts/account-scope.js';
import {
  deployValues,
  p2pAddressOf,
  parseNodeConfig,
  publicUrlOf,
  seedOf,
  type NodeConfig,
} from './node-config.js';
import { checkReachable, type Reachability } from './reachability.js';
import { nodeView, type NodeView } from './node-view.js';
import { recommendForHost, servingOf, type HostRecommendation } from './recommendation.js';

export type NodeRow = Selectable<NodesTable>;

/** How long each node operation may wait for its host before it expires. */
const DEADLINES = { deploy: 3 * 3600, register: 600, health: 120, backup: 600, download: 6 * 3600 };

/**
 * Gonka nodes: a configuration bound to one host, and the flows that act on it through the host's
 * agent (deploy, register, health, key backup). Results of those tasks come back through the task
 * bus and update the node: the warm key's public data, the registration, the latest health.
 */
export class Nodes {
  /** Bundle values a node's attachments add to its deploys (bind addresses, callback URL). */
  private bindings: (row: NodeRow) => Promise<Record<string, string>> = () => Promise.resolve({});
  private readonly scope: AccountScope;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly hosts: Hosts,
    private readonly tasks: Tasks,
    private readonly audit: AuditLog,
    private readonly bundles: BundleRepository,
    private readonly onError: (e: unknown) => void,
    /** Where the requests a user's values choose may go (the seed API, the public address). */
    private readonly outbound: OutboundPolicy,
  ) {
    this.scope = new AccountScope(audit);
  }

  useBindings(f: (row: NodeRow) => Promise<Record<string, string>>): void {
    this.bindings = f;
  }

  /** A node by id without an ownership check (the control plane's own flows, which carry the owner). */
  async rowById(id: string): Promise<NodeRow> {
    const row = await this.db.selectFrom('nodes').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('node', id);
    return row;
  }

  /** Follows finished tasks of hosts that carry a node (one subscription per control-plane process). */
  follow(bus: TaskBus): () => void {
    return bus.subscribe((n) => {
      if (n.kind === 'task' && n.task.finishedAt) void this.onTaskFinished(n).catch(this.onError);
    });
  }

  async create(user: User, hostId: string, input: unknown, sourceIp: string | null): Promise<NodeView> {
    const config = parseNodeConfig(input);
    const host = await this.hosts.get(user, hostId, sourceIp);
    if (host.state === 'revoked') throw new DomainError('conflict', 'Host revoked', 'this host is revoked');
    // An ML node without a model takes the recommender's proposal for this host's GPUs.
    if (config.role !== 'network' && !config.serving)
      config.serving = servingOf(
        await recommendForHost(host.last_report, seedOf(config).apiUrl, this.outbound),
      );
    const existing = await this.db
      .selectFrom('nodes')
      .select('id')
      .where('host_id', '=', host.id)
      .executeTakeFirst();
    if (existing)
      throw new DomainError(
        'conflict',
        'Host already has a node',
        `host ${host.id} already carries node ${existing.id} (one Gonka stack per host): change that node's configuration instead`,
      );
    const now = new Date().toISOString();
    const row: NodeRow = {
      id: `node_${crypto.randomBytes(10).toString('hex')}`,
      owner_id: host.owner_id,
      host_id: host.id,
      name: config.name,
      role: config.role,
      network: config.network,
      config: JSON.stringify(config),
      state: 'configured',
      release: null,
      last_task_id: null,
      last_error: null,
      warm_address: null,
      warm_pubkey: null,
      warm_mnemonic_file: null,
      consensus_key: null,
      registered_at: null,
      health: null,
      health_status: null,
      health_reason: null,
      health_at: null,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('nodes').values(row).execute();
    return nodeView(row);
  }

  /** The serving proposal for a host's GPUs on a network (its seed API gives the allowed models). */
  async recommend(
    user: User,
    hostId: string,
    q: { network: 'mainnet' | 'testnet' | 'sim'; seedApi?: string },
    sourceIp: string | null,
  ): Promise<HostRecommendation> {
    const host = await this.hosts.get(user, hostId, sourceIp);
    const seedApi =
      q.seedApi ??
      seedOf({ network: q.network } as NodeConfig).apiUrl; /* mainnet default; sim/testnet need seedApi */
    return recommendForHost(host.last_report, seedApi, this.outbound);
  }

  async list(user: User, o: ListScope = {}): Promise<NodeView[]> {
    const q = await this.scope.list(user, 'nodes', this.db.selectFrom('nodes'), 'owner_id', o);
    return (await q.selectAll().orderBy('created_at', 'desc').execute()).map(nodeView);
  }

  /**
   * One node of the caller's (or, for the owner, anyone's, audited), checked on the node itself so a
   * refusal names nothing but the id asked for.
   */
  async row(user: User, id: string, sourceIp: string | null = null): Promise<NodeRow> {
    const row = await this.db.selectFrom('nodes').selectAll().where('id', '=', id).executeTakeFirst();
    return this.scope.open(user, 'node', id, row, sourceIp);
  }

  async get(user: User, id: string, sourceIp: string | null = null): Promise<NodeView> {
    return nodeView(await this.row(user, id, sourceIp));
  }

  async update(user: User, id: string, input: unknown, sourceIp: string | null): Promise<NodeView> {
    const row = await this.row(user, id, sourceIp);
    const config = parseNodeConfig(input);
    if (config.role !== row.role && row.state !== 'configured')
      throw new DomainError(
        'conflict',
        'Role is fixed',
        'the role of a deployed node cannot change: make a new node',
      );
    await this.db
      .updateTable('nodes')
      .set({
        config: JSON.stringify(config),
        name: config.name,
        network: config.network,
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .execute();
    return this.get(user, id);
  }

  config(row: NodeRow): NodeConfig {
    return JSON.parse(row.config) as NodeConfig;
  }

  /** The bundle version a deploy uses: the pinned one, or the newest imported release of the bundle. */
  async bundleVersion(c: NodeConfig): Promise<string> {
    const all = (await this.bundles.list()).filter((b) => b.name === c.bundle.name);
    if (c.bundle.version) {
      if (!all.some((b) => b.version === c.bundle.version))
        throw new DomainError(
          'invalid',
          'Unknown bundle version',
          `bundle ${c.bundle.name} ${c.bundle.version} is not in the repository: import it (gnm bundle import) or pick one of ${all.map((b) => b.version).join(', ') || 'none'}`,
        );
      return c.bundle.version;
    }
    const newest = all
      .map((b) => b.version)
      .sort(compareVersions)
      .at(-1);
    if (!newest)
      throw new DomainError(
        'invalid',
        'No bundle',
        `no release of bundle ${c.bundle.name} is in the repository: import one first (gnm bundle import)`,
      );
    return newest;
  }

  async deploy(
    user: User,
    id: string,
    o: { acceptWarnings?: string[] },
    sourceIp: string | null,
    /** Queued by a control-plane flow (an attachment), not by the user. */
    by: { system?: boolean } = {},
  ): Promise<TaskView> {
    const row = await this.row(user, id, sourceIp);
    const c = this.config(row);
    if (c.role !== 'network' && !c.serving)
      throw new DomainError(
        'invalid',
        'No serving configuration',
        'this node has an ML node but no model: take the recommendation (gnm node recommend) or set serving in its configuration',
      );
    const version = await this.bundleVersion(c);
    const task = await this.tasks.create(
      user,
      row.host_id,
      {
        op: 'node.deploy',
        params: {
          bundle: c.bundle.name,
          version,
          role: c.role,
          values: { ...deployValues(c), ...(await this.bindings(row)) },
          acceptWarnings: o.acceptWarnings ?? [],
          ...(c.role !== 'network' && c.serving
            ? {
                download: {
                  model: c.serving.model,
                  ...(c.serving.sizeGb ? { sizeGb: c.serving.sizeGb } : {}),
                },
              }
            : {}),
        },
        deadlineSeconds: DEADLINES.deploy,
      },
      sourceIp,
      by,
    );
    await this.setState(id, { state: 'deploying', last_task_id: task.id, last_error: null });
    return task;
  }

  /** Registration, after PUBLIC_URL and the P2P port are proven reachable from here. */
  async register(
    user: User,
    id: string,
    sourceIp: string | null,
  ): Promise<{ task: TaskView; reachability: Reachability }> {
    const row = await this.row(user, id, sourceIp);
    if (row.role === 'mlnode')
      throw new DomainError(
        'invalid',
        'Not a network node',
        'an ML node is attached to a network node, not registered',
      );
    if (!row.release)
      throw new DomainError(
        'conflict',
        'Not deployed',
        'deploy the node first (gnm node deploy), then register it',
      );
    const c = this.config(row);
    const reach = await checkReachable(publicUrlOf(c), p2pAddressOf(c), this.outbound);
    if (!reach.publicUrl.ok || !reach.p2p.ok)
      throw new DomainError(
        'conflict',
        'Not reachable from outside',
        `nothing was registered: the URL written on chain must answer (changing it later needs a cold-key transaction). ${[
          reach.publicUrl,
          reach.p2p,
        ]
          .filter((x) => !x.ok)
          .map((x) => x.detail)
          .join('; ')}`,
      );
    const task = await this.tasks.create(
      user,
      row.host_id,
      { op: 'node.register', params: {}, deadlineSeconds: DEADLINES.register },
      sourceIp,
    );
    await this.setState(id, { state: 'registering', last_task_id: task.id, last_error: null });
    return { task, reachability: reach };
  }

  async refreshHealth(user: User, id: string, sourceIp: string | null): Promise<TaskView> {
    const row = await this.row(user, id, sourceIp);
    return this.tasks.create(
      user,
      row.host_id,
      { op: 'node.health', params: {}, deadlineSeconds: DEADLINES.health },
      sourceIp,
    );
  }

  async downloadModel(user: User, id: string, sourceIp: string | null): Promise<TaskView> {
    const row = await this.row(user, id, sourceIp);
    const s = this.config(row).serving;
    if (!s) throw new DomainError('invalid', 'No model', 'this node serves no model: set serving first');
    return this.tasks.create(
      user,
      row.host_id,
      {
        op: 'node.model.download',
        params: { model: s.model, ...(s.sizeGb ? { sizeGb: s.sizeGb } : {}) },
        deadlineSeconds: DEADLINES.download,
      },
      sourceIp,
    );
  }

  async backupKeys(user: User, id: string, recipient: string, sourceIp: string | null): Promise<TaskView> {
    const row = await this.row(user, id, sourceIp);
    return this.tasks.create(
      user,
      row.host_id,
      { op: 'keys.backup', params: { recipient }, deadlineSeconds: DEADLINES.backup },
      sourceIp,
    );
  }

  private async setState(id: string, set: Partial<NodeRow>): Promise<void> {
    await this.db
      .updateTable('nodes')
      .set({ ...set, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
  }

  /** A finished node task updates the node it acted on (the host's node). */
  private async onTaskFinished(n: Extract<TaskNotice, { kind: 'task' }>): Promise<void> {
    const t = n.task;
    if (!t.op.startsWith('node.')) return;
    const row = await this.db
      .selectFrom('nodes')
      .selectAll()
      .where('host_id', '=', t.hostId)
      .executeTakeFirst();
    if (!row) return;
    const ok = t.state === 'succeeded';
    const err = t.error ? `${t.error.code}: ${t.error.message}` : `${t.op} ${t.state}`;
    if (t.op === 'node.deploy') {
      if (!ok) return this.setState(row.id, { state: 'failed', last_error: err.slice(0, 4000) });
      const r = t.result as {
        release?: string;
        warmKey?: { address: string; pubkey: string; mnemonicFile: string | null } | null;
      };
      await this.setState(row.id, {
        state: row.registered_at ? 'registered' : 'deployed',
        release: r.release ?? null,
        last_error: null,
        ...(r.warmKey
          ? {
              warm_address: r.warmKey.address,
              warm_pubkey: r.warmKey.pubkey,
              warm_mnemonic_file: r.warmKey.mnemonicFile ?? row.warm_mnemonic_file,
            }
          : {}),
      });
      await this.audit.record({
        actorId: t.createdBy,
        action: 'node.deployed',
        target: row.id,
        sourceIp: null,
        outcome: 'ok',
        detail: `release ${r.release ?? '?'}${r.warmKey ? `, warm key ${r.warmKey.address}` : ''}`,
        ownerScope: row.owner_id,
      });
      return;
    }
    if (t.op === 'node.register') {
      if (!ok)
        return this.setState(row.id, {
          state: row.release ? 'deployed' : 'failed',
          last_error: err.slice(0, 4000),
        });
      const r = t.result as { warmAddress?: string; consensusKey?: string };
      await this.setState(row.id, {
        state: 'registered',
        registered_at: new Date().toISOString(),
        consensus_key: r.consensusKey ?? null,
        warm_address: r.warmAddress ?? row.warm_address,
        last_error: null,
      });
      return;
    }
    if (t.op === 'node.health' && ok) {
      const facts = NodeHealthFacts.safeParse(t.result);
      if (!facts.success) return;
      const r = rollupHealth(facts.data);
      await this.setState(row.id, {
        health: JSON.stringify(facts.data),
        health_status: r.status,
        health_reason: r.reason,
        health_at: facts.data.at,
      });
    }
  }
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pb = b.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}
