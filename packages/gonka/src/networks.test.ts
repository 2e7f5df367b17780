import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NETWORKS, NetworkError, resolveNetwork, seedRpcUrl } from './networks.js';

describe('networks', () => {
  it('mainnet resolves to the template’s seed with no input', () => {
    expect(resolveNetwork('mainnet')).toEqual({
      name: 'mainnet',
      chainId: 'gonka-mainnet',
      seedApiUrl: 'http://node2.gonka.ai:8000',
      seedRpcUrl: 'http://node2.gonka.ai:8000/chain-rpc/',
      seedP2p: 'tcp://node2.gonka.ai:5000',
      stateSyncRpcUrls: ['http://node1.gonka.ai:8000/chain-rpc/', 'http://node2.gonka.ai:8000/chain-rpc/'],
    });
    expect(NETWORKS.mainnet.seedRpcUrls).toContain('https://node3.gonka.ai/chain-rpc/');
  });
  it('the sim’s chain id is the sim genesis’s', () => {
    const genesis = JSON.parse(
      readFileSync(new URL('../../sim/compose/genesis.json', import.meta.url), 'utf8'),
    ) as { chain_id: string };
    expect(NETWORKS.sim.chainId).toBe(genesis.chain_id);
  });
  it('sim and testnet need the operator’s seed, and say which values', () => {
    expect(() => resolveNetwork('sim')).toThrow(NetworkError);
    expect(() => resolveNetwork('testnet')).toThrow(
      /the testnet network has no documented seed: give seedApiUrl .* and seedP2p/,
    );
    expect(() => resolveNetwork('sim', { seedApiUrl: 'http://10.0.0.2:18000' })).toThrow(/give seedP2p/);
    expect(
      resolveNetwork('sim', { seedApiUrl: 'http://10.0.0.2:18000/', seedP2p: 'tcp://10.0.0.2:15000' }),
    ).toEqual({
      name: 'sim',
      chainId: 'gonka-sim',
      seedApiUrl: 'http://10.0.0.2:18000',
      seedRpcUrl: 'http://10.0.0.2:18000/chain-rpc/',
      seedP2p: 'tcp://10.0.0.2:15000',
      stateSyncRpcUrls: ['http://10.0.0.2:18000/chain-rpc/', 'http://10.0.0.2:18000/chain-rpc/'],
    });
  });
  it('another mainnet seed brings its own state-sync RPC; bad values are named', () => {
    expect(resolveNetwork('mainnet', { seedApiUrl: 'http://node1.gonka.ai:8000' }).stateSyncRpcUrls).toEqual([
      'http://node1.gonka.ai:8000/chain-rpc/',
      'http://node1.gonka.ai:8000/chain-rpc/',
    ]);
    expect(() => resolveNetwork('devnet')).toThrow('unknown network "devnet": use mainnet, testnet, sim');
    expect(() =>
      resolveNetwork('sim', { seedApiUrl: 'ftp://x', seedP2p: 'x:5000', chainId: 'bad id' }),
    ).toThrow(
      'sim: chainId "bad id" is not a chain id; seedApiUrl "ftp://x" is not an http(s) URL; seedRpcUrl',
    );
    expect(() => resolveNetwork('sim', { seedApiUrl: 'http://x:1', seedP2p: 'tcp://x:70000' })).toThrow(
      /seedP2p "tcp:\/\/x:70000" is not tcp:\/\/host:port/,
    );
  });
  it('the RPC path is added once', () => {
    expect(seedRpcUrl('http://x:8000')).toBe('http://x:8000/chain-rpc/');
    expect(seedRpcUrl('http://x:8000/chain-rpc/')).toBe('http://x:8000/chain-rpc/');
  });
});
