import crypto from 'node:crypto';
import { z } from 'zod';
import { printableName } from './printable-name.js';
import { AgentId, Ed25519PublicKey, Ed25519Signature } from './messages.js';
import { publicKeyObject } from './handshake.js';

/**
 * Enrollment: the agent, holding a one-time token from the install command, sends its freshly made
 * Ed25519 public key over HTTPS (after checking the control plane's TLS key pin). It signs the token,
 * its key and the hash of the TLS certificate it sees, proving it holds the private key and binding the
 * request to that TLS connection: a request relayed through another TLS endpoint does not verify.
 */
export const EnrollmentToken = z
  .string()
  .regex(/^gnm-enroll-[A-Za-z0-9_-]{32,64}$/, 'enrollment tokens look like gnm-enroll-<43 characters>');

export const EnrollRequest = z.strictObject({
  token: EnrollmentToken,
  publicKey: Ed25519PublicKey,
  proof: Ed25519Signature,
  agentVersion: printableName(64),
  hostname: printableName(253),
});
export type EnrollRequest = z.infer<typeof EnrollRequest>;

export const EnrollResponse = z.strictObject({
  agentId: AgentId,
  hostId: z.string(),
  hostName: z.string(),
  /** The control plane's identity key; its fingerprint must equal the pin of the install command. */
  cpPublicKey: Ed25519PublicKey,
});
export type EnrollResponse = z.infer<typeof EnrollResponse>;

export function enrollmentBytes(token: string, publicKey: string, tlsCertSha256: string): Buffer {
  return Buffer.from(['gnm-enroll', token, publicKey, tlsCertSha256].join('\n'));
}

export function signEnrollment(
  token: string,
  publicKey: string,
  tlsCertSha256: string,
  key: crypto.KeyObject,
): string {
  return crypto.sign(null, enrollmentBytes(token, publicKey, tlsCertSha256), key).toString('base64');
}

export function verifyEnrollment(
  token: string,
  publicKey: string,
  tlsCertSha256: string,
  proof: string,
): boolean {
  try {
    return crypto.verify(
      null,
      enrollmentBytes(token, publicKey, tlsCertSha256),
      publicKeyObject(publicKey),
      Buffer.from(proof, 'base64'),
    );
  } catch {
    return false;
  }
}
