import { coldKeyCommands, rollupHealth, setupChecklist, NETWORKS } from '@gnm/gonka';
import type { NodeHealthFacts } from '@gnm/gonka/health-facts';
import type { Selectable } from 'kysely';
import type { NodesTable } from '../db/schema.js';
import { publicUrlOf, seedOf, type NodeConfig } from './node-config.js';

/**
 * A node as the API shows it: its configuration, where its bring-up stands, the warm key's public
 * data, the latest health with its rollup, and — once the warm key exists — the exact commands the
 * operator runs with the cold key on their own machine, with the checklist the setup report turns
 * green. Nothing here is secret: the mnemonic is named by where it lies on the host, never shown.
 */
export interface NodeView {
  id: string;
  hostId: string;
  name: string;
  role: NodesTable['role'];
  network: string;
  state: NodesTable['state'];
  config: NodeConfig;
  release: string | null;
  lastTaskId: string | null;
  lastError: string | null;
  warmKey: { address: string; pubkey: string | null; mnemonicFile: string | null } | null;
  registration: { registeredAt: string; consensusKey: string | null } | null;
  health: {
    status: 'ok' | 'warning' | 'critical' | 'unknown';
    reason: string;
    at: string | null;
    checks: { name: string; status: string; detail: string }[];
    facts: NodeHealthFacts | null;
  };
  coldKey: {
    commands: { id: string; title: string; why: string; command: string; argv: string[] }[];
    checklist: { id: string; title: string; state: string; hint: string }[];
  } | null;
  createdAt: string;
  updatedAt: string;
}

export function nodeView(r: Selectable<NodesTable>): NodeView {
  const config = JSON.parse(r.config) as NodeConfig;
  const facts = r.health ? (JSON.parse(r.health) as NodeHealthFacts) : null;
  const rolled = facts ? rollupHealth(facts) : null;
  return {
    id: r.id,
    hostId: r.host_id,
    name: r.name,
    role: r.role,
    network: r.network,
    state: r.state,
    config,
    release: r.release,
    lastTaskId: r.last_task_id,
    lastError: r.last_error,
    warmKey: r.warm_address
      ? { address: r.warm_address, pubkey: r.warm_pubkey, mnemonicFile: r.warm_mnemonic_file }
      : null,
    registration: r.registered_at ? { registeredAt: r.registered_at, consensusKey: r.consensus_key } : null,
    health: rolled
      ? { status: rolled.status, reason: rolled.reason, at: r.health_at, checks: rolled.checks, facts }
      : {
          status: 'unknown',
          reason: r.release ? 'no health report yet' : 'not deployed',
          at: null,
          checks: [],
          facts: null,
        },
    coldKey: r.warm_address ? coldKeyView(config, r, facts) : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function coldKeyView(
  config: NodeConfig,
  r: Selectable<NodesTable>,
  facts: NodeHealthFacts | null,
): NodeView['coldKey'] {
  // The node's own chain id once its health was read; until then its network's (a sim node read
  // before its first health report used to get mainnet's, and the grant it showed was refused).
  const chainId = facts?.chain?.chainId ?? NETWORKS[config.network]?.chainId ?? null;
  const seed = seedOf(config);
  let commands: NonNullable<NodeView['coldKey']>['commands'] = [];
  try {
    commands = coldKeyCommands({
      chainId: chainId ?? 'gonka-mainnet',
      seedApiUrl: seed.apiUrl,
      warmAddress: r.warm_address ?? '',
      publicUrl: publicUrlOf(config),
      ...(r.consensus_key ? { consensusKey: r.consensus_key } : {}),
    });
  } catch {
    commands = [];
  }
  return { commands, checklist: setupChecklist(facts?.setupReport ?? null) };
}
