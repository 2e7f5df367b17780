import { describe, expect, it } from 'vitest';
import { blockResult } from './cometbft.js';
import { consensusAddress, newEd25519 } from '../lib/keys.js';

describe('sim CometBFT /block', () => {
  it("carries last_commit with one signature per validator, in CometBFT 0.38's shape", () => {
    const v = newEd25519();
    const addr = consensusAddress(Buffer.from(v.publicKey).toString('base64'));
    const time = '2026-01-01T00:00:05Z';
    const b = blockResult(42, 'AB'.repeat(32), time, 'gonka-sim', [addr]) as {
      block: {
        header: { height: string };
        last_commit: { height: string; round: number; signatures: unknown[] };
      };
    };
    expect(b.block.header.height).toBe('42');
    expect(b.block.last_commit.height).toBe('41');
    expect(b.block.last_commit.round).toBe(0);
    expect(b.block.last_commit.signatures).toEqual([
      { block_id_flag: 2, validator_address: addr, timestamp: time, signature: expect.any(String) as string },
    ]);
    const sig = (b.block.last_commit.signatures[0] as { signature: string }).signature;
    expect(Buffer.from(sig, 'base64').length).toBe(64);
    expect(addr).toMatch(/^[0-9A-F]{40}$/);
    // Block 1 commits nothing (its last_commit is empty).
    const first = blockResult(1, 'AB'.repeat(32), time, 'gonka-sim', [addr]) as {
      block: { last_commit: { signatures: unknown[] } };
    };
    expect(first.block.last_commit.signatures).toEqual([]);
  });
});
