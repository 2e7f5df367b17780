import { describe, expect, it } from 'vitest';
import {
  initialForm,
  looksLikeColdKey,
  reviewRows,
  toConfig,
  validate,
  withRecommendation,
} from './deploy-form';
import type { Recommendation } from './recommendation';

const PUBKEY = 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd';
const rec: Recommendation = {
  viable: true,
  model: 'Qwen/Qwen3-235B-A22B-Instruct-2507-FP8',
  tensorParallelSize: 4,
  instances: 2,
  gpuMemoryUtilization: 0.9,
  maxModelLen: 240000,
  kvCacheDtype: 'fp8',
  maxConcurrent: 500,
  args: ['--tensor-parallel-size', '4'],
  sizeGb: 240,
  mlnodeImage: 'img',
  reasons: [{ field: 'model', value: 'Qwen', reason: 'largest that fits' }],
  notViable: [],
  allowedModels: { source: 'bundle', ids: [] },
};
const filled = () => ({
  ...withRecommendation(initialForm('gpu-01'), rec),
  network: 'sim' as const,
  seedApiUrl: 'http://10.0.0.1:8000',
  seedP2pAddress: 'tcp://10.0.0.1:5000',
  publicHost: '203.0.113.7',
  accountPubkey: PUBKEY,
});

describe('deploy form', () => {
  it('a full node with the recommender’s values is valid and becomes the API configuration', () => {
    const f = filled();
    expect(validate(f)).toEqual({});
    expect(toConfig(f, rec)).toEqual({
      name: 'gpu-01',
      role: 'full',
      network: 'sim',
      publicHost: '203.0.113.7',
      ports: { api: 8000 },
      keyName: 'warm-key',
      hfHome: '/mnt/shared',
      bundle: { name: 'gonka-join' },
      seed: { apiUrl: 'http://10.0.0.1:8000', p2pAddress: 'tcp://10.0.0.1:5000' },
      accountPubkey: PUBKEY,
      serving: { model: rec.model, args: rec.args, maxConcurrent: 500, sizeGb: 240, reasons: rec.reasons },
    });
  });

  it('edited serving values drop the reasons (they no longer describe it)', () => {
    const c = toConfig({ ...filled(), maxConcurrent: '7', args: '--x' }, rec);
    expect(c.serving).toEqual({ model: rec.model, args: ['--x'], maxConcurrent: 7, sizeGb: 240 });
  });

  it('says per field what to enter instead', () => {
    const e = validate({
      ...filled(),
      publicHost: 'http://x:80',
      apiPort: '70000',
      accountPubkey: 'gonka1qurswpc8qurswpc8qurswpc8qurswpc8rxqy8r',
      seedApiUrl: 'ftp://x',
      model: 'nope',
      maxConcurrent: '0',
    });
    expect(Object.keys(e).sort()).toEqual([
      'accountPubkey',
      'apiPort',
      'maxConcurrent',
      'model',
      'publicHost',
      'seedApiUrl',
    ]);
    expect(e.accountPubkey).toMatch(/not the address/);
    expect(e.publicHost).toMatch(/without http/);
  });

  it('refuses a recovery phrase or a private key in any field', () => {
    const phrase =
      'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title';
    expect(looksLikeColdKey(phrase)).toBe(true);
    expect(looksLikeColdKey('a'.repeat(64))).toBe(true);
    expect(looksLikeColdKey(PUBKEY)).toBe(false);
    expect(validate({ ...filled(), name: phrase }).name).toMatch(/Never paste your cold key/);
  });

  it('a network node needs no model; an ML node needs no account key', () => {
    expect(validate({ ...filled(), role: 'network', model: '' })).toEqual({});
    expect(toConfig({ ...filled(), role: 'network' }, rec).serving).toBeUndefined();
    expect(validate({ ...filled(), role: 'mlnode', accountPubkey: '' })).toEqual({});
    expect(toConfig({ ...filled(), role: 'mlnode' }, rec).accountPubkey).toBeUndefined();
  });

  it('the review shows the derived public URL and P2P address', () => {
    const rows = Object.fromEntries(
      reviewRows({ ...filled(), apiExternalPort: '18000' }).map((r) => [r.label, r.value]),
    );
    expect(rows['Public URL']).toBe('http://203.0.113.7:18000');
    expect(rows['P2P address']).toBe('tcp://203.0.113.7:5000');
    expect(rows.Model).toBe(rec.model);
  });
  it('advanced: another bundle and further parameters as NAME=value lines; bad lines refused', () => {
    const f = {
      ...initialForm('gpu-01'),
      bundleName: 'gonka-join-sim',
      extraValues: 'SIM_GPUS=8xNVIDIA H200:143771\n\nDISABLE_FAIL2BAN=true',
    };
    expect(validate(f).extraValues).toBeUndefined();
    const c = toConfig(f, null);
    expect(c.bundle).toEqual({ name: 'gonka-join-sim' });
    expect(c.extraValues).toEqual({ SIM_GPUS: '8xNVIDIA H200:143771', DISABLE_FAIL2BAN: 'true' });
    expect(validate({ ...f, extraValues: 'lower=case' }).extraValues).toMatch(/NAME=value/);
    expect(validate({ ...f, extraValues: 'NO_EQUALS_SIGN' }).extraValues).toMatch(/NAME=value/);
    expect(validate({ ...f, bundleName: 'Bad Name' }).bundleName).toMatch(/bundle name/);
  });
});
