import type { GovModel } from './chain.js';

/**
 * Governance models of the sim chain: the PoC models active on mainnet in August 2026 (reference §3:
 * MiniMax-M2.7, Kimi-K2.6, DeepSeek-V4-Flash-0731; Qwen3-235B was retired). The numbers (VRAM,
 * throughput) are sim values, not chain data. SIM_MODELS="id,id" narrows the list.
 */
const ALL: GovModel[] = [
  {
    id: 'MiniMaxAI/MiniMax-M2.7',
    hf_repo: 'MiniMaxAI/MiniMax-M2.7',
    hf_commit: '5b0c2e1f9d0a4c3e8f7a6b5c4d3e2f1a0b9c8d7e',
    units_of_compute_per_token: 1000,
    v_ram: 320,
    throughput_per_nonce: 1000,
    model_args: ['--tensor-parallel-size', '4'],
    seq_len: 1024,
  },
  {
    id: 'moonshotai/Kimi-K2.6',
    hf_repo: 'moonshotai/Kimi-K2.6',
    hf_commit: '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b',
    units_of_compute_per_token: 4000,
    v_ram: 640,
    throughput_per_nonce: 4000,
    model_args: ['--tensor-parallel-size', '8'],
    seq_len: 1024,
  },
  {
    id: 'deepseek-ai/DeepSeek-V4-Flash-0731',
    hf_repo: 'deepseek-ai/DeepSeek-V4-Flash-0731',
    hf_commit: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c',
    units_of_compute_per_token: 1500,
    v_ram: 400,
    throughput_per_nonce: 1500,
    model_args: ['--tensor-parallel-size', '4'],
    seq_len: 1024,
  },
];

export function governanceModels(): GovModel[] {
  const only = (process.env.SIM_MODELS ?? '').split(',').filter(Boolean);
  return only.length ? ALL.filter((m) => only.includes(m.id)) : ALL;
}
