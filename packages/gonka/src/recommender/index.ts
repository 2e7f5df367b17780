export {
  AllowedModelsError,
  BUNDLE_FALLBACK_MODELS,
  GovernanceModel,
  GovernanceModels,
  allowedModelsFrom,
  fetchAllowedModels,
  type AllowedModel,
  type AllowedModelsResult,
} from './allowed-models.js';
export {
  architectureOf,
  gpuSpec,
  type Architecture,
  type GpuSpec,
  type ProbedGpu,
  type ProfileClass,
} from './gpu-catalog.js';
export {
  KV_CACHE_DTYPES,
  MODEL_CATALOG,
  modelFacts,
  type KvCacheDtype,
  type ModelFacts,
  type ServingProfile,
} from './model-catalog.js';
export { DEFAULT_MLNODE_IMAGE, type MlnodeImages } from './mlnode-image.js';
export { MAX_CONCURRENT, MAX_GPU_MEMORY_UTILIZATION } from './plan.js';
export {
  recommendServing,
  type NotViable,
  type Reason,
  type Recommendation,
  type RecommendInput,
  type ServingChoice,
  type ServingRecommendation,
} from './recommend.js';
export {
  applyServingOverrides,
  validateServingOverrides,
  type OverrideError,
  type ServingOverrides,
} from './overrides.js';
export {
  NodeConfigEntryError,
  nodeConfigEntry,
  type MlNodeAddress,
  type NodeConfigEntry,
} from './node-config-entry.js';
export { argValue, buildVllmArgs, quantizesFp8 } from './vllm-args.js';
