/**
 * The Gonka networks a node can join, with the public seed node the official config.env template
 * points at (reference §2, §10). The sim network's seed is whatever the operator started.
 */
export interface NetworkInfo {
  chainId: string;
  /** The seed's public API (through its proxy); also `--node-address` of registration. */
  seedApiUrl?: string;
  /** The seed's P2P address (`SEED_NODE_P2P_URL`). */
  seedP2p?: string;
}

export const NETWORKS: Record<'mainnet' | 'testnet' | 'sim', NetworkInfo> = {
  mainnet: {
    chainId: 'gonka-mainnet',
    seedApiUrl: 'http://node2.gonka.ai:8000',
    seedP2p: 'tcp://node2.gonka.ai:5000',
  },
  // No public testnet seed is documented: the operator gives one.
  testnet: { chainId: 'gonka-testnet' },
  // packages/sim/compose/genesis.json
  sim: { chainId: 'gonka-sim' },
};

/** The seed's CometBFT RPC through its proxy (`SEED_NODE_RPC_URL`): `<api>/chain-rpc/`. */
export function seedRpcUrl(seedApiUrl: string): string {
  return `${seedApiUrl.replace(/\/+$/, '')}/chain-rpc/`;
}
