import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fingerprint, rawPublicKey } from '@gnm/protocol';
import { writeFileAtomic } from '../util/atomic-file.js';
import { ensurePrivateDir, ensurePrivateFile } from '../util/private-files.js';

/**
 * The control plane's Ed25519 identity (DESIGN invariant 6): made at first start, kept 0600 in the data
 * folder. Agents pin its fingerprint from the install command and check its signature in every
 * handshake, so a server that merely holds the TLS key cannot pass for the control plane.
 */
export interface ControlPlaneIdentity {
  publicKey: string;
  privateKey: crypto.KeyObject;
  /** Hex SHA-256 of the raw public key: the `--cp-fingerprint` pin. */
  fingerprint: string;
}

export function loadOrCreateIdentity(dataDir: string): ControlPlaneIdentity {
  const file = path.join(dataDir, 'identity.key');
  let privateKey: crypto.KeyObject;
  ensurePrivateDir(dataDir);
  if (fs.existsSync(file)) {
    ensurePrivateFile(file);
    try {
      privateKey = crypto.createPrivateKey(fs.readFileSync(file));
    } catch (e) {
      throw new Error(
        `${file} is not a readable private key (${(e as Error).message}): restore it from a backup; deleting it gives the control plane a new identity and every agent must then be re-enrolled`,
        { cause: e },
      );
    }
    if (privateKey.asymmetricKeyType !== 'ed25519')
      throw new Error(`${file} holds a ${privateKey.asymmetricKeyType} key, an Ed25519 key is expected`);
  } else {
    privateKey = crypto.generateKeyPairSync('ed25519').privateKey;
    writeFileAtomic(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), 0o600);
  }
  const publicKey = rawPublicKey(crypto.createPublicKey(privateKey));
  return { publicKey, privateKey, fingerprint: fingerprint(publicKey) };
}
