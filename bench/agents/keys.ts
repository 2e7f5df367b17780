import crypto from 'node:crypto';
import { rawPublicKey } from '@gnm/protocol';

/**
 * Deterministic bench identities: agent `i` of a run gets its Ed25519 key, agent id and host id from
 * sha256(seed, role, i), so the seeder (main thread) and the worker holding the agent derive the same
 * values without passing 20,000 private keys around. Keys are real Ed25519 keys; only their origin is
 * deterministic.
 */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const h = (seed: string, role: string, i: number): Buffer =>
  crypto.createHash('sha256').update(`${seed}\n${role}\n${i}`).digest();

export interface BenchIdentity {
  index: number;
  hostId: string;
  agentId: string;
  privateKey: crypto.KeyObject;
}

export function benchIdentity(seed: string, i: number): BenchIdentity {
  const privateKey = crypto.createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, h(seed, 'key', i)]),
    format: 'der',
    type: 'pkcs8',
  });
  return {
    index: i,
    hostId: `hst_${h(seed, 'host', i).toString('hex').slice(0, 20)}`,
    agentId: `agt_${h(seed, 'agent', i).toString('hex').slice(0, 24)}`,
    privateKey,
  };
}

export function benchPublicKey(id: BenchIdentity): string {
  return rawPublicKey(crypto.createPublicKey(id.privateKey));
}

export const hostIdOf = (seed: string, i: number): string =>
  `hst_${h(seed, 'host', i).toString('hex').slice(0, 20)}`;

/** A distinct loopback source address per index (127.<base>.x.y), so no address runs out of ports. */
export function loopbackAddress(base: number, i: number): string {
  return `127.${base + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
}
