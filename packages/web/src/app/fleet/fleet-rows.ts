import type { Host, NodeView } from '../api/types';
import { gpuSummary, parseReport } from '../hosts/host-report';

/**
 * One row of the fleet table: a host and the node it carries (one Gonka stack per host), flattened
 * into the values the table shows, sorts and filters on. Computed once per fetch, so scrolling through
 * thousands of rows does no parsing.
 */
export type Health = 'ok' | 'warning' | 'critical' | 'unknown';

export interface FleetRow {
  hostId: string;
  hostName: string;
  presence: Host['presence'];
  hostState: Host['state'];
  agentVersion: string | null;
  nodeId: string | null;
  nodeName: string | null;
  role: NodeView['role'] | null;
  nodeState: string | null;
  release: string | null;
  health: Health;
  healthReason: string;
  height: number | null;
  lag: number | null;
  mlStatus: string | null;
  gpuCount: number;
  gpus: string;
  /** Lower-cased text the search box matches against. */
  haystack: string;
}

interface ChainFacts {
  height?: number;
  networkHeight?: number | null;
}
interface MlFacts {
  state?: string | null;
  healthy?: boolean | null;
}

/** The chain and ML node facts of a node's last health read (`facts` is free-form in the API). */
function facts(n: NodeView): { chain: ChainFacts | null; ml: MlFacts[] } {
  const f = n.health.facts as { chain?: ChainFacts | null; mlNodes?: MlFacts[] } | null;
  return { chain: f?.chain ?? null, ml: Array.isArray(f?.mlNodes) ? f.mlNodes : [] };
}

function mlStatus(n: NodeView): string | null {
  if (n.role === 'network') return null;
  const { ml } = facts(n);
  if (!ml.length) return n.health.at ? 'not reported' : null;
  return ml.map((m) => `${m.state ?? 'unknown'}${m.healthy === false ? ' (unhealthy)' : ''}`).join(', ');
}

/** A host's health when it carries no node: from its presence and its probe's worst finding. */
function hostHealth(h: Host, report: ReturnType<typeof parseReport>): { health: Health; reason: string } {
  if (h.state === 'pending') return { health: 'unknown', reason: 'waiting for the agent to enroll' };
  if (h.state === 'revoked') return { health: 'unknown', reason: 'revoked' };
  if (h.presence !== 'online') return { health: 'critical', reason: `agent ${h.presence}` };
  const findings = report?.probe?.findings ?? [];
  const critical = findings.find((f) => f.severity === 'critical');
  if (critical) return { health: 'critical', reason: critical.message };
  const warning = findings.find((f) => f.severity === 'warning');
  if (warning) return { health: 'warning', reason: warning.message };
  return { health: 'ok', reason: 'agent online, no node yet' };
}

export function fleetRows(hosts: readonly Host[], nodes: readonly NodeView[]): FleetRow[] {
  const byHost = new Map(nodes.map((n) => [n.hostId, n]));
  return hosts.map((h) => {
    const n = byHost.get(h.id) ?? null;
    // One parse per host and fetch: the report is the largest part of the answer.
    const report = parseReport(h.lastReport);
    const gpus = report?.probe?.gpus ?? [];
    const chain = n ? facts(n).chain : null;
    const height = typeof chain?.height === 'number' ? chain.height : null;
    const top = typeof chain?.networkHeight === 'number' ? chain.networkHeight : null;
    const own = n
      ? h.presence !== 'online' && h.state === 'enrolled'
        ? { health: 'critical' as const, reason: `agent ${h.presence}; last: ${n.health.reason}` }
        : { health: n.health.status, reason: n.health.reason }
      : hostHealth(h, report);
    const row: Omit<FleetRow, 'haystack'> = {
      hostId: h.id,
      hostName: h.name,
      presence: h.presence,
      hostState: h.state,
      agentVersion: h.agentVersion,
      nodeId: n?.id ?? null,
      nodeName: n?.name ?? null,
      role: n?.role ?? null,
      nodeState: n?.state ?? null,
      release: n?.release ?? null,
      health: own.health,
      healthReason: own.reason,
      height,
      lag: height !== null && top !== null ? Math.max(0, top - height) : null,
      mlStatus: n ? mlStatus(n) : null,
      gpuCount: gpus.length,
      gpus: gpuSummary(gpus),
    };
    return {
      ...row,
      haystack: [
        h.name,
        h.hostname,
        h.id,
        n?.name,
        n?.id,
        n?.role,
        n?.state,
        row.release,
        row.gpus,
        own.reason,
      ]
        .filter(Boolean)
        .join(' ')
        .toLowerCase(),
    };
  });
}
