import crypto from 'node:crypto';
import { entropyToMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { describe, expect, it } from 'vitest';
import { checkAccountPubkey, detectColdKey, findColdKeyMaterial } from './cold-key-guard.js';

const PUBKEY = 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd';
const mnemonic = (bytes: number) => entropyToMnemonic(crypto.randomBytes(bytes), wordlist);

describe('cold-key material is refused, look-alikes pass', () => {
  it('refuses recovery phrases of every standard length with a valid checksum', () => {
    for (const bytes of [16, 20, 24, 28, 32]) {
      const m = mnemonic(bytes);
      expect(detectColdKey(m)?.kind, m).toBe('mnemonic');
      expect(detectColdKey(`  ${m.toUpperCase().replace(/ /g, '\n')} `)?.kind).toBe('mnemonic');
    }
    expect(detectColdKey(mnemonic(32))?.message).toMatch(/24-word recovery phrase/);
  });

  it('lets through BIP-39 words that are not a valid phrase, and ordinary text', () => {
    const words = mnemonic(16).split(' ');
    // The same 12 words with a last word whose checksum bits do not match.
    const badLast = wordlist.find(
      (w) => detectColdKey([...words.slice(0, 11), w].join(' '))?.kind !== 'mnemonic',
    );
    expect(badLast).toBeDefined();
    expect(detectColdKey([...words.slice(0, 11), badLast ?? ''].join(' '))).toBeUndefined();
    expect(detectColdKey(words.slice(0, 11).join(' '))).toBeUndefined(); // 11 words is no phrase
    expect(detectColdKey('my gonka node in frankfurt')).toBeUndefined();
  });

  it('refuses 32-byte keys in hex and base64, armored exports and key files', () => {
    const key = crypto.randomBytes(32);
    expect(detectColdKey(key.toString('hex'))?.kind).toBe('private-key-hex');
    expect(detectColdKey(`0x${key.toString('hex').toUpperCase()}`)?.kind).toBe('private-key-hex');
    expect(detectColdKey(key.toString('base64'))?.kind).toBe('private-key-base64');
    expect(detectColdKey(key.toString('base64url'))?.kind).toBe('private-key-base64');
    expect(
      detectColdKey(
        '-----BEGIN TENDERMINT PRIVATE KEY-----\nkdf: bcrypt\n\nabc\n-----END TENDERMINT PRIVATE KEY-----',
      )?.kind,
    ).toBe('armored-key');
    const pem = crypto
      .generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(detectColdKey(pem)?.kind).toBe('armored-key');
    expect(
      detectColdKey(
        '{"address":"AB","pub_key":{"type":"x","value":"y"},"priv_key":{"type":"tendermint/PrivKeyEd25519","value":"z"}}',
      )?.kind,
    ).toBe('key-file');
  });

  it('lets image digests, public keys, addresses and URLs through', () => {
    const digest = crypto.randomBytes(32).toString('hex');
    for (const ok of [
      `sha256:${digest}`,
      `ghcr.io/product-science/bridge:0.2.14-post3@sha256:${digest}`,
      PUBKEY,
      'gonka1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu',
      'http://203.0.113.7:8000',
      'tcp://node2.gonka.ai:5000',
    ])
      expect(detectColdKey(ok), ok).toBeUndefined();
  });

  it('names the field of each finding in a whole configuration', () => {
    const found = findColdKeyMaterial({
      keyName: 'warm-key',
      accountPubkey: PUBKEY,
      notes: mnemonic(32),
      mlNodes: [{ id: 'n1', args: ['--x', crypto.randomBytes(32).toString('hex')] }],
    });
    expect(found.map((f) => [f.field, f.kind])).toEqual([
      ['notes', 'mnemonic'],
      ['mlNodes.0.args.1', 'private-key-hex'],
    ]);
  });
});

describe('the account public key', () => {
  it('accepts a 33-byte compressed key starting 02 or 03', () => {
    expect(checkAccountPubkey(PUBKEY)).toBeUndefined();
    expect(
      checkAccountPubkey(Buffer.concat([Buffer.from([2]), crypto.randomBytes(32)]).toString('base64')),
    ).toBeUndefined();
  });
  it('says what is wrong otherwise', () => {
    expect(checkAccountPubkey('not base64!')).toMatch(/must be base64/);
    expect(checkAccountPubkey(crypto.randomBytes(32).toString('base64'))).toMatch(
      /32 bytes is the size of a private key/,
    );
    expect(
      checkAccountPubkey(Buffer.concat([Buffer.from([4]), crypto.randomBytes(32)]).toString('base64')),
    ).toMatch(/starts with byte 0x04/);
  });
});
