import { request, isObject } from '../../lib/http.js';
import { knobs } from '../../lib/knobs.js';
import type { ApiContext } from './context.js';

type Status = 'PASS' | 'FAIL' | 'UNAVAILABLE';
interface Check {
  id: string;
  status: Status;
  message: string;
  details?: unknown;
}

/**
 * `GET /admin/v1/setup/report` (reference §4.2): the 12 checks in order, overall status, summary, and
 * a cache of SIM_SETUP_REPORT_CACHE_MS (one minute, as the real one).
 */
export class SetupReport {
  private cached: { at: number; body: unknown } | undefined;

  constructor(private readonly ctx: ApiContext) {}

  async get(): Promise<unknown> {
    const ttl = knobs.setupReportCacheMs();
    if (this.cached && Date.now() - this.cached.at < ttl) return this.cached.body;
    const now = Date.now();
    const checks = await this.run();
    const failed = checks.filter((c) => c.status === 'FAIL');
    const unavailable = checks.filter((c) => c.status === 'UNAVAILABLE');
    const body = {
      experimental: true,
      generated_at: new Date(now).toISOString(),
      cached_until: new Date(now + ttl).toISOString(),
      overall_status: failed.length ? 'FAIL' : unavailable.length ? 'UNAVAILABLE' : 'PASS',
      checks,
      summary: {
        total_checks: checks.length,
        passed_checks: checks.filter((c) => c.status === 'PASS').length,
        failed_checks: failed.length,
        unavailable_checks: unavailable.length,
        issues: failed.map((c) => c.message),
        recommendations: failed.map(
          (c) => RECOMMEND[c.id.startsWith('mlnode_') ? 'mlnode' : c.id] ?? 'see the check message',
        ),
      },
    };
    this.cached = { at: now, body };
    return body;
  }

  private async run(): Promise<Check[]> {
    const ctx = this.ctx;
    const checks: Check[] = [];
    const cold = ctx.coldAddress();
    const warm = ctx.warmInfo();
    checks.push(
      cold
        ? {
            id: 'cold_key_configured',
            status: 'PASS',
            message: 'Cold key is configured',
            details: { address: cold, pubkey: ctx.accountPubkey },
          }
        : { id: 'cold_key_configured', status: 'FAIL', message: 'ACCOUNT_PUBKEY is not set or invalid' },
    );
    const coldInKeyring = ctx.keyring.list().some((k) => k.pubkey === ctx.accountPubkey);
    checks.push(
      coldInKeyring
        ? {
            id: 'cold_key_not_in_keyring',
            status: 'FAIL',
            message: 'The cold (account) key is in the server keyring: remove it',
          }
        : { id: 'cold_key_not_in_keyring', status: 'PASS', message: 'Cold key is not in the server keyring' },
    );
    checks.push(
      warm
        ? { id: 'warm_key_in_keyring', status: 'PASS', message: `Warm key ${ctx.keyName} found in keyring` }
        : {
            id: 'warm_key_in_keyring',
            status: 'FAIL',
            message: `Warm key ${ctx.keyName || '(KEY_NAME unset)'} not found in keyring`,
          },
    );
    checks.push(
      warm
        ? {
            id: 'warm_key_address_match',
            status: 'PASS',
            message: 'Warm key address matches the signer address',
            details: { address: warm.address },
          }
        : { id: 'warm_key_address_match', status: 'UNAVAILABLE', message: 'No warm key to compare' },
    );

    let grantsOk = false;
    if (cold && warm) {
      const r = await ctx.seedGet(
        `/chain-api/cosmos/authz/v1beta1/grants?granter=${cold}&grantee=${warm.address}`,
      );
      if (r.status === 200 && isObject(r.body) && Array.isArray(r.body.grants)) {
        const granted = r.body.grants
          .filter(isObject)
          .map((g) => (isObject(g.authorization) ? String(g.authorization.msg) : ''));
        const missing = REQUIRED_COUNT - new Set(granted).size;
        grantsOk = missing <= 0;
        checks.push({
          id: 'permissions_granted',
          status: grantsOk ? 'PASS' : 'FAIL',
          message: grantsOk
            ? 'All ML operational permissions are granted'
            : `${missing} permission(s) not granted by the cold key`,
          details: {
            cold_key_address: cold,
            warm_key_address: warm.address,
            granted: granted.length,
            missing: Math.max(0, missing),
          },
        });
      } else
        checks.push({
          id: 'permissions_granted',
          status: 'UNAVAILABLE',
          message: 'Could not query grants from the chain',
        });
      const f = await ctx.seedGet(`/chain-api/cosmos/feegrant/v1beta1/allowance/${cold}/${warm.address}`);
      if (f.status === 200 && isObject(f.body) && isObject(f.body.allowance)) {
        const a = isObject(f.body.allowance.allowance) ? f.body.allowance.allowance : {};
        checks.push({
          id: 'feegrant_allowance',
          status: 'PASS',
          message: 'Fee grant from the cold key exists',
          details: {
            allowance_type: a['@type'],
            spend_limit: a.spend_limit,
            expiration: a.expiration ?? null,
          },
        });
      } else if (f.status === 404)
        checks.push({
          id: 'feegrant_allowance',
          status: 'FAIL',
          message: 'No fee grant from the cold key to the warm key',
        });
      else
        checks.push({
          id: 'feegrant_allowance',
          status: 'UNAVAILABLE',
          message: 'Could not query the fee grant',
        });
    } else {
      checks.push({ id: 'permissions_granted', status: 'UNAVAILABLE', message: 'Cold or warm key missing' });
      checks.push({ id: 'feegrant_allowance', status: 'UNAVAILABLE', message: 'Cold or warm key missing' });
    }

    const st = await request('GET', `${ctx.nodeRpc}/status`, undefined, 3000);
    const result = isObject(st.body) && isObject(st.body.result) ? st.body.result : undefined;
    const vinfo = result && isObject(result.validator_info) ? result.validator_info : undefined;
    const localKey = vinfo && isObject(vinfo.pub_key) ? String(vinfo.pub_key.value) : '';
    const participant = cold ? await ctx.seedGet(`/v2/participants/${cold}`) : { status: 0, body: undefined };
    const p =
      isObject(participant.body) && isObject(participant.body.participant)
        ? participant.body.participant
        : undefined;
    if (!localKey)
      checks.push({
        id: 'consensus_key_match',
        status: 'UNAVAILABLE',
        message: 'Local node status unavailable',
      });
    else if (!p)
      checks.push({
        id: 'consensus_key_match',
        status: 'FAIL',
        message: 'Participant not registered on chain',
      });
    else
      checks.push({
        id: 'consensus_key_match',
        status: p.validator_key === localKey ? 'PASS' : 'FAIL',
        message:
          p.validator_key === localKey
            ? 'Consensus key matches the chain'
            : 'Local consensus key differs from the registered validator key',
      });

    const ap = await ctx.seedGet('/v1/epochs/current/participants');
    const act =
      isObject(ap.body) && isObject(ap.body.active_participants) ? ap.body.active_participants : undefined;
    const list = act && Array.isArray(act.participants) ? act.participants.filter(isObject) : [];
    const mine = list.find((x) => x.index === cold);
    const epochIdx = act ? Number(act.epoch_id) : (ctx.epoch?.index ?? 0);
    checks.push(
      mine
        ? {
            id: 'active_in_epoch',
            status: 'PASS',
            message: `Active in epoch ${epochIdx}`,
            details: { epoch: epochIdx, weight: Number(mine.weight) },
          }
        : {
            id: 'active_in_epoch',
            status: 'FAIL',
            message: `Not active in epoch ${epochIdx}`,
            details: { epoch: epochIdx, weight: 0 },
          },
    );
    const vals = await ctx.seedGet('/chain-rpc/validators');
    const vres = isObject(vals.body) && isObject(vals.body.result) ? vals.body.result : undefined;
    const inSet =
      vres &&
      Array.isArray(vres.validators) &&
      vres.validators.filter(isObject).some((v) => isObject(v.pub_key) && v.pub_key.value === localKey);
    checks.push(
      !vres
        ? { id: 'validator_in_set', status: 'UNAVAILABLE', message: 'Validator set unavailable' }
        : inSet
          ? { id: 'validator_in_set', status: 'PASS', message: 'Consensus key is in the validator set' }
          : {
              id: 'validator_in_set',
              status: 'FAIL',
              message: 'Consensus key is not in the validator set: may need to register or unjail',
            },
    );
    const stats = p && isObject(p.current_epoch_stats) ? p.current_epoch_stats : {};
    const inf = Number(stats.inference_count ?? 0);
    const missed = Number(stats.missed_requests ?? 0);
    const total = inf + missed;
    const pct = total ? (missed / total) * 100 : 0;
    checks.push({
      id: 'missed_requests_threshold',
      status: pct < 10 ? 'PASS' : 'FAIL',
      message: pct < 10 ? 'Missed requests below 10%' : `Missed requests ${pct.toFixed(1)}% is above 10%`,
      details: {
        inference_count: inf,
        missed_requests: missed,
        total_requests: total,
        missed_percentage: pct,
      },
    });

    for (const n of ctx.store.list()) {
      const base = `http://${n.node.host}:${n.node.poc_port}${n.node.poc_segment ?? ''}`;
      const h = await request('GET', `${base}/health`, undefined, 5000);
      const g = await request('GET', `${base}/api/v1/gpu/devices`, undefined, 5000);
      const devices =
        isObject(g.body) && Array.isArray(g.body.devices) ? g.body.devices.filter(isObject) : [];
      checks.push({
        id: `mlnode_${n.node.id}`,
        status: h.status === 200 ? 'PASS' : 'FAIL',
        message:
          h.status === 200
            ? `ML node ${n.node.id} is healthy`
            : `ML node ${n.node.id} health check failed (${h.status || h.text})`,
        details: {
          id: n.node.id,
          host: n.node.host,
          models: Object.keys(n.node.models),
          gpus: devices.map((d) => ({
            index: d.index,
            name: d.name,
            total_memory_gb: Number(d.total_memory_mb) / 1024,
            free_memory_gb: Number(d.free_memory_mb) / 1024,
            used_memory_gb: Number(d.used_memory_mb) / 1024,
            utilization_percent: d.utilization_percent,
            temperature_c: d.temperature_c,
            available: d.is_available,
          })),
        },
      });
    }

    const sync = result && isObject(result.sync_info) ? result.sync_info : undefined;
    if (!sync)
      checks.push({ id: 'block_sync', status: 'UNAVAILABLE', message: 'Local node status unavailable' });
    else {
      const age = (Date.now() - Date.parse(String(sync.latest_block_time))) / 1000;
      checks.push({
        id: 'block_sync',
        status: age < 60 ? 'PASS' : 'FAIL',
        message: age < 60 ? 'Node is in sync' : `Latest block is ${Math.round(age)} s old`,
        details: {
          latest_height: Number(sync.latest_block_height),
          latest_block_time: sync.latest_block_time,
          seconds_since_block: Math.round(age),
        },
      });
    }
    return checks;
  }
}

const REQUIRED_COUNT = 20;
const RECOMMEND: Record<string, string> = {
  cold_key_configured: 'Set ACCOUNT_PUBKEY in config.env',
  cold_key_not_in_keyring: 'Delete the cold key from the server keyring; keep it only on your local machine',
  warm_key_in_keyring: 'Create the warm key in the api container with inferenced keys add',
  permissions_granted: 'Run grant-ml-ops-permissions from your cold key',
  feegrant_allowance: 'Run grant-ml-ops-permissions from your cold key',
  consensus_key_match: 'Register the participant with the current consensus key',
  active_in_epoch: 'Make sure your ML nodes take part in PoC',
  validator_in_set: 'Register or unjail the validator',
  missed_requests_threshold: 'Check ML node availability',
  mlnode: 'Check the ML node and the network path to it',
  block_sync: 'Check the node sync status',
};
