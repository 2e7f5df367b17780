/**
 * What the recommender knows about GPU models. The agent's probe reports each GPU as nvidia-smi names
 * it (`name`, `memory.total` in MiB, `compute_cap`), so lookups go by those strings; an unknown name
 * still gets an architecture from its compute capability, so a new card is judged by its memory
 * rather than refused.
 */

/** One GPU as the agent's probe reports it (packages/agent/src/probes/gpus.ts). */
export interface ProbedGpu {
  name: string;
  memoryMiB: number;
  computeCapability: string;
}

export type Architecture = 'ampere' | 'ada' | 'hopper' | 'blackwell' | 'unknown';

/**
 * GPU classes that have official Gonka node-config profiles (`deploy/join/node-config-<model>-<class>.json`).
 * Cards outside these classes are served by arithmetic from their architecture's nearest profile.
 */
export type ProfileClass = 'A100-80' | 'H100' | 'H200' | 'B200' | 'B300';

export interface GpuSpec {
  /** Short name for reasons: "H100 80GB". */
  label: string;
  architecture: Architecture;
  /** Major.minor as nvidia-smi prints it. */
  computeCapability: string;
  /** Hardware FP8 tensor cores (Ada, Hopper, Blackwell: compute capability 8.9 and up). */
  fp8: boolean;
  /** Hardware FP4 (NVFP4/MXFP4) tensor cores: Blackwell only. */
  fp4: boolean;
  /** Data-centre boards are sold as NVLink/NVSwitch systems; consumer cards are PCIe-only. */
  nvlinkTypical: boolean;
  profileClass?: ProfileClass;
}

interface CatalogEntry extends Omit<GpuSpec, 'label'> {
  /** Omitted for a family of cards: the nvidia-smi name then labels the card ("GeForce RTX 4090"). */
  label?: string;
  /** Matched against the nvidia-smi name, case-insensitively. */
  match: RegExp;
  /** Told apart by memory where one name pattern covers two boards (A100 40GB / 80GB). */
  minMiB?: number;
  maxMiB?: number;
}

// Names as nvidia-smi prints them (packages/sim/nvidia-smi/profiles/*/gpus.csv; B300 from published
// captures: "NVIDIA B300 SXM6 AC", 275040 MiB, 10.3). Order matters: the first match wins.
const CATALOG: CatalogEntry[] = [
  {
    match: /\bB300\b/i,
    label: 'B300',
    architecture: 'blackwell',
    computeCapability: '10.3',
    fp8: true,
    fp4: true,
    nvlinkTypical: true,
    profileClass: 'B300',
  },
  {
    match: /\bB200\b/i,
    label: 'B200',
    architecture: 'blackwell',
    computeCapability: '10.0',
    fp8: true,
    fp4: true,
    nvlinkTypical: true,
    profileClass: 'B200',
  },
  {
    match: /RTX 5090|RTX PRO 6000 Blackwell/i,
    architecture: 'blackwell',
    computeCapability: '12.0',
    fp8: true,
    fp4: true,
    nvlinkTypical: false,
  },
  {
    match: /\bH200\b/i,
    label: 'H200',
    architecture: 'hopper',
    computeCapability: '9.0',
    fp8: true,
    fp4: false,
    nvlinkTypical: true,
    profileClass: 'H200',
  },
  {
    match: /\bH100\b/i,
    label: 'H100',
    architecture: 'hopper',
    computeCapability: '9.0',
    fp8: true,
    fp4: false,
    nvlinkTypical: true,
    profileClass: 'H100',
  },
  {
    match: /\bA100\b/i,
    minMiB: 60_000,
    label: 'A100 80GB',
    architecture: 'ampere',
    computeCapability: '8.0',
    fp8: false,
    fp4: false,
    nvlinkTypical: true,
    profileClass: 'A100-80',
  },
  {
    match: /\bA100\b/i,
    maxMiB: 60_000,
    label: 'A100 40GB',
    architecture: 'ampere',
    computeCapability: '8.0',
    fp8: false,
    fp4: false,
    nvlinkTypical: true,
  },
  {
    match: /RTX 4090|RTX 4080|RTX 6000 Ada|\bL40S?\b|\bL4\b/i,
    architecture: 'ada',
    computeCapability: '8.9',
    fp8: true,
    fp4: false,
    nvlinkTypical: false,
  },
  {
    match: /RTX 3090|RTX 3080|RTX A6000|\bA40\b/i,
    architecture: 'ampere',
    computeCapability: '8.6',
    fp8: false,
    fp4: false,
    nvlinkTypical: false,
  },
];

export function architectureOf(computeCapability: string): Architecture {
  const cc = Number(computeCapability);
  if (!Number.isFinite(cc)) return 'unknown';
  if (cc >= 10) return 'blackwell';
  if (cc >= 9) return 'hopper';
  if (cc >= 8.9) return 'ada';
  if (cc >= 8) return 'ampere';
  return 'unknown';
}

/** Compute capability as a number (8.9 → 8.9); NaN-safe: unparseable counts as 0. */
export function ccNumber(computeCapability: string): number {
  const n = Number(computeCapability);
  return Number.isFinite(n) ? n : 0;
}

/** Facts for one probed GPU; the probe's compute capability wins over the catalog's when both exist. */
export function gpuSpec(gpu: ProbedGpu): GpuSpec {
  const e = CATALOG.find(
    (c) =>
      c.match.test(gpu.name) &&
      (c.minMiB === undefined || gpu.memoryMiB >= c.minMiB) &&
      (c.maxMiB === undefined || gpu.memoryMiB < c.maxMiB),
  );
  const cc = gpu.computeCapability || e?.computeCapability || '0';
  const arch = architectureOf(cc);
  if (e) {
    return {
      label: e.label ?? nameLabel(gpu.name),
      architecture: arch === 'unknown' ? e.architecture : arch,
      computeCapability: cc,
      fp8: e.fp8,
      fp4: e.fp4,
      nvlinkTypical: e.nvlinkTypical,
      ...(e.profileClass ? { profileClass: e.profileClass } : {}),
    };
  }
  const n = ccNumber(cc);
  return {
    label: nameLabel(gpu.name),
    architecture: arch,
    computeCapability: cc,
    fp8: n >= 8.9,
    fp4: n >= 10,
    nvlinkTypical: false,
  };
}

/** "NVIDIA GeForce RTX 4090" → "RTX 4090". */
function nameLabel(name: string): string {
  return name.replace(/^NVIDIA\s+/i, '').replace(/^GeForce\s+/i, '') || name;
}

/** nvidia-smi MiB → GiB, the unit DAPI itself uses for its hardware label (`total_mb/1024`). */
export function gib(memoryMiB: number): number {
  return memoryMiB / 1024;
}
