import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Values } from '../render.js';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OFFICIAL_MANIFEST = path.join(PKG, 'manifests/gonka-join-v0.2.14.json');
/** The mainnet genesis is not among the fixtures; the sim's genesis stands in for its file (content is not inspected). */
export const GENESIS_STAND_IN = path.resolve(PKG, '../sim/compose/genesis.json');

export const ACCOUNT_PUBKEY = 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd';

/** Values a control plane sends for a full node (no secrets). */
export function fullNodeValues(): Values {
  return {
    KEY_NAME: 'warm-key',
    PUBLIC_URL: 'http://203.0.113.7:8000',
    P2P_EXTERNAL_ADDRESS: 'tcp://203.0.113.7:5000',
    ACCOUNT_PUBKEY,
    HF_HOME: '/srv/gonka/hf-cache',
    SEED_API_URL: 'http://node2.gonka.ai:8000',
    SEED_NODE_RPC_URL: 'http://node2.gonka.ai:8000/chain-rpc/',
    SEED_NODE_P2P_URL: 'tcp://node2.gonka.ai:5000',
    RPC_SERVER_URL_1: 'http://node1.gonka.ai:8000/chain-rpc/',
    RPC_SERVER_URL_2: 'http://node2.gonka.ai:8000/chain-rpc/',
    ML_NODES: [
      {
        id: 'node1',
        host: 'inference',
        inference_port: 5000,
        poc_port: 8080,
        max_concurrent: 500,
        models: { 'MiniMaxAI/MiniMax-M2.7': { args: ['--tensor-parallel-size', '4'] } },
      },
    ],
  };
}
export const HOST_SECRETS = { KEYRING_PASSWORD: 'generated-on-the-host-0123456789' };
