import { request, isObject, log } from '../../lib/http.js';
import { signTx } from '../../lib/keys.js';
import type { ApiContext } from './context.js';
import type { PocCounter } from './poc-counter.js';
import type { StoredNode } from './store.js';

const POC_PHASES = new Set(['PoCGenerate', 'PoCGenerateWindDown', 'PoCValidate', 'PoCValidateWindDown']);

/**
 * The DAPI broker loop (reference §4.1 "DAPI derives current_status", §6 "DAPI side"): polls each ML
 * node, derives `current_status`, and drives it through the epoch phases — inference up, PoC v2
 * generation with the callback URL, validation, stop. After generation it submits the PoC nonces
 * received on 9100 to the chain with the warm key (authz from the cold key). No nonces received
 * (callback unreachable, node failed) means no weight, as on mainnet.
 */
export class Broker {
  private readonly initEpoch = new Map<string, number>();
  private readonly validateEpoch = new Map<string, number>();
  private reportedStart = -1;
  private reportedTotal = -1;
  private ticks = 0;

  constructor(
    private readonly ctx: ApiContext,
    private readonly counter: PocCounter,
  ) {}

  async tick(): Promise<void> {
    this.ticks++;
    await this.ctx.refreshEpoch();
    if (this.ticks % 10 === 1) await this.ctx.refreshModels();
    const ep = this.ctx.epoch;
    if (!ep) return;
    const nodes = this.ctx.store.list();
    await Promise.all(nodes.map((n) => this.reconcile(n, nodes.length)));
    await this.maybeReport();
    if (this.ticks % 4 === 0) await this.refreshWeights();
    this.ctx.store.save();
  }

  private participates(n: StoredNode): boolean {
    const ep = this.ctx.epoch;
    // Disabled nodes keep serving until the epoch ends and skip the next PoC (reference §4).
    return n.state.admin_state.enabled || (ep !== undefined && ep.index <= n.state.admin_state.epoch);
  }

  private async reconcile(n: StoredNode, nodeCount: number): Promise<void> {
    const ep = this.ctx.epoch;
    if (!ep) return;
    const cfg = n.node;
    const base = `http://${cfg.host}:${cfg.poc_port}${cfg.poc_segment ?? ''}`;
    const inferBase = `http://${cfg.host}:${cfg.inference_port}${cfg.inference_segment ?? ''}`;
    const s = n.state;
    const inPoc = POC_PHASES.has(ep.phase) && this.participates(n);
    s.intended_status = inPoc ? 'POC' : 'INFERENCE';
    s.poc_intended_status = !inPoc
      ? 'IDLE'
      : ep.phase.startsWith('PoCGenerate')
        ? 'GENERATING'
        : 'VALIDATING';
    const model = Object.keys(cfg.models)[0] ?? '';
    const args = cfg.models[model]?.args ?? [];

    const st = await request('GET', `${base}/api/v1/state`, undefined, 2000);
    let current = 'UNKNOWN';
    let pocCurrent = 'IDLE';
    let reason = '';
    if (st.status !== 200 || !isObject(st.body)) {
      current = 'FAILED';
      reason =
        st.status === 0
          ? `ML node unreachable at ${base}: ${st.text}`
          : `ML node ${base}/api/v1/state answered ${st.status}`;
    } else {
      const mlState = String(st.body.state);
      s.ml_node_version = String(st.body.version ?? '');
      if (mlState === 'POW') current = 'POC';
      else if (mlState === 'STOPPED') current = 'STOPPED';
      else if (mlState === 'TRAIN') current = 'TRAINING';
      else if (mlState === 'INFERENCE') {
        const pow = await request('GET', `${base}/api/v1/inference/pow/status`, undefined, 2000);
        pocCurrent = isObject(pow.body) ? String(pow.body.status ?? 'IDLE') : 'IDLE';
        if (pocCurrent === 'GENERATING' || pocCurrent === 'VALIDATING') current = 'POC';
        else {
          const health = await request('GET', `${inferBase}/health`, undefined, 2000);
          const loaded = await request('GET', `${inferBase}/v1/models`, undefined, 2000);
          const ids =
            isObject(loaded.body) && Array.isArray(loaded.body.data)
              ? loaded.body.data.filter(isObject).map((m) => String(m.id))
              : [];
          if (health.status !== 200) {
            current = 'FAILED';
            reason = `inference health check failed at ${inferBase}/health (${health.status || health.text})`;
          } else if (model && !ids.includes(model)) {
            current = st.body.inference_healthy === false ? 'FAILED' : 'STOPPED';
            reason = ids.length ? `loaded model ${ids.join(', ')} differs from the epoch model ${model}` : '';
          } else current = 'INFERENCE';
        }
      } else current = 'FAILED';

      // Reconcile towards the intended state.
      if (mlState === 'STOPPED' && model) {
        const up = await request('GET', `${base}/api/v1/inference/up/status`, undefined, 2000);
        const starting = isObject(up.body) && up.body.is_starting === true;
        if (!starting) {
          await request(
            'POST',
            `${base}/api/v1/inference/up/async`,
            { model, dtype: 'auto', additional_args: args },
            3000,
          );
        }
      } else if (mlState === 'INFERENCE') {
        if (
          s.poc_intended_status === 'GENERATING' &&
          pocCurrent === 'IDLE' &&
          this.initEpoch.get(cfg.id) !== ep.index
        ) {
          const warm = this.ctx.warmInfo();
          const r = await request(
            'POST',
            `${base}/api/v1/inference/pow/init/generate`,
            {
              block_hash: String(ep.pocStart),
              block_height: ep.pocStart,
              public_key: warm?.pubkey ?? '',
              node_id: cfg.node_num,
              node_count: nodeCount,
              batch_size: 32,
              params: { model, seq_len: 1024, k_dim: 12 },
              url: `${this.ctx.callbackUrl}/v2/poc-batches`,
            },
            3000,
          );
          if (r.status === 200) this.initEpoch.set(cfg.id, ep.index);
        } else if (
          s.poc_intended_status === 'VALIDATING' &&
          pocCurrent === 'GENERATING' &&
          this.validateEpoch.get(cfg.id) !== ep.index
        ) {
          const r = await request(
            'POST',
            `${base}/api/v1/inference/pow/generate`,
            { nonces: [], wait: false, validation: { artifacts: [] } },
            3000,
          );
          if (r.status === 200) this.validateEpoch.set(cfg.id, ep.index);
        } else if (
          s.poc_intended_status === 'IDLE' &&
          pocCurrent !== 'IDLE' &&
          pocCurrent !== 'NO_BACKENDS'
        ) {
          await request('POST', `${base}/api/v1/inference/pow/stop`, {}, 3000);
        }
      }
    }
    if (current !== s.current_status || pocCurrent !== s.poc_current_status)
      s.status_timestamp = new Date().toISOString();
    s.current_status = current;
    s.poc_current_status = pocCurrent === 'NO_BACKENDS' ? 'IDLE' : pocCurrent;
    s.failure_reason = reason;
    if (s.intended_status !== s.current_status)
      s.reconcile_info = { status: 2, poc_status: s.poc_intended_status };
    else delete s.reconcile_info;
    const info = this.ctx.modelInfo.get(model);
    s.epoch_models = info ? { [model]: info } : {};
    if (!cfg.hardware) await this.fillHardware(n, base);
  }

  /** DAPI auto-fills `hardware` from the ML node's GPU list when the config omits it (reference §3). */
  private async fillHardware(n: StoredNode, base: string): Promise<void> {
    const r = await request('GET', `${base}/api/v1/gpu/devices`, undefined, 2000);
    if (!isObject(r.body) || !Array.isArray(r.body.devices)) return;
    const counts = new Map<string, number>();
    for (const d of r.body.devices.filter(isObject)) {
      const type = `${String(d.name)} | ${Math.round(Number(d.total_memory_mb) / 1024)}GB`;
      counts.set(type, (counts.get(type) ?? 0) + 1);
    }
    if (counts.size) n.node.hardware = [...counts.entries()].map(([type, count]) => ({ type, count }));
  }

  /** After generation, submit the nonces of this PoC (once, again if more arrived). */
  private async maybeReport(): Promise<void> {
    const ep = this.ctx.epoch;
    if (!ep || !(ep.phase === 'PoCValidate' || ep.phase === 'PoCValidateWindDown')) return;
    const nodes = this.counter.forStart(ep.pocStart);
    const total = nodes.reduce((s, n) => s + n.count, 0);
    if (this.reportedStart === ep.pocStart && this.reportedTotal === total) return;
    const participant = this.ctx.coldAddress();
    const key = this.ctx.warmKey();
    if (!participant || !key || nodes.length === 0) return;
    const byNum = new Map(this.ctx.store.list().map((n) => [String(n.node.node_num), n.node.id]));
    const tx = signTx(
      {
        type: 'submit-poc-batch',
        participant,
        epoch: ep.index,
        nodes: nodes.map((n) => ({
          node_id: byNum.get(n.node_id) ?? n.node_id,
          count: n.count,
          model: n.model,
        })),
      },
      key,
    );
    const r = await request('POST', `${this.ctx.seedRpc()}/broadcast_tx_sync`, { tx }, 4000);
    const res = isObject(r.body) && isObject(r.body.result) ? r.body.result : undefined;
    if (res && res.code === 0) {
      this.reportedStart = ep.pocStart;
      this.reportedTotal = total;
      log('api', `submitted PoC of epoch ${ep.index}: ${total} nonces from ${nodes.length} node(s)`);
    } else {
      log('api', `PoC submission of epoch ${ep.index} failed: ${res ? String(res.log) : r.text}`);
    }
  }

  private async refreshWeights(): Promise<void> {
    const me = this.ctx.coldAddress();
    if (!me) return;
    const r = await this.ctx.seedGet('/v1/epochs/current/participants');
    const ap =
      isObject(r.body) && isObject(r.body.active_participants) ? r.body.active_participants : undefined;
    const list = ap && Array.isArray(ap.participants) ? ap.participants.filter(isObject) : [];
    const mine = list.find((p) => p.index === me);
    const weights = new Map<string, number>();
    if (mine && Array.isArray(mine.ml_nodes)) {
      for (const group of mine.ml_nodes.filter(isObject)) {
        for (const n of (Array.isArray(group.ml_nodes) ? group.ml_nodes : []).filter(isObject)) {
          weights.set(String(n.node_id), Number(n.poc_weight));
        }
      }
    }
    for (const n of this.ctx.store.list()) {
      const model = Object.keys(n.node.models)[0] ?? '';
      const w = weights.get(n.node.id);
      n.state.epoch_ml_nodes =
        w === undefined
          ? {}
          : { [model]: { node_id: n.node.id, poc_weight: w, timeslot_allocation: [true, false] } };
    }
  }
}
