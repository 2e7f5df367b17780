import type { Architecture, ProfileClass } from './gpu-catalog.js';

/**
 * Facts about the models Gonka has served, and the official serving profiles for them. Which model may
 * be served is the chain's decision, read live (`allowed-models.ts`); this file only says what each
 * model needs. A model missing here can still be allowed by the chain: the recommender then says it has
 * no facts for it rather than guessing.
 *
 * Sources: the official `deploy/join/node-config-*.json` files (the v0.2.14 fixtures for Kimi-K2.6 and
 * Qwen3-235B; upstream main for MiniMax-M2.7 and DeepSeek-V4-Flash-0731), the DeepSeek release-candidate
 * GPU profile document next to them, and the models' published sizes.
 */

export const KV_CACHE_DTYPES = ['auto', 'fp8', 'fp8_e4m3', 'fp8_e5m2'] as const;
export type KvCacheDtype = (typeof KV_CACHE_DTYPES)[number];

/**
 * One official node-config profile: its vLLM args exactly as the official file lists them. The values
 * the recommender manages (TP, memory utilisation, context, KV dtype, revision) are read from them and
 * written back in place, so a profile used as is reproduces its file.
 */
export interface ServingProfile {
  args: readonly string[];
  /** Where it comes from, for the reasons. */
  source: string;
}

export interface ModelFacts {
  id: string;
  label: string;
  totalParamsB: number;
  activeParamsB: number;
  moe: boolean;
  /** GPU memory the weights take, in GiB (the unit of nvidia-smi's MiB / 1024). */
  weightsGiB: number;
  /** The weights as operators know them, for reasons ("~595 GB, INT4"). */
  weightsNote: string;
  /**
   * GiB one vLLM instance needs beyond the weights: KV cache for at least one sequence of the served
   * context plus activations. Calibrated so the official profiles come out of the arithmetic
   * (e.g. DeepSeek-V4-Flash on one B200 would leave 15 GiB; the official B200 profile uses TP 2).
   */
  headroomGiB: number;
  /** The model's own context limit (max_position_embeddings); overrides may not exceed it. */
  contextMax: number;
  /** The context the official profiles serve (the network's expectation). */
  servedMaxModelLen: number;
  minComputeCapability: number;
  minComputeReason: string;
  /** The ML node release whose vLLM can serve the model. */
  minMlnodeVersion: string;
  /** The Hugging Face revision the official profiles pin, when they pin one. */
  revision?: string;
  /** Flags the model needs whatever the hardware (tool/reasoning parsers, remote code). */
  baseArgs: string[];
  defaultKvCacheDtype: KvCacheDtype;
  defaultGpuMemoryUtilization: number;
  profiles: Partial<Record<ProfileClass, ServingProfile>>;
  /** The profile whose tuning flags a card of that architecture without its own profile borrows. */
  archProfile: Partial<Record<Architecture, ProfileClass>>;
  /** Why the catalog still lists a model the network no longer serves. */
  note?: string;
}

const UPSTREAM = 'gonka-ai/gonka deploy/join';
const KIMI = [
  '--enable-expert-parallel',
  '--trust-remote-code',
  '--mm-encoder-tp-mode',
  'data',
  '--tool-call-parser',
  'kimi_k2',
  '--reasoning-parser',
  'kimi_k2',
];
const MINIMAX_REVISION = 'd494266a4affc0d2995ba1fa35c8481cbd84294b';
const minimaxTail = (reasoning: string): string[] => [
  '--enable-auto-tool-choice',
  '--tool-call-parser',
  'minimax_m2',
  '--reasoning-parser',
  reasoning,
  '--trust-remote-code',
];
const DEEPSEEK_REVISION = '7872f01b1d1fe23eabc4c98b48bffcef5a386062';
const DEEPSEEK_PARSERS = [
  '--tokenizer-mode',
  'deepseek_v4',
  '--enable-auto-tool-choice',
  '--tool-call-parser',
  'deepseek_v4',
  '--reasoning-parser',
  'deepseek_v4',
  '--trust-remote-code',
];
const deepseek = (seqs: number, tp: number, util: string): string[] => [
  '--scheduling-policy',
  'priority',
  '--max-num-seqs',
  String(seqs),
  '--compilation-config',
  `{"max_cudagraph_capture_size": ${seqs}}`,
  '--revision',
  DEEPSEEK_REVISION,
  '--tensor-parallel-size',
  String(tp),
  '--gpu-memory-utilization',
  util,
  '--max-model-len',
  '400000',
  '--max-num-batched-tokens',
  '32768',
  '--kv-cache-dtype',
  'fp8',
  ...DEEPSEEK_PARSERS,
];

export const MODEL_CATALOG: readonly ModelFacts[] = [
  {
    id: 'moonshotai/Kimi-K2.6',
    label: 'Kimi-K2.6',
    totalParamsB: 1000,
    activeParamsB: 32,
    moe: true,
    weightsGiB: 554,
    weightsNote: '~595 GB, native INT4',
    headroomGiB: 32,
    contextMax: 262_144,
    servedMaxModelLen: 240_000,
    minComputeCapability: 9.0,
    minComputeReason:
      'official profiles for H200 and B200 only; their MLA attention kernels need Hopper or newer',
    minMlnodeVersion: '3.0.14',
    baseArgs: KIMI,
    defaultKvCacheDtype: 'auto',
    defaultGpuMemoryUtilization: 0.9,
    profiles: {
      H200: {
        args: [
          '--tensor-parallel-size',
          '8',
          ...KIMI,
          '--attention-backend',
          'FLASHMLA',
          '--gpu-memory-utilization',
          '0.90',
          '--max-model-len',
          '240000',
        ],
        source: 'node-config-kimik26-H200.json (v0.2.14)',
      },
      B200: {
        args: [
          '--tensor-parallel-size',
          '4',
          ...KIMI,
          '--attention-backend',
          'FLASHINFER_MLA',
          '--disable-custom-all-reduce',
          '--gpu-memory-utilization',
          '0.95',
          '--max-num-seqs',
          '128',
          '--max-model-len',
          '240000',
        ],
        source: 'node-config-kimik26-B200.json (v0.2.14)',
      },
    },
    archProfile: { hopper: 'H200', blackwell: 'B200' },
  },
  {
    id: 'MiniMaxAI/MiniMax-M2.7',
    label: 'MiniMax-M2.7',
    totalParamsB: 230,
    activeParamsB: 10,
    moe: true,
    weightsGiB: 215,
    weightsNote: '~230 GB, FP8',
    headroomGiB: 24,
    contextMax: 196_608,
    servedMaxModelLen: 180_000,
    minComputeCapability: 8.0,
    minComputeReason: 'the oldest official profile is for A100',
    minMlnodeVersion: '3.0.14',
    revision: MINIMAX_REVISION,
    baseArgs: minimaxTail('minimax_m2'),
    defaultKvCacheDtype: 'fp8',
    defaultGpuMemoryUtilization: 0.92,
    profiles: {
      'A100-80': {
        args: [
          '--max-num-batched-tokens',
          '32768',
          '--revision',
          MINIMAX_REVISION,
          '--tensor-parallel-size',
          '4',
          '--gpu-memory-utilization',
          '0.92',
          '--max-num-seqs',
          '128',
          '--max-model-len',
          '180000',
          '--kv-cache-dtype',
          'fp8',
          '--moe-backend',
          'marlin',
          ...minimaxTail('minimax_m2_append_think'),
        ],
        source: `${UPSTREAM}/node-config-minimaxm27-A100.json`,
      },
      H100: {
        args: [
          '--revision',
          MINIMAX_REVISION,
          '--tensor-parallel-size',
          '4',
          '--gpu-memory-utilization',
          '0.92',
          '--max-num-seqs',
          '128',
          '--max-model-len',
          '180000',
          '--kv-cache-dtype',
          'fp8',
          '--moe-backend',
          'triton',
          '--attention-backend',
          'FLASHINFER',
          ...minimaxTail('minimax_m2'),
        ],
        source: `${UPSTREAM}/node-config-minimaxm27-H100.json`,
      },
      H200: {
        args: [
          '--scheduling-policy',
          'priority',
          '--max-num-batched-tokens',
          '32768',
          '--revision',
          MINIMAX_REVISION,
          '--tensor-parallel-size',
          '2',
          '--gpu-memory-utilization',
          '0.95',
          '--max-num-seqs',
          '608',
          '--compilation-config',
          '{"max_cudagraph_capture_size": 608}',
          '--max-model-len',
          '180000',
          '--kv-cache-dtype',
          'fp8',
          '--moe-backend',
          'triton',
          '--attention-backend',
          'FLASHINFER',
          ...minimaxTail('minimax_m2_append_think'),
        ],
        source: `${UPSTREAM}/node-config-minimaxm27-H200.json`,
      },
      B200: {
        args: minimaxBlackwell(2),
        source: `${UPSTREAM}/node-config-minimaxm27-B200.json`,
      },
      B300: {
        args: minimaxBlackwell(1),
        source: `${UPSTREAM}/node-config-minimaxm27-B300.json`,
      },
    },
    // H100's profile rather than H200's for other Hopper cards: its batch sizes assume less memory.
    archProfile: { ampere: 'A100-80', hopper: 'H100', blackwell: 'B200' },
  },
  {
    id: 'deepseek-ai/DeepSeek-V4-Flash-0731',
    label: 'DeepSeek-V4-Flash-0731',
    totalParamsB: 284,
    activeParamsB: 13,
    moe: true,
    weightsGiB: 146,
    weightsNote: '~157 GB, FP4 experts + FP8',
    headroomGiB: 24,
    contextMax: 1_048_576,
    servedMaxModelLen: 400_000,
    minComputeCapability: 9.0,
    minComputeReason: 'official profiles start at H100; none was tested on older cards',
    minMlnodeVersion: '3.0.16',
    revision: DEEPSEEK_REVISION,
    baseArgs: DEEPSEEK_PARSERS,
    defaultKvCacheDtype: 'fp8',
    defaultGpuMemoryUtilization: 0.9,
    profiles: {
      H100: {
        args: deepseek(640, 4, '0.85'),
        source: `${UPSTREAM}/node-config-deepseekv4flash0731-H100.json`,
      },
      H200: {
        args: deepseek(1024, 2, '0.90'),
        source: `${UPSTREAM}/node-config-deepseekv4flash0731-H200.json`,
      },
      B200: {
        args: deepseek(2048, 2, '0.90'),
        source: `${UPSTREAM}/node-config-deepseekv4flash0731-B200.json`,
      },
      B300: {
        args: deepseek(2048, 1, '0.90'),
        source: `${UPSTREAM}/node-config-deepseekv4flash0731-B300.json`,
      },
    },
    // The H100 profile's 0.85 is the only H100 setting that survived the release campaign's load test.
    archProfile: { hopper: 'H100', blackwell: 'B200' },
  },
  {
    id: 'Qwen/Qwen3-235B-A22B-Instruct-2507-FP8',
    label: 'Qwen3-235B-A22B-FP8',
    totalParamsB: 235,
    activeParamsB: 22,
    moe: true,
    weightsGiB: 220,
    weightsNote: '~236 GB, FP8',
    headroomGiB: 40,
    contextMax: 262_144,
    servedMaxModelLen: 240_000,
    minComputeCapability: 8.0,
    minComputeReason: 'vLLM needs Ampere or newer for its FP8 weights',
    minMlnodeVersion: '3.0.12',
    baseArgs: [],
    defaultKvCacheDtype: 'auto',
    defaultGpuMemoryUtilization: 0.9,
    profiles: {
      // node-config.json names no hardware; TP 4 for 240k context is the 4 × 80 GB (H100) layout. It sets
      // no memory utilisation, i.e. vLLM's default 0.90, which the recommender writes out.
      H100: {
        args: ['--tensor-parallel-size', '4', '--max-model-len', '240000'],
        source: 'node-config.json (v0.2.14)',
      },
      B200: {
        args: [
          '--tensor-parallel-size',
          '2',
          '--max-model-len',
          '240000',
          '--gpu-memory-utilization',
          '0.88',
        ],
        source: 'node-config-qwen235B-B200.json (v0.2.14)',
      },
    },
    archProfile: { hopper: 'H100', blackwell: 'B200' },
    note: 'retired on mainnet by proposal 78 (epoch 308); proposed only while a chain still lists it',
  },
];

function minimaxBlackwell(tp: number): string[] {
  return [
    '--revision',
    MINIMAX_REVISION,
    '--tensor-parallel-size',
    String(tp),
    '--gpu-memory-utilization',
    '0.92',
    '--max-num-seqs',
    '128',
    '--max-model-len',
    '180000',
    '--kv-cache-dtype',
    'fp8',
    '--attention-backend',
    'FLASHINFER',
    ...minimaxTail('minimax_m2'),
  ];
}

export function modelFacts(id: string): ModelFacts | undefined {
  return MODEL_CATALOG.find((m) => m.id === id);
}
