import fs from 'node:fs';
import path from 'node:path';
import { SIM_COMPOSE } from '../image/build-images.js';

/**
 * Lays out a deploy tree as an operator has it: `<root>/deploy/join/` with the official files and the
 * sim overrides beside them, and `<root>/genesis/genesis.json` where the official compose file
 * mounts it from (`../../genesis/genesis.json`). The directory is named `join`, so the compose
 * project is `join` as the official overlays expect.
 */
export function layoutJoinDir(officialJoinDir: string, root: string): string {
  const join = path.join(root, 'deploy', 'join');
  fs.mkdirSync(join, { recursive: true });
  for (const f of fs.readdirSync(officialJoinDir)) {
    const src = path.join(officialJoinDir, f);
    if (fs.statSync(src).isFile()) fs.copyFileSync(src, path.join(join, f));
  }
  fs.copyFileSync(SIM_COMPOSE.networkOverride, path.join(join, 'docker-compose.sim.yml'));
  fs.copyFileSync(SIM_COMPOSE.mlnodeOverride, path.join(join, 'docker-compose.mlnode.sim.yml'));
  fs.mkdirSync(path.join(root, 'genesis'), { recursive: true });
  fs.copyFileSync(SIM_COMPOSE.genesis, path.join(root, 'genesis', 'genesis.json'));
  return join;
}

/** Environment as `source config.env` would give it: the official variables, filled in. */
export function configEnv(v: {
  keyName: string;
  keyringPassword: string;
  publicUrl: string;
  p2pExternal: string;
  accountPubkey: string;
  seedApi: string;
  seedP2p: string;
  callbackUrl: string;
  hfHome: string;
  nodeConfig?: string;
}): Record<string, string> {
  return {
    KEY_NAME: v.keyName,
    KEYRING_PASSWORD: v.keyringPassword,
    API_PORT: '8000',
    API_SSL_PORT: '8443',
    PUBLIC_URL: v.publicUrl,
    P2P_EXTERNAL_ADDRESS: v.p2pExternal,
    ACCOUNT_PUBKEY: v.accountPubkey,
    NODE_CONFIG: v.nodeConfig ?? './node-config.json',
    HF_HOME: v.hfHome,
    SEED_API_URL: v.seedApi,
    SEED_NODE_RPC_URL: `${v.seedApi}/chain-rpc/`,
    SEED_NODE_P2P_URL: v.seedP2p,
    BEACON_STATE_URL: 'http://127.0.0.1:1/',
    DAPI_API__POC_CALLBACK_URL: v.callbackUrl,
    DAPI_CHAIN_NODE__URL: 'http://node:26657',
    DAPI_CHAIN_NODE__P2P_URL: 'http://node:26656',
    RPC_SERVER_URL_1: `${v.seedApi}/chain-rpc/`,
    RPC_SERVER_URL_2: `${v.seedApi}/chain-rpc/`,
    PORT: '8080',
    INFERENCE_PORT: '5050',
    KEYRING_BACKEND: 'file',
  };
}
