import crypto from 'node:crypto';
import { generateMnemonic } from '@scure/bip39';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { wordlist as french } from '@scure/bip39/wordlists/french.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { coldKeyRefusal, valueTypes } from './cold-key-check.js';
import { Registry } from './registry.js';

const ctx = () => ({
  emit: () => {},
  signal: new AbortController().signal,
  deadline: new Date(Date.now() + 60_000),
  opId: 'op_12345678',
});
const req = (op: string, params: unknown) => ({
  type: 'op.request' as const,
  opId: 'op_12345678',
  op,
  params,
  deadline: new Date().toISOString(),
});
const apply = (values: Record<string, unknown>) => ({
  bundle: 'gonka-join',
  version: '1.0.0',
  role: 'network',
  values,
});

/**
 * The agent checks again what the control plane should already have refused: the control plane may
 * be compromised, and a value that reaches config.env or node-config.json sits on the host's disk.
 */
describe('the agent refuses cold-key material in any operation, before running it', () => {
  let ran = 0;
  const registry = new Registry({
    'stack.apply': {
      result: z.object({}),
      run: async () => {
        ran++;
        return {};
      },
    },
  });

  it('refuses a mnemonic, a split phrase or a raw key among the values, naming the field only', async () => {
    const phrase = generateMnemonic(english, 256);
    const w = generateMnemonic(french, 128).split(' ');
    const key = `0X${crypto.randomBytes(32).toString('hex').toUpperCase()}`;
    for (const values of [
      { NOTES: phrase },
      { A: w.slice(0, 4).join(' '), B: w.slice(4).join(', ') },
      { ML_NODES: [{ id: 'n1', models: { 'a/b': { args: ['--x', key] } } }] },
    ]) {
      const r = await registry.execute(req('stack.apply', apply(values)), ctx());
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe('cold-key-refused');
      expect(r.error.message).not.toContain(phrase.slice(0, 16));
      expect(r.error.message).not.toContain(key.slice(0, 16));
    }
    expect(ran).toBe(0);
  });

  it('runs the operation with public values', async () => {
    const before = ran;
    const r = await registry.execute(
      req('stack.apply', apply({ ACCOUNT_PUBKEY: 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd' })),
      ctx(),
    );
    expect(r.ok).toBe(true);
    expect(ran).toBe(before + 1);
  });
});

describe('the values of a release, checked again before rendering', () => {
  const manifest = {
    parameters: {
      ACCOUNT_PUBKEY: { kind: 'pubkey' as const, description: 'the account public key', required: false },
      NOTES: { kind: 'string' as const, description: 'free text', required: false },
    },
  };
  it('types the bundle’s pubkey parameters and refuses a key among the others, naming the field only', () => {
    expect(valueTypes(manifest)).toEqual({ ACCOUNT_PUBKEY: 'account-pubkey' });
    const key = crypto.randomBytes(32).toString('base64');
    const said = coldKeyRefusal({ NOTES: key }, { typed: valueTypes(manifest), path: 'values' });
    expect(said).toMatch(/values\.NOTES: .*32 bytes of base64/);
    expect(said).not.toContain(key.slice(0, 16));
    expect(
      coldKeyRefusal(
        { ACCOUNT_PUBKEY: 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd', NOTES: 'gpu node in Frankfurt' },
        { typed: valueTypes(manifest), path: 'values' },
      ),
    ).toBeUndefined();
  });
});
