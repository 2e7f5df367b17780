import { describe, expect, it } from 'vitest';
import type { Selectable } from 'kysely';
import type { NodesTable } from '../db/schema.js';
import { nodeView } from './node-view.js';

const row = (network: string, health: string | null): Selectable<NodesTable> => ({
  id: 'node_1',
  owner_id: 'usr_1',
  host_id: 'hst_1',
  name: 'n1',
  role: 'network',
  network,
  config: JSON.stringify({
    name: 'n1',
    role: 'network',
    network,
    seed: { apiUrl: 'http://10.0.0.9:18000', p2pAddress: 'tcp://10.0.0.9:15000' },
    publicHost: '10.0.0.5',
    ports: { api: 8000 },
  }),
  state: 'registered',
  release: '0.2.14-1',
  last_task_id: null,
  last_error: null,
  warm_address: 'gonka1cn2yggyl7jkd27mtgj302aq3e4w5km0zdpn7fl',
  warm_pubkey: null,
  warm_mnemonic_file: null,
  consensus_key: null,
  registered_at: '2026-12-08T00:00:00.000Z',
  health,
  health_status: null,
  health_reason: null,
  health_at: null,
  created_at: '2026-12-08T00:00:00.000Z',
  updated_at: '2026-12-08T00:00:00.000Z',
});

const chainIdOfGrant = (network: string, health: string | null) => {
  const grant = nodeView(row(network, health)).coldKey?.commands.find(
    (c) => c.id === 'grant-ml-ops-permissions',
  );
  const argv = grant?.argv ?? [];
  return argv[argv.indexOf('--chain-id') + 1];
};

describe('the cold-key commands of a node', () => {
  it('carry its network’s chain id before its first health report (a sim node is not on mainnet)', () => {
    expect(chainIdOfGrant('sim', null)).toBe('gonka-sim');
    expect(chainIdOfGrant('testnet', null)).toBe('gonka-testnet');
    expect(chainIdOfGrant('mainnet', null)).toBe('gonka-mainnet');
  });
});
