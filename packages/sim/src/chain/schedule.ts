/**
 * Epoch arithmetic of the sim chain, shaped like Gonka's (reference §5 `/v1/epochs/latest`, §10 PoC
 * timing): PoC generate → generate wind-down → validate → validate wind-down → inference, with
 * absolute heights per epoch. Only the durations are shrunk so a whole epoch fits in a test.
 */
export type Phase =
  'PoCGenerate' | 'PoCGenerateWindDown' | 'PoCValidate' | 'PoCValidateWindDown' | 'Inference';

export interface ScheduleParams {
  epochLength: number;
  pocGenerate: number;
  pocValidate: number;
}

export interface EpochStages {
  epoch_index: number;
  poc_start: number;
  poc_generation_wind_down: number;
  poc_generation_end: number;
  poc_validation_start: number;
  poc_validation_wind_down: number;
  poc_validation_end: number;
  set_new_validators: number;
  claim_money: number;
  inference_validation_cutoff: number;
  next_poc_start: number;
  poc_exchange_window: { start: number; end: number };
  poc_validation_exchange_window: { start: number; end: number };
}

export function stagesOf(e: number, p: ScheduleParams): EpochStages {
  const poc_start = e * p.epochLength;
  const poc_generation_wind_down = poc_start + p.pocGenerate;
  const poc_generation_end = poc_generation_wind_down + 1;
  const poc_validation_start = poc_generation_end;
  const poc_validation_wind_down = poc_validation_start + p.pocValidate;
  const poc_validation_end = poc_validation_wind_down + 1;
  const next_poc_start = poc_start + p.epochLength;
  return {
    epoch_index: e,
    poc_start,
    poc_generation_wind_down,
    poc_generation_end,
    poc_validation_start,
    poc_validation_wind_down,
    poc_validation_end,
    set_new_validators: poc_validation_end + 1,
    claim_money: poc_validation_end + 2,
    inference_validation_cutoff: next_poc_start - 2,
    next_poc_start,
    poc_exchange_window: { start: poc_start + 1, end: poc_generation_end },
    poc_validation_exchange_window: { start: poc_validation_start + 1, end: poc_validation_end },
  };
}

/** Index of the latest epoch whose PoC has started at height h (0 = genesis epoch, before any PoC). */
export function latestEpoch(h: number, p: ScheduleParams): number {
  return Math.floor(h / p.epochLength);
}

export function phaseAt(h: number, p: ScheduleParams): Phase {
  const e = latestEpoch(h, p);
  if (e === 0) return 'Inference';
  const s = stagesOf(e, p);
  if (h < s.poc_generation_wind_down) return 'PoCGenerate';
  if (h < s.poc_generation_end) return 'PoCGenerateWindDown';
  if (h < s.poc_validation_wind_down) return 'PoCValidate';
  if (h < s.poc_validation_end) return 'PoCValidateWindDown';
  return 'Inference';
}

/** The epoch whose validator set is in force at h: the latest one once its set_new_validators passed. */
export function effectiveEpoch(h: number, p: ScheduleParams): number {
  const e = latestEpoch(h, p);
  if (e === 0) return 0;
  return h >= stagesOf(e, p).set_new_validators ? e : e - 1;
}
