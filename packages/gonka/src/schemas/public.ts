import { z } from 'zod';
import { bigIntString, intish, loose } from './common.js';

export const PublicStatus = loose({ status: z.string() });
export const Identity = loose({
  data: loose({ address: z.string(), block: intish.optional(), timestamp: z.unknown().optional() }),
  signature: z.string(),
});

/** `GET /v1/versions` (reference §5); v0.2.15 may omit `mlnodes` (§5.6). */
export const Versions = loose({
  timestamp: z.string().optional(),
  api_version: loose({
    application_name: z.string().optional(),
    version: z.string(),
    commit: z.string().optional(),
  }),
  node_version: loose({}).optional(),
  mlnodes: z
    .array(
      loose({ node_id: z.string(), version: z.string(), poc_validation_inference: z.boolean().optional() }),
    )
    .optional(),
});

export const Phase = z.string(); // PoCGenerate|PoCGenerateWindDown|PoCValidate|PoCValidateWindDown|Inference

const Window = loose({ start: intish, end: intish });
export const EpochStages = loose({
  epoch_index: intish,
  poc_start: intish,
  poc_generation_wind_down: intish.optional(),
  poc_generation_end: intish.optional(),
  poc_validation_start: intish.optional(),
  poc_validation_wind_down: intish.optional(),
  poc_validation_end: intish.optional(),
  set_new_validators: intish.optional(),
  claim_money: intish.optional(),
  inference_validation_cutoff: intish.optional(),
  next_poc_start: intish,
  poc_exchange_window: Window.optional(),
  poc_validation_exchange_window: Window.optional(),
});

const FlatEpochParams = loose({
  epoch_length: intish,
  epoch_shift: intish.optional(),
  poc_stage_duration: intish.optional(),
  poc_validation_duration: intish.optional(),
});
/** Flat before v0.2.15, nested `epoch_params.epoch_params` after (§5.6): both parse to the flat form. */
export const EpochParams = z.union([
  loose({ epoch_params: FlatEpochParams }).transform((v) => v.epoch_params),
  FlatEpochParams,
]);

/** `GET /v1/epochs/latest` (reference §5). */
export const EpochsLatest = loose({
  block_height: intish,
  latest_epoch: loose({ index: intish, poc_start_block_height: intish }),
  phase: Phase,
  epoch_stages: EpochStages,
  next_epoch_stages: EpochStages.optional(),
  epoch_params: EpochParams,
  is_confirmation_poc_active: z.boolean().optional(),
});
export type EpochsLatest = z.infer<typeof EpochsLatest>;

/** `GET /v1/epochs/{n|current}/participants` (reference §5). */
export const EpochParticipants = loose({
  active_participants: loose({
    participants: z.array(
      loose({
        index: z.string(),
        validator_key: z.string().optional(),
        weight: intish.optional(),
        inference_url: z.string().optional(),
        models: z.array(z.string()).nullable().optional(),
        ml_nodes: z
          .array(
            loose({
              ml_nodes: z
                .array(
                  loose({
                    node_id: z.string(),
                    poc_weight: intish.optional(),
                    throughput: intish.optional(),
                  }),
                )
                .nullable()
                .optional(),
            }),
          )
          .nullable()
          .optional(),
      }),
    ),
    epoch_group_id: intish.optional(),
    epoch_id: intish.optional(),
    poc_start_block_height: intish.optional(),
    effective_block_height: intish.optional(),
    created_at_block_height: intish.optional(),
  }),
  excluded_participants: z
    .array(loose({ address: z.string(), reason: z.string().optional() }))
    .nullable()
    .optional(),
});
export type EpochParticipants = z.infer<typeof EpochParticipants>;

export const ParticipantsList = loose({
  participants: z.array(loose({ id: z.string() })),
  block_height: intish.optional(),
});
/** `POST /v1/participants` body (reference §5, what register-new-participant sends). */
export const RegisterParticipantRequest = loose({
  address: z.string(),
  url: z.string(),
  validator_key: z.string(),
  pub_key: z.string(),
  worker_key: z.string().optional(),
});
export const Account = loose({ pubkey: z.string(), balance: intish.or(z.string()), denom: z.string() });

/** `GET /v2/participants/:address` (reference §5): proto omitempty, so zero fields are absent. */
export const ParticipantV2 = loose({
  participant: loose({
    index: z.string(),
    address: z.string().optional(),
    weight: intish.optional(),
    inference_url: z.string().optional(),
    status: intish.or(z.string()).optional(),
    validator_key: z.string().optional(),
    epochs_completed: intish.optional(),
    current_epoch_stats: loose({
      inference_count: intish.optional(),
      missed_requests: intish.optional(),
    }).optional(),
    join_height: intish.optional(),
  }),
});
export type ParticipantV2 = z.infer<typeof ParticipantV2>;

export const Deprecated410 = loose({ error: z.string(), message: z.string() });

/** ML callback `GET /versions` on 9100 (reference §5.3). */
export const CallbackVersions = loose({
  versions: z
    .array(
      loose({ name: z.string().optional(), binary: z.string().optional(), sha256: z.string().optional() }),
    )
    .nullable(),
  devshard_requests_enabled: z.boolean().optional(),
  max_nonce: bigIntString.optional(),
});
