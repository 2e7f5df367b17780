import { Keyring, addressOfBase64, type SecpKey } from '../../lib/keys.js';
import { request, isObject } from '../../lib/http.js';
import { knobs } from '../../lib/knobs.js';
import { Faults } from '../../lib/faults.js';
import { NodeStore } from './store.js';

/** What every part of the sim DAPI shares: its environment (the official variables), keys, chain view. */
export class ApiContext {
  readonly faults = new Faults('api');
  readonly store = new NodeStore('/root/.dapi');
  readonly keyring = new Keyring('/root/.inference/keyring-file');
  readonly keyName = process.env.KEY_NAME ?? '';
  readonly accountPubkey = process.env.ACCOUNT_PUBKEY ?? '';
  readonly seedApi = (process.env.DAPI_CHAIN_NODE__SEED_API_URL ?? '').replace(/\/+$/, '');
  readonly nodeRpc = (process.env.DAPI_CHAIN_NODE__URL ?? 'http://node:26657').replace(/\/+$/, '');
  readonly callbackUrl = (process.env.DAPI_API__POC_CALLBACK_URL ?? '').replace(/\/+$/, '');
  readonly publicUrl = process.env.DAPI_API__PUBLIC_URL ?? '';
  /** Latest `/v1/epochs/latest` of the network, refreshed by the broker. */
  epoch:
    | { height: number; index: number; phase: string; stages: Record<string, number>; pocStart: number }
    | undefined;
  allowedModels = new Set<string>();
  modelInfo = new Map<string, Record<string, unknown>>();

  /** The participant (cold account) address, from ACCOUNT_PUBKEY; undefined if unset or invalid. */
  coldAddress(): string | undefined {
    try {
      return this.accountPubkey ? addressOfBase64(this.accountPubkey) : undefined;
    } catch {
      return undefined;
    }
  }

  warmInfo(): { address: string; pubkey: string } | undefined {
    if (!this.keyName) return undefined;
    try {
      return this.keyring.show(this.keyName);
    } catch {
      return undefined;
    }
  }

  /** The warm key, unlocked with KEYRING_PASSWORD (never logged, never returned by any route). */
  warmKey(): SecpKey | undefined {
    const pw = process.env.KEYRING_PASSWORD;
    if (!this.keyName || !pw || !this.keyring.has(this.keyName)) return undefined;
    try {
      return this.keyring.unlock(this.keyName, pw);
    } catch {
      return undefined;
    }
  }

  async seedGet(path: string): Promise<{ status: number; body: unknown }> {
    if (!this.seedApi) return { status: 0, body: undefined };
    return request('GET', `${this.seedApi}${path}`, undefined, 4000);
  }

  /** The seed's chain RPC: `<seed>/chain-rpc/…` (the api sends its transactions there). */
  seedRpc(): string {
    return `${this.seedApi}/chain-rpc`;
  }

  async refreshEpoch(): Promise<void> {
    const r = await this.seedGet('/v1/epochs/latest');
    if (r.status !== 200 || !isObject(r.body)) return;
    const b = r.body;
    const latest = isObject(b.latest_epoch) ? b.latest_epoch : {};
    const stagesRaw = isObject(b.epoch_stages) ? b.epoch_stages : {};
    const stages: Record<string, number> = {};
    for (const [k, v] of Object.entries(stagesRaw))
      if (typeof v === 'number' || typeof v === 'string') stages[k] = Number(v);
    this.epoch = {
      height: Number(b.block_height),
      index: Number(latest.index),
      phase: String(b.phase),
      stages,
      pocStart: Number(latest.poc_start_block_height),
    };
  }

  async refreshModels(): Promise<void> {
    const r = await this.seedGet('/v1/models');
    if (r.status !== 200 || !isObject(r.body) || !Array.isArray(r.body.models)) return;
    const models = r.body.models.filter(isObject);
    this.allowedModels = new Set(models.map((m) => String(m.id)));
    this.modelInfo = new Map(models.map((m) => [String(m.id), m]));
  }

  chainVersion(): string {
    return knobs.chainVersion();
  }
}
