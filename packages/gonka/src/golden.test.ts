import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_SCHEMAS, goldenDir, loadGolden } from './golden.js';
import { shapeDiff } from './shape.js';
import { EpochsLatest } from './schemas/public.js';
import { CometStatus } from './schemas/cometbft.js';

const files = fs.readdirSync(goldenDir).filter((f) => f.endsWith('.json'));

describe('golden samples of the reference', () => {
  it('every golden file has a lenient schema, and every schema entry a file', () => {
    expect(files.sort()).toEqual(Object.keys(GOLDEN_SCHEMAS).sort());
  });

  it.each(files)('%s cites a section and parses with its lenient schema', (f) => {
    const g = loadGolden(f);
    expect(g.source).toMatch(/§\d/);
    const schema = GOLDEN_SCHEMAS[f];
    if (!schema) throw new Error(`no schema for ${f}`);
    const r = schema.safeParse(g.sample);
    expect(r.success ? [] : r.error.issues).toEqual([]);
  });

  it('accepts unknown keys (real releases add fields) and v0.2.15 string numbers', () => {
    const g = loadGolden('public-epochs-latest.json');
    const withExtra = { ...(g.sample as object), brand_new_field: { x: 1 } };
    expect(EpochsLatest.safeParse(withExtra).success).toBe(true);
    const v15 = EpochsLatest.parse(loadGolden('public-epochs-latest-v0215.json').sample);
    const v14 = EpochsLatest.parse(g.sample);
    expect(typeof v15.epoch_params.epoch_length).toBe('number');
    expect(v15.epoch_params.epoch_length).toBe(v14.epoch_params.epoch_length);
    const st = CometStatus.parse(loadGolden('cometbft-status.json').sample);
    expect(typeof st.result.sync_info.latest_block_height).toBe('number');
  });

  it('still refuses what is wrong, not just unknown', () => {
    const g = loadGolden('cometbft-status.json').sample as { result: { sync_info: Record<string, unknown> } };
    const bad = structuredClone(g);
    bad.result.sync_info.catching_up = 'no';
    expect(CometStatus.safeParse(bad).success).toBe(false);
    bad.result.sync_info.catching_up = false;
    bad.result.sync_info.latest_block_height = 'twelve';
    expect(CometStatus.safeParse(bad).success).toBe(false);
  });
});

describe('strict shape derived from a sample', () => {
  const sample = {
    a: 1,
    b: 'x',
    list: [{ id: 'n1', w: 2 }, { id: 'n2' }],
    models: { 'org/m': { args: ['--x'] } },
  };
  const dyn = { dynamicKeys: ['models'] };

  it('matches the sample itself and values of the same shape', () => {
    expect(shapeDiff(sample, sample)).toEqual([]);
    expect(shapeDiff(sample, { a: 5, b: 'y', list: [], models: {} }, dyn)).toEqual([]);
  });

  it('reports invented keys, missing keys and wrong types with their paths', () => {
    expect(shapeDiff(sample, { ...sample, extra: true })).toEqual(['extra: not in the reference sample']);
    expect(shapeDiff(sample, { b: 'x', list: [], models: {} }, dyn)).toEqual(['a: missing']);
    expect(shapeDiff(sample, { ...sample, a: '1' })).toEqual(['a: expected number, got string']);
    expect(shapeDiff(sample, { ...sample, list: [{ id: 3 }] })).toEqual([
      'list[].id: expected string, got number',
    ]);
  });

  it('checks values of dynamic-key objects against the sample values', () => {
    const opts = { dynamicKeys: ['models'] };
    expect(shapeDiff(sample, { ...sample, models: { 'other/model': { args: [] } } }, opts)).toEqual([]);
    expect(shapeDiff(sample, { ...sample, models: { 'other/model': { args: 'x' } } }, opts)).toEqual([
      'models.*.args: expected array, got string',
    ]);
  });

  it('treats an empty sample object as a shape the reference does not give', () => {
    expect(shapeDiff({ node_version: {} }, { node_version: { version: '1' } })).toEqual([]);
  });

  it('honours optional keys of the golden file', () => {
    expect(shapeDiff(sample, { b: 'x', list: [], models: {} }, { ...dyn, optionalKeys: ['a'] })).toEqual([]);
  });
});
