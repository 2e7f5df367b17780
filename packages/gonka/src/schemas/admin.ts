import { z } from 'zod';
import { bigIntString, intish, loose } from './common.js';

/** InferenceNodeConfig (reference §3): one entry of node-config.json and of the Admin API. */
export const NodeConfig = loose({
  id: z.string().min(1),
  host: z.string().min(1),
  inference_port: intish,
  poc_port: intish,
  inference_segment: z.string().optional(),
  poc_segment: z.string().optional(),
  max_concurrent: intish,
  models: z.record(
    z.string(),
    loose({
      args: z.array(z.string()).default([]),
      model_override: loose({ hf_repo: z.string(), hf_commit: z.string().optional() }).optional(),
    }),
  ),
  hardware: z.array(loose({ type: z.string(), count: intish })).optional(),
  node_num: intish.optional(),
});
export type NodeConfig = z.infer<typeof NodeConfig>;

export const HardwareStatus = z.string(); // UNKNOWN|INFERENCE|POC|TRAINING|STOPPED|FAILED (new values may appear)

/** `GET /admin/v1/nodes` entry (reference §4.1); the list is unordered. */
export const NodeState = loose({
  intended_status: HardwareStatus,
  current_status: HardwareStatus,
  poc_intended_status: z.string().optional(),
  poc_current_status: z.string().optional(),
  lock_count: intish.optional(),
  failure_reason: z.string().optional(),
  status_timestamp: z.string().optional(),
  admin_state: loose({ enabled: z.boolean(), epoch: intish }).optional(),
  ml_node_version: z.string().optional(),
  poc_validation_inference: z.boolean().optional(),
  epoch_models: z.record(z.string(), loose({})).nullable().optional(),
  epoch_ml_nodes: z
    .record(
      z.string(),
      loose({
        node_id: z.string().optional(),
        poc_weight: intish.optional(),
        timeslot_allocation: z.array(z.boolean()).optional(),
      }),
    )
    .nullable()
    .optional(),
  preserved_models: z.unknown().optional(),
  reconcile_info: loose({ status: intish, poc_status: z.string().optional() }).optional(),
});
export const NodeEntry = loose({ node: NodeConfig, state: NodeState });
export const NodesList = z.array(NodeEntry);
export type NodeEntry = z.infer<typeof NodeEntry>;

export const BatchCreated = z.array(NodeConfig);
export const BatchPartial = loose({ nodes: z.array(NodeConfig), errors: z.array(z.string()) });
export const BatchFailed = loose({ error: z.string(), errors: z.array(z.string()) });
/** `DELETE /admin/v1/nodes/:id`: a bare boolean (true removed, false not found; reference §4, §12.1). */
export const DeleteResult = z.boolean();
export const NodeActionResult = loose({ message: z.string(), node_id: z.string() });
export const UpgradeStatus = z.union([
  loose({ message: z.string() }),
  z.record(z.string(), loose({ is_alive: z.boolean(), error: z.string().optional() })),
]);
export const VersionStatusRequest = loose({ version: z.string() });

export const SetupCheck = loose({
  id: z.string(),
  status: z.enum(['PASS', 'FAIL', 'UNAVAILABLE']),
  message: z.string(),
  details: z.unknown().optional(),
});
/** `GET /admin/v1/setup/report` (reference §4.2). */
export const SetupReport = loose({
  experimental: z.boolean().optional(),
  generated_at: z.string(),
  cached_until: z.string().optional(),
  overall_status: z.enum(['PASS', 'FAIL', 'UNAVAILABLE']),
  checks: z.array(SetupCheck),
  summary: loose({
    total_checks: intish,
    passed_checks: intish,
    failed_checks: intish,
    unavailable_checks: intish,
    issues: z.array(z.string()).nullable().optional(),
    recommendations: z.array(z.string()).nullable().optional(),
  }),
});
export type SetupReport = z.infer<typeof SetupReport>;

/** `GET /admin/v1/config` (reference §4.3). It contains a private key: never store or log it whole. */
export const AdminConfig = loose({
  api: loose({ poc_callback_url: z.string().optional(), public_url: z.string().optional() }),
  nodes: z.array(NodeConfig).nullable().optional(),
  chain_node: loose({
    url: z.string().optional(),
    account_public_key: z.string().optional(),
    signer_key_name: z.string().optional(),
  }).optional(),
  current_height: intish.optional(),
  current_node_version: z.string().optional(),
});

export const ClaimRewardRecoverRequest = loose({
  seed: bigIntString.optional(),
  force_claim: z.boolean(),
  epoch_index: intish.optional(),
});
export const ClaimRewardRecoverResult = loose({
  success: z.boolean(),
  message: z.string(),
  epoch_index: intish.optional(),
  seed: bigIntString.optional(),
  missed_validations: intish.optional(),
  already_claimed: z.boolean().optional(),
  claim_executed: z.boolean().optional(),
});
export const UnitOfComputePriceProposalRequest = loose({ price: intish, denom: z.string() });
