import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalize } from '@tufjs/canonical-json';
import { Key, Signature } from '@tufjs/models';

export const ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type RoleName = (typeof ROLES)[number];

/** An Ed25519 TUF signing key (private part present only where the holder keeps it). */
export interface SigningKey {
  keyId: string;
  role: RoleName;
  publicHex: string;
  privatePem?: string;
}

/** TUF key id: sha256 of the canonical JSON of the public key object (TUF spec §4.2). */
function keyIdOf(publicHex: string): string {
  const obj = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: publicHex } };
  return crypto.createHash('sha256').update(canonicalize(obj)).digest('hex');
}

export function generateKey(role: RoleName): SigningKey {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const publicHex = Buffer.from(raw).toString('hex');
  return {
    keyId: keyIdOf(publicHex),
    role,
    publicHex,
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

export function tufKey(k: SigningKey): Key {
  return new Key({ keyID: k.keyId, keyType: 'ed25519', scheme: 'ed25519', keyVal: { public: k.publicHex } });
}

/** A signer for Metadata.sign: Ed25519 over the canonical bytes tuf-js hands over. */
export function signerOf(k: SigningKey): (data: Buffer) => Signature {
  if (!k.privatePem)
    throw new Error(`the private part of ${k.role} key ${k.keyId.slice(0, 12)} is not available here`);
  const priv = crypto.createPrivateKey(k.privatePem);
  return (data: Buffer) =>
    new Signature({ keyID: k.keyId, sig: crypto.sign(null, data, priv).toString('hex') });
}

/**
 * A key directory: `<role>-<keyid12>.pub.json` (public) and `<role>-<keyid12>.key.pem` (private, 0600).
 * Offline keys (root, targets) live on the release authority's offline machine; only the online
 * keys (snapshot, timestamp) are ever copied to the control plane.
 */
export function writeKey(dir: string, k: SigningKey): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const base = path.join(dir, `${k.role}-${k.keyId.slice(0, 12)}`);
  fs.writeFileSync(
    `${base}.pub.json`,
    `${JSON.stringify({ keyid: k.keyId, role: k.role, keytype: 'ed25519', public: k.publicHex }, null, 2)}\n`,
  );
  if (k.privatePem) fs.writeFileSync(`${base}.key.pem`, k.privatePem, { mode: 0o600 });
}

export function readKeys(dir: string, role?: RoleName): SigningKey[] {
  if (!fs.existsSync(dir)) throw new Error(`key directory ${dir} does not exist`);
  const out: SigningKey[] = [];
  for (const f of fs
    .readdirSync(dir)
    .filter((x) => x.endsWith('.pub.json'))
    .sort()) {
    const pub = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as {
      keyid: string;
      role: RoleName;
      public: string;
    };
    if (role && pub.role !== role) continue;
    const pem = path.join(dir, f.replace(/\.pub\.json$/, '.key.pem'));
    out.push({
      keyId: pub.keyid,
      role: pub.role,
      publicHex: pub.public,
      privatePem: fs.existsSync(pem) ? fs.readFileSync(pem, 'utf8') : undefined,
    });
  }
  return out;
}
