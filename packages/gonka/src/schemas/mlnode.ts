import { z } from 'zod';
import { intish, loose } from './common.js';

/** ML node API (reference §6). */
export const MlServiceState = z.string(); // STOPPED|INFERENCE|POW|TRAIN

export const GpuDevice = loose({
  index: intish,
  name: z.string(),
  total_memory_mb: intish,
  free_memory_mb: intish.optional(),
  used_memory_mb: intish.optional(),
  utilization_percent: z.number().nullable().optional(),
  temperature_c: z.number().nullable().optional(),
  is_available: z.boolean().optional(),
  error_message: z.string().nullable().optional(),
});
export const GpuDevices = loose({ devices: z.array(GpuDevice), count: intish });
export const GpuDriver = loose({
  driver_version: z.string(),
  cuda_driver_version: z.string().optional(),
  nvml_version: z.string().optional(),
});

const Manager = loose({ running: z.boolean(), healthy: z.boolean() });
export const Health = loose({
  status: z.enum(['healthy', 'unhealthy']).or(z.string()),
  service_state: MlServiceState.optional(),
  gpu: loose({ available: z.boolean(), count: intish, devices: z.array(GpuDevice).optional() }).optional(),
  managers: z.record(z.string(), Manager).optional(),
});
export const Readyz = loose({ ready: z.boolean() });
export const MlState = loose({
  version: z.string().optional(),
  state: MlServiceState,
  poc_status: z.string().optional(),
  inference_healthy: z.boolean().optional(),
  loaded_model: z.string().nullable().optional(),
  poc_validation_inference: z.boolean().optional(),
});
export type MlState = z.infer<typeof MlState>;
export const MlVersions = loose({
  version: z.string(),
  vllm_version: z.string().optional(),
  poc_validation_inference: z.boolean().optional(),
});
export const StatusOk = loose({ status: z.string() });
export const InferenceUpRequest = loose({
  model: z.string(),
  dtype: z.string().optional(),
  additional_args: z.array(z.string()).optional(),
});
export const InferenceUpAsync = loose({ status: z.string(), message: z.string().optional() });
export const InferenceUpStatus = loose({
  status: z.string(),
  is_starting: z.boolean().optional(),
  is_running: z.boolean().optional(),
  elapsed_seconds: z.number().optional(),
  error: z.string().nullable().optional(),
});
export const PowInitRequest = loose({
  block_hash: z.string(),
  block_height: intish,
  public_key: z.string(),
  node_id: intish.or(z.string()),
  node_count: intish,
  batch_size: intish.optional(),
  params: loose({ model: z.string(), seq_len: intish.optional(), k_dim: intish.optional() }),
  url: z.string().optional(),
});
export const PowInitResult = loose({
  status: z.string(),
  backends: z.unknown().optional(),
  n_groups: z.unknown().optional(),
  results: z.array(loose({})).optional(),
  errors: z.unknown().optional(),
});
export const PowStatus = loose({ status: z.string(), backends: z.array(loose({})).optional() });
export const PowStop = loose({
  status: z.string(),
  results: z.unknown().optional(),
  errors: z.unknown().optional(),
});
export const ModelRef = loose({ hf_repo: z.string(), hf_commit: z.string().nullable().optional() });
export const ModelStatus = loose({
  model: ModelRef,
  status: z.string(), // DOWNLOADED|DOWNLOADING|NOT_FOUND|PARTIAL|IGNORED
  progress: loose({}).nullable().optional(),
  error_message: z.string().nullable().optional(),
});
export const ModelDownload = loose({ task_id: z.string(), status: z.string(), model: ModelRef });
export const ModelDelete = loose({ status: z.string(), model: ModelRef });
export const ModelsList = loose({ models: z.array(loose({ model: ModelRef, status: z.string() })) });
export const ModelsSpace = loose({
  cache_size_gb: z.number(),
  available_gb: z.number(),
  cache_path: z.string(),
});
