export * as cometbft from './schemas/cometbft.js';
export * as admin from './schemas/admin.js';
export * as publicApi from './schemas/public.js';
export * as mlnode from './schemas/mlnode.js';
export { intish, bigIntString } from './schemas/common.js';
export { GOLDEN_SCHEMAS, loadGolden, goldenDir, type GoldenFile } from './golden.js';
export {
  checkAccountPubkey,
  describeColdKeyFindings,
  detectColdKey,
  findColdKeyMaterial,
  type ColdKeyFinding,
  type ColdKeyGuardOptions,
  type ColdKeyKind,
  type TypedField,
} from './keys/cold-key-guard.js';
export { NodeHealthFacts } from './health/facts.js';
export {
  recommendServing,
  validateServingOverrides,
  applyServingOverrides,
  nodeConfigEntry,
  allowedModelsFrom,
  fetchAllowedModels,
  BUNDLE_FALLBACK_MODELS,
  DEFAULT_MLNODE_IMAGE,
  type AllowedModel,
  type AllowedModelsResult,
  type NodeConfigEntry,
  type OverrideError,
  type ProbedGpu,
  type Reason,
  type Recommendation,
  type RecommendInput,
  type ServingOverrides,
  type ServingRecommendation,
} from './recommender/index.js';
export { rollupHealth, type HealthRollup, type HealthStatus, type HealthCheck } from './health/rollup.js';
export {
  coldKeyCommands,
  isGonkaAddress,
  shellQuote,
  ColdKeyCommandError,
  type ColdKeyCommand,
  type ColdKeyCommandInput,
} from './keys/cold-key-commands.js';
export {
  setupChecklist,
  checklistComplete,
  type ChecklistItem,
  type ChecklistState,
} from './keys/setup-checklist.js';
export { NETWORKS, seedRpcUrl, type NetworkInfo } from './networks.js';
export {
  resolveNetwork,
  isNetworkName,
  NetworkError,
  type NetworkName,
  type NetworkOverrides,
  type ResolvedNetwork,
} from './networks.js';
export type { RollupOptions } from './health/rollup.js';
export type { ChecklistOptions } from './keys/setup-checklist.js';
