import { z } from 'zod';

/**
 * Parsers for nvidia-smi output (pure; tested on real captures in packages/sim/nvidia-smi/profiles,
 * each with its origin in PROFILE.md).
 *
 * `nvidia-smi --query-gpu=index,name,memory.total,driver_version,pci.bus_id,compute_cap
 *  --format=csv,noheader,nounits` → one line per GPU.
 */
export const QUERY_FIELDS = 'index,name,memory.total,driver_version,pci.bus_id,compute_cap';

export const Gpu = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  memoryMiB: z.number().int().positive(),
  driverVersion: z.string(),
  pciBusId: z.string(),
  computeCapability: z.string(),
});
export type Gpu = z.infer<typeof Gpu>;

export class GpuParseError extends Error {
  override name = 'GpuParseError';
}

export function parseGpuQuery(csv: string): Gpu[] {
  return csv
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line, i) => {
      const f = line.split(',').map((x) => x.trim());
      if (f.length !== 6)
        throw new GpuParseError(`nvidia-smi line ${i + 1} has ${f.length} fields, 6 expected: ${line}`);
      const [index, name, mem, driver, bus, cc] = f as [string, string, string, string, string, string];
      const r = Gpu.safeParse({
        index: Number(index),
        name,
        memoryMiB: Number(mem),
        driverVersion: driver,
        pciBusId: bus,
        computeCapability: cc,
      });
      if (!r.success) throw new GpuParseError(`nvidia-smi line ${i + 1} is not understood: ${line}`);
      return r.data;
    });
}

/** `nvidia-smi topo -m`: which GPU pairs are joined by NVLink (NV<n>) rather than PCIe paths. */
export interface Topology {
  gpus: number;
  /** Number of NVLink links between each GPU pair, 0 when the pair talks over PCIe/SYS. */
  nvlinkPairs: number;
  allPairsNvlink: boolean;
}

export function parseTopology(text: string): Topology {
  const rows = text
    .split('\n')
    .filter((l) => /^GPU\d+\s/.test(l))
    .map((l) => l.trim().split(/\s+/));
  const n = rows.length;
  let nv = 0;
  for (const [i, row] of rows.entries()) {
    for (let j = 0; j < n; j++) {
      if (j <= i) continue;
      if (/^NV\d+$/.test(row[j + 1] ?? '')) nv++;
    }
  }
  const pairs = (n * (n - 1)) / 2;
  return { gpus: n, nvlinkPairs: nv, allPairsNvlink: n > 1 && nv === pairs };
}
