import { describe, expect, it } from 'vitest';
import {
  fingerprint,
  newIdentity,
  newNonce,
  signTranscript,
  verifyTranscript,
  type Transcript,
} from './handshake.js';

const agent = newIdentity();
const cp = newIdentity();
const base = (): Transcript => ({
  agentId: 'agt_0123456789abcdef',
  version: 1,
  agentNonce: newNonce(),
  cpNonce: newNonce(),
  tlsCertSha256: 'ab'.repeat(32),
});

describe('mutual handshake transcript', () => {
  it('verifies both sides of an honest handshake', () => {
    const t = base();
    expect(
      verifyTranscript('control-plane', t, signTranscript('control-plane', t, cp.privateKey), cp.publicKey),
    ).toBe(true);
    expect(verifyTranscript('agent', t, signTranscript('agent', t, agent.privateKey), agent.publicKey)).toBe(
      true,
    );
  });

  it('refuses a replayed proof: the control plane chose a new nonce', () => {
    const recorded = base();
    const proof = signTranscript('agent', recorded, agent.privateKey);
    expect(verifyTranscript('agent', { ...recorded, cpNonce: newNonce() }, proof, agent.publicKey)).toBe(
      false,
    );
  });

  it('refuses a relayed handshake: the relay shows a different TLS certificate', () => {
    const seenByAgent = { ...base(), tlsCertSha256: 'cd'.repeat(32) };
    const proof = signTranscript('agent', seenByAgent, agent.privateKey);
    expect(
      verifyTranscript('agent', { ...seenByAgent, tlsCertSha256: 'ab'.repeat(32) }, proof, agent.publicKey),
    ).toBe(false);
  });

  it("refuses a signature reflected from the other role, another agent's id, another version or key", () => {
    const t = base();
    const cpSig = signTranscript('control-plane', t, cp.privateKey);
    expect(verifyTranscript('agent', t, cpSig, cp.publicKey)).toBe(false);
    const proof = signTranscript('agent', t, agent.privateKey);
    expect(verifyTranscript('agent', { ...t, agentId: 'agt_ffffffffffffffff' }, proof, agent.publicKey)).toBe(
      false,
    );
    expect(verifyTranscript('agent', { ...t, version: 2 }, proof, agent.publicKey)).toBe(false);
    expect(verifyTranscript('agent', t, proof, newIdentity().publicKey)).toBe(false);
    expect(verifyTranscript('agent', t, 'not-a-signature', agent.publicKey)).toBe(false);
  });

  it('fingerprints are stable hex sha256 of the raw key', () => {
    expect(fingerprint(cp.publicKey)).toMatch(/^[a-f0-9]{64}$/);
    expect(fingerprint(cp.publicKey)).toBe(fingerprint(cp.publicKey));
    expect(fingerprint(cp.publicKey)).not.toBe(fingerprint(agent.publicKey));
  });
});
