import { execFileSync } from 'node:child_process';
import { bech32 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { coldKeyCommands, isGonkaAddress, shellQuote } from './cold-key-commands.js';

const WARM = bech32.encode('gonka', bech32.toWords(new Uint8Array(20).fill(7)));
const KEY = Buffer.alloc(32, 9).toString('base64');

describe('cold-key commands', () => {
  it('fills in the grant for the node’s warm key, against the seed’s RPC', () => {
    const [grant, collateral] = coldKeyCommands({
      chainId: 'gonka-mainnet',
      seedApiUrl: 'http://node2.gonka.ai:8000/',
      warmAddress: WARM,
    });
    expect(grant?.argv).toEqual([
      'inferenced',
      'tx',
      'inference',
      'grant-ml-ops-permissions',
      'gonka-account-key',
      WARM,
      '--from',
      'gonka-account-key',
      '--keyring-backend',
      'file',
      '--chain-id',
      'gonka-mainnet',
      '--node',
      'http://node2.gonka.ai:8000/chain-rpc/',
      '--gas',
      '2000000',
    ]);
    expect(grant?.command).toBe(grant?.argv.join(' '));
    expect(collateral?.argv.slice(0, 5)).toEqual([
      'inferenced',
      'tx',
      'collateral',
      'deposit-collateral',
      '10000000000ngonka',
    ]);
  });
  it('adds the fallback registration only with the URL and the consensus key', () => {
    const all = coldKeyCommands({
      chainId: 'gonka-sim',
      seedApiUrl: 'http://10.0.0.2:18000',
      warmAddress: WARM,
      publicUrl: 'http://203.0.113.7:8000',
      consensusKey: KEY,
    });
    expect(all.map((c) => c.id)).toEqual([
      'grant-ml-ops-permissions',
      'deposit-collateral',
      'submit-new-participant',
    ]);
    expect(all[2]?.argv).toContain(KEY);
  });
  it('refuses what is not an address or a URL, and quotes what a shell would read', () => {
    const bad = WARM.slice(0, -1) + (WARM.endsWith('q') ? 'p' : 'q');
    expect(isGonkaAddress(bad)).toBe(false);
    expect(() =>
      coldKeyCommands({ chainId: 'gonka-sim', seedApiUrl: 'http://x:1', warmAddress: bad }),
    ).toThrow(/valid checksum/);
    // A hostile URL, pasted as printed, gives the shell exactly the argument list (nothing runs).
    const c = coldKeyCommands({
      chainId: 'gonka-sim',
      seedApiUrl: "http://x:1/$(id)';`id`",
      warmAddress: WARM,
    })[0];
    if (!c) throw new Error('no command');
    const echoed = execFileSync('sh', ['-c', c.command.replace(/^inferenced /, "printf '%s\\n' ")], {
      encoding: 'utf8',
    });
    expect(echoed.trimEnd().split('\n')).toEqual(c.argv.slice(1));
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
    expect(shellQuote('plain-word_1.2:3')).toBe('plain-word_1.2:3');
  });
  it('the exact lines for a known address, collateral and the fallback', () => {
    const [grant, collateral, fallback] = coldKeyCommands({
      chainId: 'gonka-sim',
      seedApiUrl: 'http://10.0.0.2:18000/chain-rpc/',
      warmAddress: WARM,
      coldKeyName: 'my-cold',
      collateralNgonka: 1_500_000_000n,
      publicUrl: 'http://203.0.113.7:8000',
      consensusKey: KEY,
    });
    const common =
      '--from my-cold --keyring-backend file --chain-id gonka-sim --node http://10.0.0.2:18000/chain-rpc/';
    expect(grant?.command).toBe(
      `inferenced tx inference grant-ml-ops-permissions my-cold ${WARM} ${common} --gas 2000000`,
    );
    expect(collateral?.command).toBe(
      `inferenced tx collateral deposit-collateral 1500000000ngonka ${common}`,
    );
    expect(collateral?.why).toMatch(/= 1\.5 GNK/);
    expect(fallback?.command).toBe(
      `inferenced tx inference submit-new-participant http://203.0.113.7:8000 --validator-key ${KEY} ${common} --timeout-duration 1m --unordered`,
    );
  });
  it('refuses bad inputs with a message that names them', () => {
    const ok = { chainId: 'gonka-sim', seedApiUrl: 'http://x:1', warmAddress: WARM };
    const cosmos = bech32.encode('cosmos', bech32.toWords(new Uint8Array(20).fill(7)));
    expect(() => coldKeyCommands({ ...ok, warmAddress: cosmos })).toThrow(/not a gonka1… address/);
    expect(() => coldKeyCommands({ ...ok, chainId: 'gonka sim' })).toThrow(/chain id "gonka sim"/);
    expect(() => coldKeyCommands({ ...ok, seedApiUrl: 'ftp://x' })).toThrow(
      /seed API "ftp:\/\/x" is not an http\(s\) URL/,
    );
    expect(() => coldKeyCommands({ ...ok, seedApiUrl: 'http://x:1/\nrm -rf ~' })).toThrow(/not an http/);
    expect(() => coldKeyCommands({ ...ok, seedApiUrl: 'http://u:pw@x:1' })).toThrow(/user name or password/);
    expect(() => coldKeyCommands({ ...ok, coldKeyName: 'a b' })).toThrow(/not a key name/);
    expect(() => coldKeyCommands({ ...ok, collateralNgonka: 0 })).toThrow(/more than 0/);
    expect(() => coldKeyCommands({ ...ok, collateralNgonka: 1.5 })).toThrow(/whole number/);
    expect(() => coldKeyCommands({ ...ok, publicUrl: 'http://y:8000', consensusKey: 'not-a-key' })).toThrow(
      /consensus key/,
    );
    // Without both fallback inputs, no fallback (and no error).
    expect(coldKeyCommands({ ...ok, publicUrl: 'http://y:8000' }).map((c) => c.id)).toEqual([
      'grant-ml-ops-permissions',
      'deposit-collateral',
    ]);
  });
  it('a hostile public URL stays one argument in the pasted line', () => {
    const hostile = "http://y:8000/'$(id)'\\`id`;${HOME}|&";
    const c = coldKeyCommands({
      chainId: 'gonka-sim',
      seedApiUrl: 'http://x:1',
      warmAddress: WARM,
      publicUrl: hostile,
      consensusKey: KEY,
    })[2];
    if (!c) throw new Error('no fallback');
    const echoed = execFileSync('sh', ['-c', c.command.replace(/^inferenced /, "printf '%s\\n' ")], {
      encoding: 'utf8',
    });
    expect(echoed.trimEnd().split('\n')).toEqual(c.argv.slice(1));
    expect(c.argv[4]).toBe(hostile);
  });
});
