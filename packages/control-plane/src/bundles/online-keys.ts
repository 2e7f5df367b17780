import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Root } from '@tufjs/models';
import type { SigningKey } from '@gnm/bundle';
import { BundleRepositoryError } from './errors.js';

export type OnlineRole = 'snapshot' | 'timestamp';

/** An online private key as given (PKCS#8 PEM from `gnm bundle keys init`), identified in the trusted root. */
export interface OnlineKey {
  keyId: string;
  role: OnlineRole;
  publicHex: string;
  privatePem: string;
}

const OFFLINE_HINT =
  'root and targets keys must stay offline (on the release authority\u2019s offline machine): give the control plane only the snapshot-*.key.pem and timestamp-*.key.pem files';

function publicHexOf(pem: string, index: number): { publicHex: string; privatePem: string } {
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(pem);
  } catch {
    throw new BundleRepositoryError(
      'bad-key',
      `key #${index + 1} is not a PEM private key: give the *.key.pem files written by \`gnm bundle keys init\``,
    );
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new BundleRepositoryError(
      'bad-key',
      `key #${index + 1} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; TUF keys of this project are Ed25519 (from \`gnm bundle keys init\`)`,
    );
  const raw = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32);
  return {
    publicHex: Buffer.from(raw).toString('hex'),
    privatePem: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

/** Key ids of the root that hold this public key (normally one). */
function keyIdsOf(root: Root, publicHex: string): string[] {
  return Object.entries(root.keys)
    .filter(([, k]) => k.keyType === 'ed25519' && k.keyVal.public?.toLowerCase() === publicHex)
    .map(([id]) => id);
}

function rolesOf(root: Root, keyId: string): string[] {
  return Object.entries(root.roles)
    .filter(([, r]) => r.keyIDs.includes(keyId))
    .map(([name]) => name);
}

/**
 * Checks private keys against the trusted root: each must be a snapshot or timestamp key of it. A
 * root or targets key is refused (it must stay offline), and so is a key the root does not know.
 */
export function identifyOnlineKeys(pems: string[], root: Root): OnlineKey[] {
  const out = new Map<string, OnlineKey>();
  pems.forEach((pem, i) => {
    const { publicHex, privatePem } = publicHexOf(pem, i);
    const ids = keyIdsOf(root, publicHex);
    const roles = new Set(ids.flatMap((id) => rolesOf(root, id)));
    const offline = [...roles].filter((r) => r === 'root' || r === 'targets');
    if (offline.length > 0) {
      throw new BundleRepositoryError(
        'offline-key',
        `refused: key #${i + 1} (${ids[0]?.slice(0, 12)}) is a ${offline.join(' and ')} key — ${OFFLINE_HINT}. It was not stored`,
      );
    }
    const keyId = ids.find((id) => rolesOf(root, id).length > 0);
    const role = keyId
      ? (rolesOf(root, keyId).find((r) => r === 'snapshot' || r === 'timestamp') as OnlineRole)
      : undefined;
    if (!keyId || !role) {
      throw new BundleRepositoryError(
        'bad-key',
        `key #${i + 1} is not a snapshot or timestamp key of the trusted root (version ${root.version}): give the online keys of this repository (after a key rotation, the new ones)`,
      );
    }
    out.set(keyId, { keyId, role, publicHex, privatePem });
  });
  return [...out.values()];
}

/** Checks a PEM is an Ed25519 private key (used before a root exists to check the keys against). */
export function checkKeyFormat(pems: string[]): void {
  pems.forEach((pem, i) => publicHexOf(pem, i));
}

/**
 * The signers the control plane may use under `root`: keys of the snapshot and timestamp roles only
 * (never one that the root also lists for root or targets), and whether each role's threshold is met.
 */
export function signersFor(
  root: Root,
  keys: OnlineKey[],
): { snapshot: SigningKey[]; timestamp: SigningKey[]; usable: boolean; problem?: string } {
  const pick = (role: OnlineRole): SigningKey[] =>
    keys
      .filter((k) => {
        const roles = rolesOf(root, k.keyId);
        return roles.includes(role) && !roles.includes('root') && !roles.includes('targets');
      })
      .map((k) => ({ keyId: k.keyId, role, publicHex: k.publicHex, privatePem: k.privatePem }));
  const snapshot = pick('snapshot');
  const timestamp = pick('timestamp');
  const need = (role: OnlineRole) => root.roles[role]?.threshold ?? 1;
  const short = (['snapshot', 'timestamp'] as const).filter(
    (r) => (r === 'snapshot' ? snapshot : timestamp).length < need(r),
  );
  return {
    snapshot,
    timestamp,
    usable: short.length === 0,
    ...(short.length
      ? {
          problem: `the online keys do not cover the ${short.join(' and ')} role${short.length > 1 ? 's' : ''} of root version ${root.version} (${short.map((r) => `${r} needs ${need(r)}`).join(', ')}): set the current snapshot and timestamp keys (PUT /api/v1/bundles/online-keys or GNM_TUF_ONLINE_KEYS_DIR)`,
        }
      : {}),
  };
}

/** Reads the private keys of a key folder (`*.key.pem`), as `gnm bundle keys init` writes them. */
export function readKeyDir(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new BundleRepositoryError('bad-key', `GNM_TUF_ONLINE_KEYS_DIR: ${dir} is not a folder`);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.key.pem'))
    .sort();
  if (files.length === 0)
    throw new BundleRepositoryError(
      'bad-key',
      `GNM_TUF_ONLINE_KEYS_DIR: no *.key.pem file in ${dir}: copy the snapshot-*.key.pem and timestamp-*.key.pem files there`,
    );
  return files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
}
