import type { NodeHealthFacts } from './facts.js';

/**
 * The health of one node, rolled up from the agent's facts to one status and the reason of its worst
 * finding. critical: the node does not do its job (a service down, the chain stalled, the ML node
 * failed, the cold key on the server). warning: it will, but not yet or not fully (syncing, waiting
 * for the cold-key grant, no weight yet). unknown: nothing deployed or nothing could be read.
 */
export type HealthStatus = 'ok' | 'warning' | 'critical' | 'unknown';

export interface HealthCheck {
  name: string;
  status: HealthStatus;
  detail: string;
}

export interface HealthRollup {
  status: HealthStatus;
  reason: string;
  checks: HealthCheck[];
}

const RANK: Record<HealthStatus, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };

/** Setup-report checks whose failure means the node is not working (others: it is waiting for something). */
const CRITICAL_SETUP = new Set([
  'cold_key_not_in_keyring',
  'warm_key_in_keyring',
  'warm_key_address_match',
  'block_sync',
]);
const SETUP_HINT: Record<string, string> = {
  permissions_granted: 'waiting for the cold-key grant (gnm node commands)',
  feegrant_allowance: 'waiting for the cold-key grant (fee allowance)',
  consensus_key_match: 'the registered consensus key is not this node’s: register again',
  cold_key_not_in_keyring: 'the cold key is in the server keyring: remove it',
  active_in_epoch: 'no weight in this epoch yet (after the next PoC)',
  validator_in_set: 'not in the validator set: registered? jailed? (unjail with the cold key)',
  missed_requests_threshold: 'too many missed inference requests: check the ML node',
};

export function rollupHealth(
  f: NodeHealthFacts,
  o: { now?: Date; maxLagBlocks?: number; maxBlockAgeS?: number } = {},
): HealthRollup {
  const now = o.now ?? new Date();
  const checks: HealthCheck[] = [];
  const add = (name: string, status: HealthStatus, detail: string) => checks.push({ name, status, detail });
  if (!f.release) {
    add('deployment', 'unknown', 'not deployed');
    return finish(checks, f);
  }
  // Containers: each must run, and be healthy where it has a health check.
  const bad = f.containers.filter((c) => c.state !== 'running' || c.health === 'unhealthy');
  if (!f.containers.length) add('containers', 'critical', 'no container of the stack exists: deploy again');
  else if (bad.length)
    add(
      'containers',
      'critical',
      bad
        .map(
          (c) =>
            `${c.service} ${c.state === 'running' ? 'unhealthy' : c.state}${c.restartCount ? ` (${c.restartCount} restarts)` : ''}`,
        )
        .join(', '),
    );
  else add('containers', 'ok', `${f.containers.length} running`);

  if (f.role !== 'mlnode') {
    const c = f.chain;
    if (!c) add('chain', 'critical', 'the node’s RPC does not answer');
    else {
      const lag = c.networkHeight === null ? null : Math.max(0, c.networkHeight - c.height);
      const age = (now.getTime() - Date.parse(c.latestBlockTime)) / 1000;
      if (c.catchingUp)
        add(
          'chain',
          'warning',
          `syncing: height ${c.height}${c.networkHeight !== null ? ` of ${c.networkHeight} (lag ${lag} blocks)` : ''}`,
        );
      else if (Number.isFinite(age) && age > (o.maxBlockAgeS ?? 60))
        add('chain', 'critical', `chain stalled: last block ${Math.round(age)} s ago at height ${c.height}`);
      else if (lag !== null && lag > (o.maxLagBlocks ?? 20))
        add(
          'chain',
          'warning',
          `${lag} blocks behind the network (height ${c.height} of ${c.networkHeight})`,
        );
      else add('chain', 'ok', `in sync at height ${c.height}${lag !== null ? ` (lag ${lag})` : ''}`);
    }
    const r = f.setupReport;
    if (!r) add('setup', 'unknown', 'no setup report');
    else
      for (const s of r.checks) {
        if (s.status === 'PASS' || s.id.startsWith('mlnode_')) continue;
        const status: HealthStatus =
          s.status === 'FAIL' ? (CRITICAL_SETUP.has(s.id) ? 'critical' : 'warning') : 'unknown';
        add(`setup:${s.id}`, status, `${SETUP_HINT[s.id] ?? s.message}`);
      }
  }
  if (f.role !== 'network') {
    if (!f.mlNodes.length) add('mlnode', 'warning', 'no ML node is listed');
    for (const m of f.mlNodes) {
      if (m.healthy === false || m.state === 'FAILED')
        add(
          `mlnode:${m.id}`,
          'critical',
          `ML node ${m.id} ${m.state ?? 'unhealthy'}: check its logs (gnm-agent logs mlnode-308)`,
        );
      else if (m.state === 'INFERENCE' && !m.loadedModel)
        add(`mlnode:${m.id}`, 'warning', `ML node ${m.id} is in inference without a loaded model`);
      else
        add(`mlnode:${m.id}`, 'ok', `${m.state ?? 'up'}${m.loadedModel ? ` serving ${m.loadedModel}` : ''}`);
    }
  }
  return finish(checks, f);
}

function finish(checks: HealthCheck[], f: NodeHealthFacts): HealthRollup {
  if (f.errors.length) checks.push({ name: 'read', status: 'unknown', detail: f.errors.join('; ') });
  const worst = checks.reduce<HealthCheck | undefined>(
    (w, c) => (!w || RANK[c.status] > RANK[w.status] ? c : w),
    undefined,
  );
  if (!worst) return { status: 'unknown', reason: 'nothing was read', checks };
  const status = worst.status;
  return { status, reason: status === 'ok' ? 'all checks pass' : worst.detail, checks };
}
