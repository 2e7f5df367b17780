import { isObject } from '../../lib/http.js';
import type { NodeConfig } from './store.js';

export class ValidationError extends Error {}

function port(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
    throw new ValidationError(`${name} must be between 1 and 65535`);
  }
  return v;
}

/**
 * Basic validation of an InferenceNodeConfig (reference §3, ValidateInferenceNodeBasic and
 * broker.validateInferenceNode). Like the real DAPI, a host given as a URL is accepted here (and
 * then cannot be reached): the product must refuse such input before it gets this far.
 */
export function validateBasic(raw: unknown): NodeConfig {
  if (!isObject(raw)) throw new ValidationError('node config must be a JSON object');
  const id = raw.id;
  if (typeof id !== 'string' || id.trim() === '') throw new ValidationError('node id is required');
  if (typeof raw.host !== 'string' || raw.host.trim() === '')
    throw new ValidationError('node host is required');
  const inference_port = port(raw.inference_port, 'inference_port');
  const poc_port = port(raw.poc_port, 'poc_port');
  if (
    typeof raw.max_concurrent !== 'number' ||
    !Number.isInteger(raw.max_concurrent) ||
    raw.max_concurrent <= 0
  ) {
    throw new ValidationError('max_concurrent must be greater than 0');
  }
  if (!isObject(raw.models) || Object.keys(raw.models).length === 0)
    throw new ValidationError('at least one model is required');
  const models: NodeConfig['models'] = {};
  for (const [m, v] of Object.entries(raw.models)) {
    const args = isObject(v) && Array.isArray(v.args) ? v.args.map(String) : [];
    models[m] = { args };
  }
  // Plain Go structs: the segments are always serialised, empty when unset (reference §4.1).
  const cfg: NodeConfig = {
    id,
    host: raw.host,
    inference_segment: typeof raw.inference_segment === 'string' ? raw.inference_segment : '',
    inference_port,
    poc_segment: typeof raw.poc_segment === 'string' ? raw.poc_segment : '',
    poc_port,
    max_concurrent: raw.max_concurrent,
    models,
  };
  if (Array.isArray(raw.hardware)) {
    cfg.hardware = raw.hardware
      .filter(isObject)
      .map((h) => ({ type: String(h.type ?? ''), count: Number(h.count ?? 0) }));
  }
  return cfg;
}

/** host+port pairs must be unique across nodes (other than the node itself). */
export function checkUnique(cfg: NodeConfig, others: NodeConfig[]): void {
  for (const o of others) {
    if (o.id === cfg.id) continue;
    const theirs = new Set([`${o.host}:${o.inference_port}`, `${o.host}:${o.poc_port}`]);
    for (const mine of [`${cfg.host}:${cfg.inference_port}`, `${cfg.host}:${cfg.poc_port}`]) {
      if (theirs.has(mine))
        throw new ValidationError(`host and port ${mine} are already used by node ${o.id}`);
    }
  }
}

/**
 * Governance check: on add, models the chain does not know are dropped (and the request fails if
 * none remain); on update, any unknown model fails the request.
 */
export function applyGovernance(cfg: NodeConfig, allowed: Set<string>, isUpdate: boolean): NodeConfig {
  const unknown = Object.keys(cfg.models).filter((m) => !allowed.has(m));
  if (isUpdate && unknown.length)
    throw new ValidationError(`model(s) not approved by governance: ${unknown.join(', ')}`);
  const models = Object.fromEntries(Object.entries(cfg.models).filter(([m]) => allowed.has(m)));
  if (Object.keys(models).length === 0)
    throw new ValidationError('no governance-valid models in node config');
  return { ...cfg, models };
}
