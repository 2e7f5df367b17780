import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { User } from '../accounts/accounts.js';
import type { Hosts } from '../hosts/hosts.js';
import type { Presence } from '../gateway/presence.js';

/**
 * The fleet overview: one compact row per host and the node it carries, for the console's fleet page
 * and `gnm hosts list`-style views of thousands of hosts. The host and node lists carry every host's
 * full last report and every node's health facts (22 MB for 5,000 nodes); this answer carries only
 * what a row shows (about 300 bytes each).
 *
 * The large columns (the report, the health facts) are parsed once per change: a row's summary is kept
 * in memory keyed by the host's last-seen time and the node's update time, and only rows whose key
 * moved are read and parsed again.
 */
export type Health = 'ok' | 'warning' | 'critical' | 'unknown';

export interface FleetRow {
  hostId: string;
  hostName: string;
  hostname: string | null;
  ownerId: string;
  presence: Presence;
  hostState: 'pending' | 'enrolled' | 'revoked';
  agentVersion: string | null;
  lastSeenAt: string | null;
  nodeId: string | null;
  nodeName: string | null;
  role: 'network' | 'mlnode' | 'full' | null;
  nodeState: string | null;
  release: string | null;
  health: Health;
  healthReason: string;
  height: number | null;
  lag: number | null;
  /** The ML nodes' states as the node reports them ("INFERENCE", "POC, FAILED (unhealthy)"). */
  mlStatus: string | null;
  gpuCount: number;
  /** "8× NVIDIA H200 (140 GiB)", GPUs grouped by model. */
  gpus: string;
}

interface HostSummary {
  gpuCount: number;
  gpus: string;
  worst: { severity: 'critical' | 'warning'; message: string } | null;
}
interface NodeSummary {
  height: number | null;
  networkHeight: number | null;
  ml: { state: string | null; healthy: boolean | null }[];
  haveFacts: boolean;
}

const BATCH = 500;

/**
 * Summaries of one large JSON column (a host's last report, a node's health facts), kept per row and
 * read again only for rows whose change key moved since the last call: a fleet refresh of thousands
 * of unchanged hosts parses nothing.
 */
class SummaryCache<S> {
  private readonly entries = new Map<string, { key: string; summary: S }>();

  constructor(
    private readonly read: (ids: string[]) => Promise<{ id: string; text: string | null }[]>,
    private readonly summarize: (text: string | null) => S,
  ) {}

  get(id: string): S | undefined {
    return this.entries.get(id)?.summary;
  }

  async refresh(want: { id: string; key: string }[]): Promise<void> {
    const stale = want.filter((w) => this.entries.get(w.id)?.key !== w.key);
    const keys = new Map(stale.map((w) => [w.id, w.key]));
    for (let i = 0; i < stale.length; i += BATCH)
      for (const r of await this.read(stale.slice(i, i + BATCH).map((s) => s.id)))
        this.entries.set(r.id, { key: keys.get(r.id) ?? '', summary: this.summarize(r.text) });
  }
}

export class Fleet {
  private readonly hostCache = new SummaryCache<HostSummary>(
    (ids) =>
      this.db.selectFrom('hosts').select(['id', 'last_report as text']).where('id', 'in', ids).execute(),
    summarizeReport,
  );
  private readonly nodeCache = new SummaryCache<NodeSummary>(
    (ids) => this.db.selectFrom('nodes').select(['id', 'health as text']).where('id', 'in', ids).execute(),
    summarizeFacts,
  );

  constructor(
    private readonly db: Kysely<Database>,
    private readonly hosts: Hosts,
    private readonly presence: (h: { id: string; state: string; last_seen_at: string | null }) => Presence,
  ) {}

  async rows(user: User, o: { all?: boolean; sourceIp?: string | null } = {}): Promise<FleetRow[]> {
    // One query: every host of the caller with its node, if any (one node per host), small columns
    // only; the large report and health columns are read below only where they changed.
    const joined = await (
      await this.hosts.scoped(user, o)
    )
      .leftJoin('nodes', 'nodes.host_id', 'hosts.id')
      .select([
        'hosts.id as id',
        'hosts.owner_id as owner_id',
        'hosts.name as name',
        'hosts.hostname as hostname',
        'hosts.state as state',
        'hosts.agent_version as agent_version',
        'hosts.last_seen_at as last_seen_at',
        'nodes.id as node_id',
        'nodes.name as node_name',
        'nodes.role as role',
        'nodes.state as node_state',
        'nodes.release as release',
        'nodes.health_status as health_status',
        'nodes.health_reason as health_reason',
        'nodes.updated_at as node_updated_at',
      ])
      .orderBy('hosts.created_at', 'asc')
      .execute();
    if (!joined.length) return [];
    const hosts = joined;
    const nodes = joined.flatMap((j) =>
      j.node_id === null
        ? []
        : [
            {
              id: j.node_id,
              host_id: j.id,
              name: j.node_name ?? '',
              role: j.role,
              state: j.node_state,
              release: j.release,
              health_status: j.health_status,
              health_reason: j.health_reason,
              updated_at: j.node_updated_at ?? '',
            },
          ],
    );

    await this.hostCache.refresh(hosts.map((h) => ({ id: h.id, key: `${h.last_seen_at ?? ''}|${h.state}` })));
    await this.nodeCache.refresh(nodes.map((n) => ({ id: n.id, key: n.updated_at })));

    const byHost = new Map(nodes.map((n) => [n.host_id, n]));
    return hosts.map((h) => {
      const n = byHost.get(h.id);
      const hs = this.hostCache.get(h.id);
      const ns = n ? this.nodeCache.get(n.id) : undefined;
      const presence = this.presence(h);
      const own: { health: Health; reason: string } = n
        ? presence !== 'online' && h.state === 'enrolled'
          ? { health: 'critical', reason: `agent ${presence}; last: ${n.health_reason ?? 'no health read'}` }
          : {
              health: n.health_status ?? 'unknown',
              reason: n.health_reason ?? (n.release ? 'no health read yet' : 'not deployed'),
            }
        : hostHealth(h.state, presence, hs?.worst ?? null);
      const height = ns?.height ?? null;
      const top = ns?.networkHeight ?? null;
      return {
        hostId: h.id,
        hostName: h.name,
        hostname: h.hostname,
        ownerId: h.owner_id,
        presence,
        hostState: h.state,
        agentVersion: h.agent_version,
        lastSeenAt: h.last_seen_at,
        nodeId: n?.id ?? null,
        nodeName: n?.name ?? null,
        role: n?.role ?? null,
        nodeState: n?.state ?? null,
        release: n?.release ?? null,
        health: own.health,
        healthReason: own.reason,
        height,
        lag: height !== null && top !== null ? Math.max(0, top - height) : null,
        mlStatus: n && n.role !== 'network' ? mlStatusOf(ns) : null,
        gpuCount: hs?.gpuCount ?? 0,
        gpus: hs?.gpus ?? 'no GPU',
      };
    });
  }
}

/** A host without a node: its health from its presence and its probe's worst finding. */
export function hostHealth(
  state: string,
  presence: Presence,
  worst: HostSummary['worst'],
): { health: Health; reason: string } {
  if (state === 'pending') return { health: 'unknown', reason: 'waiting for the agent to enroll' };
  if (state === 'revoked') return { health: 'unknown', reason: 'revoked' };
  if (presence !== 'online') return { health: 'critical', reason: `agent ${presence}` };
  if (worst) return { health: worst.severity, reason: worst.message };
  return { health: 'ok', reason: 'agent online, no node yet' };
}

function mlStatusOf(ns: NodeSummary | undefined): string | null {
  if (!ns?.ml.length) return ns?.haveFacts ? 'not reported' : null;
  return ns.ml.map((m) => `${m.state ?? 'unknown'}${m.healthy === false ? ' (unhealthy)' : ''}`).join(', ');
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** GPUs and the worst finding of a stored status report (free-form JSON from the agent). */
export function summarizeReport(text: string | null): HostSummary {
  let probe: Record<string, unknown> | undefined;
  try {
    probe = obj(obj(text ? (JSON.parse(text) as unknown) : null)?.probe);
  } catch {
    probe = undefined;
  }
  const gpus = (Array.isArray(probe?.gpus) ? probe.gpus : []).map(obj).filter((g) => !!g);
  const byName = new Map<string, { n: number; mib: number }>();
  for (const g of gpus) {
    const name = String(g.name ?? 'GPU');
    const e = byName.get(name) ?? { n: 0, mib: Number(g.memoryMiB ?? 0) };
    e.n++;
    byName.set(name, e);
  }
  const findings = (Array.isArray(probe?.findings) ? probe.findings : []).map(obj).filter((f) => !!f);
  const pick = (sev: 'critical' | 'warning') => {
    const f = findings.find((x) => x.severity === sev);
    return f ? { severity: sev, message: String(f.message ?? f.check ?? sev) } : null;
  };
  return {
    gpuCount: gpus.length,
    gpus: byName.size
      ? [...byName].map(([name, { n, mib }]) => `${n}× ${name} (${Math.round(mib / 1024)} GiB)`).join(', ')
      : 'no GPU',
    worst: pick('critical') ?? pick('warning'),
  };
}

/** Height, the network's height and the ML nodes' states of stored health facts. */
export function summarizeFacts(text: string | null): NodeSummary {
  let f: Record<string, unknown> | undefined;
  try {
    f = obj(text ? (JSON.parse(text) as unknown) : null);
  } catch {
    f = undefined;
  }
  const chain = obj(f?.chain);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    haveFacts: !!f,
    height: num(chain?.height),
    networkHeight: num(chain?.networkHeight),
    ml: (Array.isArray(f?.mlNodes) ? f.mlNodes : [])
      .map(obj)
      .filter((m) => !!m)
      .map((m) => ({
        state: typeof m.state === 'string' ? m.state : null,
        healthy: typeof m.healthy === 'boolean' ? m.healthy : null,
      })),
  };
}
