/**
 * The Gonka networks a node can join, with the public seed nodes the official config.env template
 * and docs point at (reference §2, §10). Only facts that are documented are here: no public testnet
 * seed is documented, and the sim network's seed is whatever the operator started, so both need the
 * seed from the operator (`resolveNetwork` says which values are missing).
 */
export type NetworkName = 'mainnet' | 'testnet' | 'sim';

export interface NetworkInfo {
  chainId: string;
  /** The seed's public API (through its proxy): `SEED_API_URL`, also `--node-address` of registration. */
  seedApiUrl?: string;
  /** The seed's P2P address (`SEED_NODE_P2P_URL`). */
  seedP2p?: string;
  /** Every documented public API node, the template's seed first (fallbacks for reads). */
  seedApiUrls?: readonly string[];
  /** Their CometBFT RPC through the proxy (`<api>/chain-rpc/`), same order. */
  seedRpcUrls?: readonly string[];
  /** State-sync RPC servers (`RPC_SERVER_URL_1`, `RPC_SERVER_URL_2` of the template). */
  stateSyncRpcUrls?: readonly [string, string];
}

const MAINNET_APIS = ['http://node2.gonka.ai:8000', 'http://node1.gonka.ai:8000', 'https://node3.gonka.ai'];

export const NETWORKS: Record<NetworkName, NetworkInfo> = {
  mainnet: {
    chainId: 'gonka-mainnet',
    seedApiUrl: 'http://node2.gonka.ai:8000',
    seedP2p: 'tcp://node2.gonka.ai:5000',
    seedApiUrls: MAINNET_APIS,
    seedRpcUrls: MAINNET_APIS.map(seedRpcUrl),
    stateSyncRpcUrls: ['http://node1.gonka.ai:8000/chain-rpc/', 'http://node2.gonka.ai:8000/chain-rpc/'],
  },
  // The chain id is documented (test-net scripts); a public seed is not: the operator gives one.
  testnet: { chainId: 'gonka-testnet' },
  // packages/sim/compose/genesis.json; the seed is the sim the operator started.
  sim: { chainId: 'gonka-sim' },
};

/** The seed's CometBFT RPC through its proxy (`SEED_NODE_RPC_URL`): `<api>/chain-rpc/`. */
export function seedRpcUrl(seedApiUrl: string): string {
  // An operator may paste the RPC URL where the API URL is asked: do not append the path twice.
  const base = seedApiUrl.replace(/\/+$/, '').replace(/\/chain-rpc$/, '');
  return `${base}/chain-rpc/`;
}

export interface NetworkOverrides {
  chainId?: string;
  seedApiUrl?: string;
  /** Default: `<seedApiUrl>/chain-rpc/`. */
  seedRpcUrl?: string;
  seedP2p?: string;
  stateSyncRpcUrls?: readonly [string, string];
}

/** Every value a node's config.env needs about its network, filled in and checked. */
export interface ResolvedNetwork {
  name: NetworkName;
  chainId: string;
  seedApiUrl: string;
  seedRpcUrl: string;
  seedP2p: string;
  stateSyncRpcUrls: [string, string];
}

export class NetworkError extends Error {
  override name = 'NetworkError';
}

const CHAIN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/;

export function isNetworkName(n: string): n is NetworkName {
  return Object.prototype.hasOwnProperty.call(NETWORKS, n);
}

/**
 * The network's values with the operator's overrides on top. Throws a NetworkError naming the
 * network and every value still missing or malformed, so one message tells the operator all of it.
 */
export function resolveNetwork(name: string, overrides: NetworkOverrides = {}): ResolvedNetwork {
  if (!isNetworkName(name))
    throw new NetworkError(`unknown network "${name}": use ${Object.keys(NETWORKS).join(', ')}`);
  const base = NETWORKS[name];
  const chainId = overrides.chainId ?? base.chainId;
  const seedApiUrl = overrides.seedApiUrl ?? base.seedApiUrl;
  const seedP2p = overrides.seedP2p ?? base.seedP2p;
  const rpc = overrides.seedRpcUrl ?? (seedApiUrl ? seedRpcUrl(seedApiUrl) : undefined);

  const missing: string[] = [];
  if (!seedApiUrl) missing.push('seedApiUrl (the seed’s public API, e.g. http://<seed>:8000)');
  if (!seedP2p) missing.push('seedP2p (the seed’s P2P address, e.g. tcp://<seed>:5000)');
  if (missing.length)
    throw new NetworkError(
      `the ${name} network has no ${name === 'mainnet' ? '' : 'documented '}seed: give ${missing.join(' and ')}`,
    );
  const bad: string[] = [];
  if (!CHAIN_ID.test(chainId)) bad.push(`chainId "${chainId}" is not a chain id`);
  if (seedApiUrl && !isHttpUrl(seedApiUrl)) bad.push(`seedApiUrl "${seedApiUrl}" is not an http(s) URL`);
  if (rpc && !isHttpUrl(rpc)) bad.push(`seedRpcUrl "${rpc}" is not an http(s) URL`);
  if (seedP2p && !isTcpAddress(seedP2p)) bad.push(`seedP2p "${seedP2p}" is not tcp://host:port`);
  for (const u of overrides.stateSyncRpcUrls ?? [])
    if (!isHttpUrl(u)) bad.push(`stateSyncRpcUrls "${u}" is not an http(s) URL`);
  if (bad.length || !seedApiUrl || !seedP2p || !rpc) throw new NetworkError(`${name}: ${bad.join('; ')}`);

  // The catalog's state-sync servers belong to its own seeds; with another seed, sync from that one.
  const ownSeed = seedApiUrl === base.seedApiUrl && overrides.seedRpcUrl === undefined;
  const stateSync = overrides.stateSyncRpcUrls ?? (ownSeed ? base.stateSyncRpcUrls : undefined) ?? [rpc, rpc];
  return {
    name,
    chainId,
    seedApiUrl: seedApiUrl.replace(/\/+$/, ''),
    seedRpcUrl: rpc,
    seedP2p,
    stateSyncRpcUrls: [stateSync[0], stateSync[1]],
  };
}

function isHttpUrl(s: string): boolean {
  if (/[\s\p{Cc}]/u.test(s)) return false;
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function isTcpAddress(s: string): boolean {
  const m = /^tcp:\/\/(?:[0-9a-f]{40}@)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})$/.exec(s);
  return !!m && Number(m[2]) > 0 && Number(m[2]) < 65536;
}
