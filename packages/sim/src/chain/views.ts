import { consensusAddress } from '../lib/keys.js';
import { knobs } from '../lib/knobs.js';
import type { Chain, Participant } from './chain.js';
import { validatorsResult } from '../roles/cometbft.js';

/**
 * JSON views of the chain, in the shapes of the DAPI public API (reference §5) and the Cosmos REST
 * API. Version 0.2.15 and later emit the §5.6 variants (int fields as strings, nested epoch_params,
 * /v1/versions without mlnodes), so parsers meet both.
 */
function v0215(): boolean {
  const [maj = 0, min = 0, patch = 0] = knobs
    .chainVersion()
    .split('.')
    .map((x) => Number.parseInt(x, 10));
  return maj > 0 || min > 2 || (min === 2 && patch >= 15);
}

function intish(n: number): number | string {
  return v0215() ? String(n) : n;
}

export function epochParams(c: Chain): Record<string, unknown> {
  const p = {
    epoch_length: intish(c.schedule.epochLength),
    epoch_multiplier: intish(1),
    epoch_shift: intish(0),
    default_unit_of_compute_price: intish(100),
    poc_stage_duration: intish(c.schedule.pocGenerate),
    poc_exchange_duration: intish(0),
    poc_validation_delay: intish(0),
    poc_validation_duration: intish(c.schedule.pocValidate),
    set_new_validators_delay: intish(1),
    inference_validation_cutoff: intish(2),
  };
  return v0215() ? { epoch_params: p } : p;
}

export function epochsLatest(c: Chain): unknown {
  const h = c.height();
  const e = c.latestEpoch(h);
  return {
    block_height: h,
    latest_epoch: { index: e, poc_start_block_height: c.stages(e).poc_start },
    phase: c.phase(h),
    epoch_stages: c.stages(e),
    next_epoch_stages: c.stages(e + 1),
    epoch_params: epochParams(c),
    is_confirmation_poc_active: false,
  };
}

export function epochParticipants(c: Chain, which: string): { status: number; body: unknown } {
  const set = which === 'current' ? c.currentActiveSet() : c.activeSets.get(Number(which));
  if (!set) return { status: 404, body: { message: `epoch ${which} not found` } };
  if (set.epoch === 0) return { status: 400, body: { message: 'epoch 0 has no participants' } };
  const stages = c.stages(set.epoch);
  return {
    status: 200,
    body: {
      active_participants: {
        participants: set.participants.map((p) => ({
          index: p.index,
          validator_key: p.validator_key,
          weight: intish(p.weight),
          inference_url: p.inference_url,
          models: p.models,
          seed: {
            participant: p.index,
            epoch_index: intish(set.epoch),
            signature: Buffer.from(`${p.index}:${set.epoch}`).toString('base64'),
          },
          ml_nodes: [
            {
              ml_nodes: p.ml_nodes.map((n) => ({
                node_id: n.node_id,
                throughput: intish(0),
                poc_weight: intish(n.poc_weight),
                timeslot_allocation: [true, false],
              })),
            },
          ],
          voting_powers: p.models.map((m) => ({ model_id: m, voting_power: intish(p.weight) })),
        })),
        epoch_group_id: intish(set.epoch),
        poc_start_block_height: intish(stages.poc_start),
        effective_block_height: intish(set.created_at_block_height),
        created_at_block_height: intish(set.created_at_block_height),
        epoch_id: intish(set.epoch),
      },
      addresses: set.participants.map((p) => (p.validator_key ? consensusAddress(p.validator_key) : '')),
      active_participants_bytes: Buffer.from(JSON.stringify(set.participants.map((p) => p.index))).toString(
        'hex',
      ),
      proof_ops: { ops: [] },
      validators: (validatorsResult(set.created_at_block_height, c.validators()) as { validators: unknown[] })
        .validators,
      block: {
        header: {
          chain_id: c.chainId,
          height: String(set.created_at_block_height + 1),
          time: c.blockTime(set.created_at_block_height + 1),
        },
      },
      excluded_participants: set.excluded,
    },
  };
}

/** Proto-generated structs with omitempty: zero values vanish from the JSON (reference §5). */
function omitZero(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== 0 && v !== '' && v !== null && v !== undefined),
  );
}

export function participantV2(p: Participant, balance: number): unknown {
  return {
    participant: omitZero({
      index: p.index,
      address: p.address,
      weight: p.weight,
      join_time: p.join_time,
      join_height: p.join_height,
      last_inference_time: 0,
      inference_url: p.inference_url,
      status: p.status,
      coin_balance: balance,
      validator_key: p.validator_key,
      consecutive_invalid_inferences: 0,
      worker_public_key: p.worker_public_key,
      epochs_completed: p.epochs_completed,
      current_epoch_stats: omitZero({
        inference_count: p.inference_count,
        missed_requests: p.missed_requests,
        earned_coins: p.earned_coins,
        rewarded_coins: 0,
        burned_coins: 0,
        validated_inferences: 0,
        invalidated_inferences: 0,
        invalidLLR: 0,
        inactiveLLR: 0,
        confirmationPoCRatio: 0,
      }),
    }),
  };
}

export function modelsView(c: Chain): unknown {
  return {
    models: c.models.map((m) => ({
      proposed_by: 'gonka10d07y265gmmuvt4z0w9aw880jnsr700j2h5m33',
      id: m.id,
      units_of_compute_per_token: m.units_of_compute_per_token,
      hf_repo: m.hf_repo,
      hf_commit: m.hf_commit,
      model_args: m.model_args,
      v_ram: m.v_ram,
      throughput_per_nonce: m.throughput_per_nonce,
      validation_threshold: { value: 90, exponent: -2 },
    })),
  };
}

export function grantsView(c: Chain, granter: string, grantee: string): unknown {
  const g = c.grantFor(granter, grantee);
  return {
    grants: g
      ? g.msgs.map((msg) => ({
          authorization: { '@type': '/cosmos.authz.v1beta1.GenericAuthorization', msg },
          expiration: g.expiration,
        }))
      : [],
    pagination: { next_key: null, total: String(g ? g.msgs.length : 0) },
  };
}

export function feegrantView(c: Chain, granter: string, grantee: string): { status: number; body: unknown } {
  const f = c.feegrantFor(granter, grantee);
  if (!f)
    return {
      status: 404,
      body: { code: 5, message: `fee-grant not found: ${granter} → ${grantee}`, details: [] },
    };
  return {
    status: 200,
    body: {
      allowance: {
        granter: f.granter,
        grantee: f.grantee,
        allowance: {
          '@type': '/cosmos.feegrant.v1beta1.BasicAllowance',
          spend_limit: [{ denom: 'ngonka', amount: f.spend_limit.replace('ngonka', '') }],
          expiration: f.expiration,
        },
      },
    },
  };
}
