import { addressOfBase64, consensusAddress, isAddress, verifyTx, type SignedTx } from '../lib/keys.js';
import { effectiveEpoch, latestEpoch, phaseAt, stagesOf, type ScheduleParams } from './schedule.js';

/**
 * The simulated Gonka chain, held by the sim seed: participants, authz/feegrant grants, PoC reports,
 * epochs and weights, validators. Height follows the wall clock from genesis (one block every
 * blockTimeMs), so every node that knows genesis time agrees on it without consensus.
 *
 * Message names of the ML-operations permission set (the 20 message types that
 * `grant-ml-ops-permissions` grants; reference §4.2 check 5, §8 step 5).
 */
export const ML_OPS_PERMISSIONS = [
  'MsgStartInference',
  'MsgFinishInference',
  'MsgClaimRewards',
  'MsgValidation',
  'MsgSubmitPocBatch',
  'MsgSubmitPocValidation',
  'MsgSubmitSeed',
  'MsgBridgeExchange',
  'MsgSubmitTrainingKvRecord',
  'MsgJoinTraining',
  'MsgJoinTrainingStatus',
  'MsgTrainingHeartbeat',
  'MsgSetBarrier',
  'MsgClaimTrainingTaskForAssignment',
  'MsgAssignTrainingTask',
  'MsgSubmitNewUnfundedParticipant',
  'MsgSubmitNewParticipant',
  'MsgSubmitHardwareDiff',
  'MsgInvalidateInference',
  'MsgRevalidateInference',
].map((m) => `/inference.inference.${m}`);

/** Participant status enum of the chain (reference §5, `/v2/participants/:address`). */
export const PARTICIPANT_STATUS = { ACTIVE: 1, INACTIVE: 2 } as const;

export interface Participant {
  index: string;
  address: string;
  pub_key: string;
  validator_key: string;
  worker_public_key: string;
  inference_url: string;
  join_height: number;
  join_time: number;
  weight: number;
  status: number;
  epochs_completed: number;
  inference_count: number;
  missed_requests: number;
  earned_coins: number;
}

export interface MlNodeWeight {
  node_id: string;
  poc_weight: number;
  model: string;
}

export interface ActiveParticipant {
  index: string;
  validator_key: string;
  weight: number;
  inference_url: string;
  models: string[];
  ml_nodes: MlNodeWeight[];
}

export interface ActiveSet {
  epoch: number;
  created_at_block_height: number;
  participants: ActiveParticipant[];
  excluded: { address: string; reason: string; exclusion_block_height: number }[];
}

export interface Grant {
  granter: string;
  grantee: string;
  msgs: string[];
  expiration: string;
}

export interface FeeGrant {
  granter: string;
  grantee: string;
  spend_limit: string;
  expiration: string | null;
}

export interface GovModel {
  id: string;
  hf_repo: string;
  hf_commit: string;
  units_of_compute_per_token: number;
  v_ram: number;
  throughput_per_nonce: number;
  model_args: string[];
  seq_len: number;
}

export class ChainError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class Chain {
  readonly participants = new Map<string, Participant>();
  readonly grants = new Map<string, Grant>();
  readonly feegrants = new Map<string, FeeGrant>();
  readonly collateral = new Map<string, number>();
  readonly jailed = new Set<string>();
  /** epoch → participant → node → {count, model} */
  readonly pocReports = new Map<number, Map<string, Map<string, { count: number; model: string }>>>();
  readonly activeSets = new Map<number, ActiveSet>();
  readonly txLog: { height: number; hash: string; type: string }[] = [];
  stalled = false;
  private stalledAt = 0;

  constructor(
    readonly genesisTimeMs: number,
    readonly blockTimeMs: number,
    readonly schedule: ScheduleParams,
    readonly chainId: string,
    readonly models: GovModel[],
    readonly genesisValidator: { address: string; pubKey: string },
  ) {
    this.activeSets.set(0, { epoch: 0, created_at_block_height: 1, participants: [], excluded: [] });
  }

  height(now = Date.now()): number {
    if (this.stalled) return this.stalledAt;
    return Math.max(1, Math.floor((now - this.genesisTimeMs) / this.blockTimeMs) + 1);
  }

  setStalled(v: boolean): void {
    if (v && !this.stalled) this.stalledAt = this.height();
    this.stalled = v;
  }

  blockTime(h: number): string {
    return new Date(this.genesisTimeMs + (h - 1) * this.blockTimeMs).toISOString();
  }

  blockHash(h: number): string {
    // Deterministic per height, so every reader sees the same "hash".
    let x = BigInt(h) * 0x9e3779b97f4a7c15n + BigInt(this.genesisTimeMs);
    let out = '';
    for (let i = 0; i < 4; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
      out += x.toString(16).padStart(16, '0');
    }
    return out.toUpperCase();
  }

  phase(h = this.height()) {
    return phaseAt(h, this.schedule);
  }
  latestEpoch(h = this.height()) {
    return latestEpoch(h, this.schedule);
  }
  effectiveEpoch(h = this.height()) {
    return effectiveEpoch(h, this.schedule);
  }
  stages(e: number) {
    return stagesOf(e, this.schedule);
  }

  /** Computes the active set of every epoch whose set_new_validators height has passed. */
  tick(): void {
    const h = this.height();
    const e = this.latestEpoch(h);
    for (let i = 1; i <= e; i++) {
      if (this.activeSets.has(i)) continue;
      if (h < this.stages(i).set_new_validators) break;
      this.finalizeEpoch(i);
    }
  }

  private finalizeEpoch(e: number): void {
    const reports = this.pocReports.get(e) ?? new Map();
    const set: ActiveSet = {
      epoch: e,
      created_at_block_height: this.stages(e).set_new_validators,
      participants: [],
      excluded: [],
    };
    for (const p of this.participants.values()) {
      const nodes = reports.get(p.address);
      const mlNodes: MlNodeWeight[] = nodes
        ? [...nodes.entries()].map(([node_id, v]) => ({ node_id, poc_weight: v.count, model: v.model }))
        : [];
      const weight = mlNodes.reduce((s, n) => s + n.poc_weight, 0);
      if (this.jailed.has(p.address)) {
        set.excluded.push({
          address: p.address,
          reason: 'jailed',
          exclusion_block_height: set.created_at_block_height,
        });
        p.weight = 0;
        p.status = PARTICIPANT_STATUS.INACTIVE;
        continue;
      }
      if (weight <= 0) {
        set.excluded.push({
          address: p.address,
          reason: 'no PoC weight',
          exclusion_block_height: set.created_at_block_height,
        });
        p.weight = 0;
        p.status = PARTICIPANT_STATUS.INACTIVE;
        continue;
      }
      p.weight = weight;
      p.status = PARTICIPANT_STATUS.ACTIVE;
      p.epochs_completed += 1;
      set.participants.push({
        index: p.address,
        validator_key: p.validator_key,
        weight,
        inference_url: p.inference_url,
        models: [...new Set(mlNodes.map((n) => n.model))],
        ml_nodes: mlNodes,
      });
    }
    this.activeSets.set(e, set);
  }

  currentActiveSet(): ActiveSet {
    this.tick();
    const e = this.effectiveEpoch();
    return this.activeSets.get(e) ?? { epoch: e, created_at_block_height: 0, participants: [], excluded: [] };
  }

  /** The CometBFT validator set: the genesis validator plus active, unjailed participants. */
  validators(): { address: string; pub_key: string; voting_power: number }[] {
    const out = [
      {
        address: consensusAddress(this.genesisValidator.pubKey),
        pub_key: this.genesisValidator.pubKey,
        voting_power: 100,
      },
    ];
    for (const p of this.currentActiveSet().participants) {
      if (this.jailed.has(p.index) || !p.validator_key) continue;
      out.push({
        address: consensusAddress(p.validator_key),
        pub_key: p.validator_key,
        voting_power: p.weight,
      });
    }
    return out;
  }

  /** MsgSubmitNewUnfundedParticipant, as the seed's `POST /v1/participants` submits it. */
  registerParticipant(b: {
    address?: unknown;
    url?: unknown;
    validator_key?: unknown;
    pub_key?: unknown;
    worker_key?: unknown;
  }): Participant {
    if (typeof b.pub_key !== 'string') throw new ChainError(400, 'pub_key is required');
    let address: string;
    try {
      address = addressOfBase64(b.pub_key);
    } catch (e) {
      throw new ChainError(400, `invalid pub_key: ${(e as Error).message}`);
    }
    if (typeof b.address === 'string' && b.address !== '' && b.address !== address) {
      throw new ChainError(400, `address ${b.address} does not match pub_key (${address})`);
    }
    if (typeof b.url !== 'string' || !/^https?:\/\//.test(b.url))
      throw new ChainError(400, 'url must be an http(s) URL');
    if (typeof b.validator_key !== 'string' || Buffer.from(b.validator_key, 'base64').length !== 32) {
      throw new ChainError(400, 'validator_key must be a base64 ed25519 public key');
    }
    const existing = this.participants.get(address);
    const h = this.height();
    const p: Participant = existing ?? {
      index: address,
      address,
      pub_key: b.pub_key,
      validator_key: b.validator_key,
      worker_public_key: typeof b.worker_key === 'string' ? b.worker_key : '',
      inference_url: b.url,
      join_height: h,
      join_time: Date.now(),
      weight: 0,
      status: PARTICIPANT_STATUS.INACTIVE,
      epochs_completed: 0,
      inference_count: 0,
      missed_requests: 0,
      earned_coins: 0,
    };
    p.inference_url = b.url;
    p.validator_key = b.validator_key;
    this.participants.set(address, p);
    this.record('MsgSubmitNewUnfundedParticipant');
    return p;
  }

  grantFor(granter: string, grantee: string): Grant | undefined {
    const g = this.grants.get(`${granter}>${grantee}`);
    if (g && Date.parse(g.expiration) < Date.now()) return undefined;
    return g;
  }

  feegrantFor(granter: string, grantee: string): FeeGrant | undefined {
    return this.feegrants.get(`${granter}>${grantee}`);
  }

  private record(type: string): string {
    const hash = this.blockHash(this.height() * 1000 + this.txLog.length).slice(0, 64);
    this.txLog.push({ height: this.height(), hash, type });
    return hash;
  }

  /** Applies a signed sim transaction (the stand-in for a Cosmos tx broadcast). Returns the tx hash. */
  applyTx(tx: SignedTx): { hash: string; log: string } {
    let signer: string;
    try {
      signer = verifyTx(tx);
    } catch (e) {
      throw new ChainError(4, `unauthorized: ${(e as Error).message}`);
    }
    const body = tx.body;
    switch (body.type) {
      case 'grant-ml-ops-permissions': {
        const grantee = String(body.grantee ?? '');
        if (!isAddress(grantee)) throw new ChainError(7, `invalid grantee address "${grantee}"`);
        if (grantee === signer) throw new ChainError(18, 'granter and grantee cannot be the same');
        const days = typeof body.expiration_days === 'number' ? body.expiration_days : 365;
        const expiration = new Date(Date.now() + days * 86_400_000).toISOString();
        this.grants.set(`${signer}>${grantee}`, {
          granter: signer,
          grantee,
          msgs: [...ML_OPS_PERMISSIONS],
          expiration,
        });
        if (!this.feegrants.has(`${signer}>${grantee}`)) {
          this.feegrants.set(`${signer}>${grantee}`, {
            granter: signer,
            grantee,
            spend_limit: '10000000000ngonka',
            expiration: null,
          });
        }
        return {
          hash: this.record('MsgGrant'),
          log: `granted ${ML_OPS_PERMISSIONS.length} permissions to ${grantee}`,
        };
      }
      case 'deposit-collateral': {
        const amount = Number(body.amount_ngonka);
        if (!Number.isInteger(amount) || amount <= 0) throw new ChainError(10, 'invalid collateral amount');
        this.collateral.set(signer, (this.collateral.get(signer) ?? 0) + amount);
        return { hash: this.record('MsgDepositCollateral'), log: `deposited ${amount}ngonka` };
      }
      case 'unjail': {
        this.jailed.delete(signer);
        return { hash: this.record('MsgUnjail'), log: 'unjailed' };
      }
      case 'submit-poc-batch': {
        // Sent by a network node's DAPI with its warm key on behalf of the participant (authz).
        const participant = String(body.participant ?? '');
        const epoch = Number(body.epoch);
        const grant = this.grantFor(participant, signer);
        if (participant !== signer && !grant?.msgs.includes('/inference.inference.MsgSubmitPocBatch')) {
          throw new ChainError(
            4,
            `unauthorized: ${signer} has no MsgSubmitPocBatch grant from ${participant}`,
          );
        }
        if (!this.participants.has(participant))
          throw new ChainError(5, `participant ${participant} not found`);
        const s = this.stages(epoch);
        const h = this.height();
        if (h < s.poc_start || h >= s.poc_validation_end)
          throw new ChainError(6, `PoC of epoch ${epoch} is not open at height ${h}`);
        const nodes = Array.isArray(body.nodes) ? body.nodes : [];
        const byParticipant = this.pocReports.get(epoch) ?? new Map();
        const byNode = byParticipant.get(participant) ?? new Map();
        for (const n of nodes as { node_id?: unknown; count?: unknown; model?: unknown }[]) {
          if (typeof n.node_id !== 'string' || typeof n.count !== 'number' || n.count < 0) continue;
          byNode.set(n.node_id, { count: n.count, model: String(n.model ?? '') });
        }
        byParticipant.set(participant, byNode);
        this.pocReports.set(epoch, byParticipant);
        return { hash: this.record('MsgSubmitPocBatch'), log: `recorded PoC for ${nodes.length} node(s)` };
      }
      default:
        throw new ChainError(2, `unknown message type "${String(body.type)}"`);
    }
  }
}
