/**
 * The sim's own settings ("knobs"), all optional environment variables named SIM_*. They never change
 * what the official variables mean; they only set how fast the simulated world moves and which
 * faults it shows. Listed in the package README.
 */
function num(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got "${v}"`);
  return n;
}

export const knobs = {
  blockTimeMs: () => num('SIM_BLOCK_TIME_MS', 1000),
  epochLength: () => num('SIM_EPOCH_LENGTH', 20),
  pocGenerateBlocks: () => num('SIM_POC_GENERATE_BLOCKS', 4),
  pocValidateBlocks: () => num('SIM_POC_VALIDATE_BLOCKS', 3),
  /** Blocks a fresh network node spends catching up before it reports catching_up=false. */
  syncBlocks: () => num('SIM_SYNC_BLOCKS', 5),
  modelLoadMs: () => num('SIM_MODEL_LOAD_MS', 1500),
  modelDownloadMs: () => num('SIM_MODEL_DOWNLOAD_MS', 5000),
  /** Free space the model cache reports: the sim writes markers, not weights, so the disk is simulated too. */
  modelsSpaceGb: () => num('SIM_MODELS_SPACE_GB', 2000),
  pocBatchIntervalMs: () => num('SIM_POC_BATCH_INTERVAL_MS', 400),
  setupReportCacheMs: () => num('SIM_SETUP_REPORT_CACHE_MS', 60_000),
  brokerIntervalMs: () => num('SIM_BROKER_INTERVAL_MS', 500),
  controlPort: () => num('SIM_CONTROL_PORT', 9999),
  chainVersion: () => process.env.SIM_CHAIN_VERSION ?? '0.2.14',
  mlnodeVersion: () => process.env.SIM_MLNODE_VERSION ?? '3.0.14',
  chainId: () => process.env.SIM_CHAIN_ID ?? 'gonka-sim',
};
