import fs from 'node:fs';
import path from 'node:path';
import { log } from '../../lib/http.js';

/** One ML node as DAPI keeps it: its config (reference §3) and its broker state (§4.1). */
export interface NodeConfig {
  id: string;
  host: string;
  inference_port: number;
  poc_port: number;
  inference_segment?: string;
  poc_segment?: string;
  max_concurrent: number;
  models: Record<string, { args: string[] }>;
  hardware?: { type: string; count: number }[];
}

export interface NodeState {
  intended_status: string;
  current_status: string;
  poc_intended_status: string;
  poc_current_status: string;
  lock_count: number;
  failure_reason: string;
  status_timestamp: string;
  admin_state: { enabled: boolean; epoch: number };
  ml_node_version: string;
  poc_validation_inference: boolean;
  epoch_models: Record<string, unknown>;
  epoch_ml_nodes: Record<string, { node_id: string; poc_weight: number; timeslot_allocation: boolean[] }>;
  preserved_models: null;
  reconcile_info?: { status: number; poc_status: string };
}

export interface StoredNode {
  node: NodeConfig & { node_num: number };
  state: NodeState;
}

interface DbFile {
  node_config_merged: boolean;
  next_node_num: number;
  nodes: StoredNode[];
}

export function freshState(epoch: number): NodeState {
  return {
    intended_status: 'INFERENCE',
    current_status: 'UNKNOWN',
    poc_intended_status: 'IDLE',
    poc_current_status: 'IDLE',
    lock_count: 0,
    failure_reason: '',
    status_timestamp: new Date().toISOString(),
    admin_state: { enabled: true, epoch },
    ml_node_version: '',
    poc_validation_inference: true,
    epoch_models: {},
    epoch_ml_nodes: {},
    preserved_models: null,
  };
}

/**
 * DAPI's node store, standing in for the SQLite `/root/.dapi/gonka.db` (reference §3): node-config.json
 * is merged once, flagged `node_config_merged`, and later edits of that file are ignored; changes made
 * through the Admin API persist.
 */
export class NodeStore {
  private db: DbFile;
  private readonly file: string;

  constructor(dapiHome: string) {
    this.file = path.join(dapiHome, 'gonka-sim.db.json');
    fs.mkdirSync(dapiHome, { recursive: true });
    this.db = fs.existsSync(this.file)
      ? (JSON.parse(fs.readFileSync(this.file, 'utf8')) as DbFile)
      : { node_config_merged: false, next_node_num: 1, nodes: [] };
  }

  get merged(): boolean {
    return this.db.node_config_merged;
  }

  markMerged(): void {
    this.db.node_config_merged = true;
    this.save();
  }

  list(): StoredNode[] {
    return this.db.nodes;
  }

  get(id: string): StoredNode | undefined {
    return this.db.nodes.find((n) => n.node.id === id);
  }

  upsert(cfg: NodeConfig, epoch: number): StoredNode {
    const existing = this.get(cfg.id);
    if (existing) {
      existing.node = { ...cfg, node_num: existing.node.node_num };
      this.save();
      return existing;
    }
    const n: StoredNode = { node: { ...cfg, node_num: this.db.next_node_num++ }, state: freshState(epoch) };
    this.db.nodes.push(n);
    this.save();
    return n;
  }

  remove(id: string): boolean {
    const before = this.db.nodes.length;
    this.db.nodes = this.db.nodes.filter((n) => n.node.id !== id);
    this.save();
    return this.db.nodes.length !== before;
  }

  save(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.db));
    fs.renameSync(tmp, this.file);
  }
}

/**
 * Reads node-config.json once (NODE_CONFIG_PATH), as DAPI's ConfigManager.LoadNodeConfig does; each
 * entry goes through the same validation as an Admin API add (unknown models dropped).
 */
export function mergeNodeConfigOnce(
  store: NodeStore,
  file: string,
  epoch: number,
  validate: (c: unknown) => NodeConfig,
): void {
  if (store.merged) {
    log('api', 'node_config_merged is set: node-config.json is not read again (use the Admin API)');
    return;
  }
  if (fs.existsSync(file)) {
    const list = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    if (!Array.isArray(list)) throw new Error(`${file}: expected a JSON array of nodes`);
    for (const item of list) {
      try {
        store.upsert(validate(item), epoch);
      } catch (e) {
        log('api', `node-config.json entry skipped: ${(e as Error).message}`);
      }
    }
    log('api', `merged ${list.length} node(s) from ${file}`);
  }
  store.markMerged();
}
