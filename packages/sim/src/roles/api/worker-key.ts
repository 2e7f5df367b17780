import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The ML worker's ed25519 key that the real DAPI keeps in its database and serves, private part
 * included, in `/admin/v1/config` (`ml_node_key_config`). The sim makes one on first use and keeps it
 * in its home (0600), so tests can check that this secret never leaves the host.
 */
export interface WorkerKey {
  worker_public: string;
  worker_private: string;
}

const isWorkerKey = (v: unknown): v is WorkerKey =>
  typeof v === 'object' &&
  v !== null &&
  'worker_public' in v &&
  typeof v.worker_public === 'string' &&
  'worker_private' in v &&
  typeof v.worker_private === 'string';

export function workerKeyAt(dapiHome: string): WorkerKey {
  const file = path.join(dapiHome, 'ml-node-key.json');
  let kept: unknown;
  try {
    kept = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    kept = undefined;
  }
  if (isWorkerKey(kept)) return kept;
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  // Go's ed25519 private key is seed || public key, base64.
  const key = {
    worker_public: pub.toString('base64'),
    worker_private: Buffer.concat([seed, pub]).toString('base64'),
  };
  fs.mkdirSync(dapiHome, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(key), { mode: 0o600 });
  return key;
}
