import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGpuQuery, parseTopology } from './gpus.js';

const PROFILES = path.resolve(import.meta.dirname, '../../../sim/nvidia-smi/profiles');
const read = (p: string, f: string) => fs.readFileSync(path.join(PROFILES, p, f), 'utf8');

describe('nvidia-smi parsers on real captures', () => {
  it('reads the GPUs of an 8×H100 SXM machine', () => {
    const gpus = parseGpuQuery(read('h100-sxm-8x', 'gpus.csv'));
    expect(gpus).toHaveLength(8);
    expect(gpus[0]).toEqual({
      index: 0,
      name: 'NVIDIA H100 80GB HBM3',
      memoryMiB: 81559,
      driverVersion: '565.57.01',
      pciBusId: '00000000:18:00.0',
      computeCapability: '9.0',
    });
  });
  it('reads every captured profile', () => {
    for (const p of fs.readdirSync(PROFILES)) {
      const gpus = parseGpuQuery(read(p, 'gpus.csv'));
      expect(gpus.length, p).toBeGreaterThan(0);
      expect(new Set(gpus.map((g) => g.index)).size, p).toBe(gpus.length);
    }
  });
  it('sees full NVLink on SXM machines and none on consumer cards', () => {
    expect(parseTopology(read('h100-sxm-8x', 'topo-m.txt'))).toEqual({
      gpus: 8,
      nvlinkPairs: 28,
      allPairsNvlink: true,
    });
    expect(parseTopology(read('rtx3090-2x', 'topo-m.txt'))).toEqual({
      gpus: 2,
      nvlinkPairs: 0,
      allPairsNvlink: false,
    });
  });
  it('refuses output it does not understand instead of guessing', () => {
    expect(() => parseGpuQuery('0, NVIDIA H100, lots, 565, bus')).toThrow(/5 fields/);
    expect(() => parseGpuQuery('x, NVIDIA H100, 81559, 565.57.01, 00000000:18:00.0, 9.0')).toThrow(
      /not understood/,
    );
  });
});
