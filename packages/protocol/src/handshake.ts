import crypto from 'node:crypto';

/**
 * The mutual handshake (DESIGN invariant 6): hello{agentId, versions, agentNonce} →
 * challenge{version, cpNonce, cpSignature} → proof{signature} → welcome. Both signatures cover one
 * transcript that binds both fresh nonces, the agent id, the negotiated version and the SHA-256 of the
 * TLS certificate the agent actually sees, plus the signer's role:
 *  - a recorded handshake cannot be replayed (the other side's nonce is new each time);
 *  - it cannot be relayed through another TLS endpoint (the certificate hash differs);
 *  - one side's signature cannot be reflected as the other's (the role is part of the transcript).
 */
export type Signer = 'agent' | 'control-plane';

export interface Transcript {
  agentId: string;
  version: number;
  agentNonce: string;
  cpNonce: string;
  /** Hex SHA-256 of the DER TLS certificate of the control plane; "plain-ws" only in development mode. */
  tlsCertSha256: string;
}

export function transcriptBytes(signer: Signer, t: Transcript): Buffer {
  return Buffer.from(
    ['gnm-handshake', `v${t.version}`, signer, t.agentId, t.agentNonce, t.cpNonce, t.tlsCertSha256].join(
      '\n',
    ),
  );
}

export function newNonce(): string {
  return crypto.randomBytes(32).toString('base64');
}

export interface Identity {
  publicKey: string; // raw 32 bytes, base64
  privateKey: crypto.KeyObject;
}

export function newIdentity(): Identity {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  return { publicKey: rawPublicKey(publicKey), privateKey };
}

export function rawPublicKey(k: crypto.KeyObject): string {
  return Buffer.from(k.export({ format: 'der', type: 'spki' }).subarray(-32)).toString('base64');
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Parsed keys of recent peers. Building a KeyObject costs about as much as checking the signature,
 * and peers come back with the same key on every reconnect; bounded so junk keys cannot grow it.
 */
const keyObjects = new Map<string, crypto.KeyObject>();
const KEY_OBJECTS_MAX = 1024;

export function publicKeyObject(raw: string): crypto.KeyObject {
  const known = keyObjects.get(raw);
  if (known) return known;
  const key = crypto.createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(raw, 'base64')]),
    format: 'der',
    type: 'spki',
  });
  if (keyObjects.size >= KEY_OBJECTS_MAX) keyObjects.clear();
  keyObjects.set(raw, key);
  return key;
}

/** Identity fingerprint shown in install commands and pinned by agents: sha256 of the raw public key. */
export function fingerprint(publicKey: string): string {
  return crypto.createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('hex');
}

export function signTranscript(signer: Signer, t: Transcript, key: crypto.KeyObject): string {
  return crypto.sign(null, transcriptBytes(signer, t), key).toString('base64');
}

export function verifyTranscript(
  signer: Signer,
  t: Transcript,
  signature: string,
  publicKey: string,
): boolean {
  try {
    return crypto.verify(
      null,
      transcriptBytes(signer, t),
      publicKeyObject(publicKey),
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}
