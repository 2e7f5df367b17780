import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedPool } from '@gnm/testkit/vitest';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../nvidia-smi');
const QUERY = [
  '--query-gpu=index,name,memory.total,driver_version,pci.bus_id,compute_cap',
  '--format=csv,noheader,nounits',
];

describe('sim nvidia-smi on harness hosts', () => {
  const pool = sharedPool();
  const [a, b] = [pool.host('a'), pool.host('b')];
  afterAll(async () => {
    for (const h of [a, b])
      await h.exec('rm', ['-rf', '/usr/local/bin/nvidia-smi', '/usr/local/lib/gnm-sim', '/etc/gnm-sim']);
  });

  it('replays the real captures of the profile each host names, and fails like a driverless machine without one', async () => {
    for (const h of [a, b]) {
      await h.copyIn(DIR, '/usr/local/lib/gnm-sim/nvidia-smi');
      await h.run('ln', ['-sf', '/usr/local/lib/gnm-sim/nvidia-smi/nvidia-smi', '/usr/local/bin/nvidia-smi']);
    }
    const none = await a.exec('nvidia-smi', QUERY);
    expect(none.exitCode).toBe(9);
    expect(none.stdout).toContain("couldn't communicate with the NVIDIA driver");

    await a.writeFile('/etc/gnm-sim/gpu-profile', 'h100-sxm-8x\n');
    await b.writeFile('/etc/gnm-sim/gpu-profile', 'rtx3090-2x\n');
    const qa = (await a.run('nvidia-smi', QUERY)).trim().split('\n');
    const qb = (await b.run('nvidia-smi', QUERY)).trim().split('\n');
    expect(qa).toHaveLength(8);
    expect(qa[0]).toBe('0, NVIDIA H100 80GB HBM3, 81559, 565.57.01, 00000000:18:00.0, 9.0');
    expect(qb).toHaveLength(2);
    expect(qb[1]).toMatch(/^1, NVIDIA GeForce RTX 3090, 24576, /);
    // Whole outputs are the captures themselves, byte for byte.
    expect(await a.run('nvidia-smi', [])).toBe(
      fs.readFileSync(path.join(DIR, 'captures/h100-sxm-8x/default.txt'), 'utf8'),
    );
    expect(await b.run('nvidia-smi', ['topo', '-m'])).toBe(
      fs.readFileSync(path.join(DIR, 'captures/rtx3090-2x-club3090/topo-m.txt'), 'utf8'),
    );
    const bad = await a.exec('nvidia-smi', ['--query-gpu=name,serial', '--format=csv']);
    expect(bad.exitCode).not.toBe(0);
  });
});
