import { createHash } from 'node:crypto';
import { consensusAddress } from '../lib/keys.js';

/**
 * CometBFT RPC result shapes (reference §7: `/status`; heights and voting power are strings). The
 * JSON-RPC envelope is the one a plain HTTP GET on CometBFT 0.38 returns.
 */
export function rpcEnvelope(result: unknown): { jsonrpc: '2.0'; id: number; result: unknown } {
  return { jsonrpc: '2.0', id: -1, result };
}

export interface StatusInput {
  nodeId: string;
  moniker: string;
  chainId: string;
  height: number;
  blockHash: string;
  blockTime: string;
  catchingUp: boolean;
  validatorPubKey: string;
  votingPower: number;
  earliestTime: string;
}

export function statusResult(s: StatusInput): unknown {
  return {
    node_info: {
      protocol_version: { p2p: '8', block: '11', app: '0' },
      id: s.nodeId,
      listen_addr: 'tcp://0.0.0.0:26656',
      network: s.chainId,
      version: '0.38.21',
      channels: '40202122233038606100',
      moniker: s.moniker,
      other: { tx_index: 'on', rpc_address: 'tcp://0.0.0.0:26657' },
    },
    sync_info: {
      latest_block_hash: s.blockHash,
      latest_app_hash: s.blockHash.split('').reverse().join(''),
      latest_block_height: String(s.height),
      latest_block_time: s.blockTime,
      earliest_block_hash: '',
      earliest_app_hash: '',
      earliest_block_height: '1',
      earliest_block_time: s.earliestTime,
      catching_up: s.catchingUp,
    },
    validator_info: {
      address: s.validatorPubKey ? consensusAddress(s.validatorPubKey) : '',
      pub_key: { type: 'tendermint/PubKeyEd25519', value: s.validatorPubKey },
      voting_power: String(s.votingPower),
    },
  };
}

export function validatorsResult(height: number, vals: { pub_key: string; voting_power: number }[]): unknown {
  return {
    block_height: String(height),
    validators: vals.map((v) => ({
      address: consensusAddress(v.pub_key),
      pub_key: { type: 'tendermint/PubKeyEd25519', value: v.pub_key },
      voting_power: String(v.voting_power),
      proposer_priority: '0',
    })),
    count: String(vals.length),
    total: String(vals.length),
  };
}

export function netInfoResult(peers: { id: string; moniker: string; remoteIp: string }[]): unknown {
  return {
    listening: true,
    listeners: ['Listener(@)'],
    n_peers: String(peers.length),
    peers: peers.map((p) => ({
      node_info: { id: p.id, moniker: p.moniker, listen_addr: 'tcp://0.0.0.0:26656' },
      is_outbound: true,
      remote_ip: p.remoteIp,
    })),
  };
}

/**
 * `/block` (CometBFT 0.38): `last_commit` is the commit of block h-1, one signature per validator of
 * that set: `block_id_flag` 2 (signed the block) with the validator's hex address, the vote's time and
 * its signature; 1 (absent) with an empty address, the zero time and a null signature. The sim's
 * signatures are placeholders of the right size, not verifiable ones.
 */
export function blockResult(
  height: number,
  hash: string,
  time: string,
  chainId: string,
  signers: string[] = [],
): unknown {
  const commitHeight = Math.max(0, height - 1);
  return {
    block_id: { hash, parts: { total: 1, hash } },
    block: {
      header: { chain_id: chainId, height: String(height), time },
      data: { txs: [] },
      last_commit: {
        height: String(commitHeight),
        round: 0,
        signatures:
          commitHeight === 0
            ? []
            : signers.map((address) => ({
                block_id_flag: 2,
                validator_address: address,
                timestamp: time,
                signature: createHash('sha512').update(`${address}/${commitHeight}`).digest('base64'),
              })),
      },
    },
  };
}
