import { describe, expect, it } from 'vitest';
import {
  AllowedModelsError,
  allowedModelsFrom,
  BUNDLE_FALLBACK_MODELS,
  fetchAllowedModels,
} from './allowed-models.js';
import { nodeConfigEntry, NodeConfigEntryError } from './node-config-entry.js';

const body = {
  models: [
    {
      proposed_by: 'gonka1…',
      id: 'moonshotai/Kimi-K2.6',
      hf_repo: 'moonshotai/Kimi-K2.6',
      hf_commit: '9a8b7c',
      model_args: ['--tensor-parallel-size', '8'],
      v_ram: '640',
      validation_threshold: { value: 90, exponent: -2 },
    },
    { id: 'MiniMaxAI/MiniMax-M2.7', v_ram: 320 },
    { id: 'MiniMaxAI/MiniMax-M2.7' },
  ],
};

describe('allowedModelsFrom', () => {
  it('reads /v1/models (numbers as strings too, unknown keys allowed, duplicates once)', () => {
    expect(allowedModelsFrom(body)).toEqual([
      {
        id: 'moonshotai/Kimi-K2.6',
        hfRepo: 'moonshotai/Kimi-K2.6',
        hfCommit: '9a8b7c',
        modelArgs: ['--tensor-parallel-size', '8'],
      },
      { id: 'MiniMaxAI/MiniMax-M2.7' },
    ]);
    expect(allowedModelsFrom({ models: null })).toEqual([]);
  });

  it('accepts a plain list of ids (a bundle’s list)', () => {
    expect(allowedModelsFrom(['a/b', 'a/b', 'c/d'])).toEqual([{ id: 'a/b' }, { id: 'c/d' }]);
  });

  it('refuses what is not a models answer, naming the problem', () => {
    expect(() => allowedModelsFrom({ data: [] })).toThrow(AllowedModelsError);
    expect(() => allowedModelsFrom({ models: [{ name: 'x' }] })).toThrow(/models\.0\.id/);
  });
});

describe('fetchAllowedModels', () => {
  const answer = (status: number, json: unknown) => () =>
    Promise.resolve(new Response(JSON.stringify(json), { status }));

  it('reads the live list', async () => {
    const r = await fetchAllowedModels('http://seed:8000/', { fetchImpl: answer(200, body) });
    expect(r.source).toBe('live');
    expect(r.models.map((m) => m.id)).toEqual(['moonshotai/Kimi-K2.6', 'MiniMaxAI/MiniMax-M2.7']);
  });

  it('falls back to the bundle’s list with a fixed reason, never what the far side said', async () => {
    const down = await fetchAllowedModels('http://seed:8000', { fetchImpl: answer(503, {}) });
    expect(down).toEqual({
      source: 'bundle',
      models: BUNDLE_FALLBACK_MODELS.map((id) => ({ id })),
      fallbackReason: 'http-status 5xx',
    });
    const odd = await fetchAllowedModels('http://seed:8000', {
      fetchImpl: answer(200, { unexpected: true }),
      bundleModels: ['x/y'],
    });
    expect(odd.models).toEqual([{ id: 'x/y' }]);
    expect(odd.fallbackReason).toBe('bad-answer');
    const labelled = await fetchAllowedModels('http://seed:8000', {
      fetchImpl: () =>
        Promise.reject(Object.assign(new Error('secret body'), { label: 'refused-by-policy' })),
    });
    expect(labelled.fallbackReason).toBe('refused-by-policy');
    const refused = await fetchAllowedModels('http://127.0.0.1:1', { timeoutMs: 2000 });
    expect(refused.source).toBe('bundle');
    expect(refused.fallbackReason).toBe('connect-failed');
  });
});

describe('nodeConfigEntry', () => {
  const rec = { model: 'm/x', args: ['--tensor-parallel-size', '2'], maxConcurrent: 500 };
  it('writes the reference §3 shape, with the official defaults for the ML node beside the network node', () => {
    expect(nodeConfigEntry(rec)).toEqual({
      id: 'node1',
      host: 'inference',
      inference_port: 5000,
      poc_port: 8080,
      max_concurrent: 500,
      models: { 'm/x': { args: ['--tensor-parallel-size', '2'] } },
    });
    expect(
      nodeConfigEntry(rec, { id: 'gpu-07', host: '10.0.0.21', inferencePort: 5050, pocPort: 8080 }),
    ).toMatchObject({
      id: 'gpu-07',
      host: '10.0.0.21',
      inference_port: 5050,
    });
  });
  it('refuses a host with a scheme and ports out of range', () => {
    expect(() => nodeConfigEntry(rec, { host: 'http://10.0.0.21' })).toThrow(NodeConfigEntryError);
    expect(() => nodeConfigEntry(rec, { host: 'http://10.0.0.21' })).toThrow(/without scheme or port/);
    expect(() => nodeConfigEntry(rec, { pocPort: 70000 })).toThrow(/pocPort: 70000 is not a port/);
  });
});
