import type { NodeHealthFacts } from './facts.js';

/**
 * The health of one node, rolled up from the agent's facts to one status and the reason of its worst
 * finding (one line, for lists and waits; every finding is in `checks`).
 *
 * - critical: the node does not do its job, or endangers the account: a container down, the chain
 *   stalled or on the wrong chain, the ML node failed, the cold key on the server, the warm key gone.
 * - warning: it will, but not yet or not fully: syncing, behind the network, waiting for the
 *   cold-key grant, not yet registered or active, an ML node without its model.
 * - unknown: nothing deployed, or the facts that decide could not be read (the agent's error is the
 *   reason).
 * - ok: everything that decides passes.
 *
 * Facts that do not decide whether the node works — a setup-report check the DAPI could not run
 * (UNAVAILABLE, often because the seed did not answer), a missing setup report, a side read that
 * failed — are listed as `unknown` checks but do not turn a working node unknown: a seed hiccup must
 * not grey out a whole fleet. The ok reason then names what was not read.
 *
 * Roles: a network-only node has no local ML node (its ML nodes report on their own hosts); an
 * ML-node-only host has no chain and no setup report. A null role judges what is present.
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

export interface RollupOptions {
  now?: Date;
  /** Blocks behind the seed that count as "behind" when not catching up (default 20, ≈ 2 min). */
  maxLagBlocks?: number;
  /** Seconds since the last block after which the chain is stalled (default 60: the setup report's block_sync). */
  maxBlockAgeS?: number;
  /** The chain id the node must be on (its network's); a different one is critical. */
  expectedChainId?: string;
}

const RANK: Record<HealthStatus, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };

/**
 * What a FAIL of each setup-report check (reference §4.2) means and what to do. Critical: the node
 * cannot work or the account is at risk. Warning: a step still to take, or a consequence of another
 * finding. Checks not listed are warnings with the DAPI's own message.
 */
const SETUP_FAIL: Record<string, { status: HealthStatus; detail: string }> = {
  cold_key_configured: {
    status: 'critical',
    detail:
      'ACCOUNT_PUBKEY is not set: give the account public key in the node configuration and deploy again',
  },
  cold_key_not_in_keyring: {
    status: 'critical',
    detail:
      'the cold key is in the server keyring: delete it there, keep it only on your own machine, and move the funds if it may have leaked',
  },
  warm_key_in_keyring: {
    status: 'critical',
    detail:
      'the warm key is missing from the server keyring: restore the key backup, or recreate the key and run the grant again',
  },
  warm_key_address_match: {
    status: 'critical',
    detail: 'the keyring’s warm key is not the node’s signer: check KEY_NAME against the keyring',
  },
  block_sync: { status: 'critical', detail: 'chain stalled: no new block for over 60 s' },
  permissions_granted: {
    status: 'warning',
    detail:
      'waiting for the cold-key grant: run the grant-ml-ops-permissions command (gnm node commands) on the machine that holds the cold key',
  },
  feegrant_allowance: {
    status: 'warning',
    detail: 'no fee allowance from the cold key: run the grant-ml-ops-permissions command (it sets one)',
  },
  consensus_key_match: {
    status: 'warning',
    detail:
      'the chain does not have this node’s consensus key: register the node; after a lost .tmkms, run the fallback submit-new-participant command',
  },
  active_in_epoch: {
    status: 'warning',
    detail: 'no weight in this epoch yet: it comes after the next PoC the ML node takes part in',
  },
  validator_in_set: {
    status: 'warning',
    detail:
      'not in the validator set: expected before the first PoC; otherwise the node may be jailed (missed blocks): fix it, then unjail with the cold key (inferenced tx slashing unjail)',
  },
  missed_requests_threshold: {
    status: 'warning',
    detail: 'over 10% of inference requests missed this epoch: check the ML node and its model',
  },
};

interface Finding extends HealthCheck {
  /** False for facts that cannot make a working node unknown (see the module comment). */
  decides: boolean;
}

export function rollupHealth(f: NodeHealthFacts, o: RollupOptions = {}): HealthRollup {
  const now = o.now ?? new Date();
  const found: Finding[] = [];
  const add = (name: string, status: HealthStatus, detail: string, decides = true) =>
    found.push({ name, status, detail, decides });
  const errors = f.errors.join('; ');

  if (!f.release) {
    add('deployment', 'unknown', 'not deployed');
    return finish(found);
  }
  const nothingRead = !f.containers.length && !f.chain && !f.setupReport && !f.mlNodes.length;
  if (nothingRead && f.errors.length) {
    add('read', 'unknown', `could not read the node: ${errors}`);
    return finish(found);
  }

  // Containers: each must run, and be healthy where it has a health check. `restarting` is a crash
  // loop, `exited`/`dead`/`created` a service that is not there.
  if (!f.containers.length)
    add(
      'containers',
      f.errors.length ? 'unknown' : 'critical',
      f.errors.length ? `containers not read: ${errors}` : 'no container of the stack exists: deploy again',
    );
  else {
    const down = f.containers.filter((c) => c.state !== 'running' || c.health === 'unhealthy');
    const starting = f.containers.filter((c) => c.state === 'running' && c.health === 'starting');
    const restarts = (c: { restartCount?: number }) =>
      c.restartCount ? ` (${c.restartCount} restarts)` : '';
    if (down.length)
      add(
        'containers',
        'critical',
        `${down.map((c) => `${c.service} ${c.state === 'running' ? 'unhealthy' : c.state}${restarts(c)}`).join(', ')}: check gnm-agent logs ${down[0]?.service ?? ''}`,
      );
    else if (starting.length)
      add('containers', 'warning', `starting: ${starting.map((c) => c.service).join(', ')}`);
    else add('containers', 'ok', `${f.containers.length} running`);
  }

  const judgeChain =
    f.role === 'network' || f.role === 'full' || (f.role === null && !!(f.chain || f.setupReport));
  if (judgeChain) {
    const c = f.chain;
    if (!c)
      add('chain', 'critical', `the node’s RPC does not answer${f.errors.length ? ` (${errors})` : ''}`);
    else {
      const lag = c.networkHeight === null ? null : Math.max(0, c.networkHeight - c.height);
      const age = (now.getTime() - Date.parse(c.latestBlockTime)) / 1000;
      const maxAge = o.maxBlockAgeS ?? 60;
      if (o.expectedChainId && c.chainId && c.chainId !== o.expectedChainId)
        add(
          'chain',
          'critical',
          `wrong chain: the node is on ${c.chainId}, its network is ${o.expectedChainId}: check the seed and redeploy`,
        );
      // A syncing node's last block is old by definition: the age only means "stalled" once caught up.
      else if (c.catchingUp)
        add(
          'chain',
          'warning',
          `syncing: height ${c.height}${c.networkHeight !== null ? ` of ${c.networkHeight} (lag ${lag} blocks)` : ''}`,
        );
      else if (Number.isFinite(age) && age > maxAge)
        add(
          'chain',
          'critical',
          `chain stalled: last block ${Math.round(age)} s ago at height ${c.height}: check the node’s peers and logs (gnm-agent logs node)`,
        );
      else if (lag !== null && lag > (o.maxLagBlocks ?? 20))
        add(
          'chain',
          'warning',
          `${lag} blocks behind the network (height ${c.height} of ${c.networkHeight})`,
        );
      else
        add(
          'chain',
          'ok',
          `in sync at height ${c.height}${lag !== null ? ` (lag ${lag})` : ' (network height not read)'}`,
        );
    }

    const r = f.setupReport;
    if (!r) add('setup', 'unknown', 'setup report not read', false);
    else
      for (const s of r.checks) {
        // ML nodes are judged from their own state below; block_sync from the chain facts above.
        if (s.status === 'PASS' || s.id.startsWith('mlnode_') || (s.id === 'block_sync' && c)) continue;
        if (s.status === 'FAIL') {
          const rule = SETUP_FAIL[s.id];
          add(`setup:${s.id}`, rule?.status ?? 'warning', rule?.detail ?? `${s.id}: ${s.message}`);
        } else add(`setup:${s.id}`, 'unknown', `${s.id} not checked: ${s.message}`, false);
      }
  }

  const judgeMl = f.role === 'mlnode' || f.role === 'full' || (f.role === null && f.mlNodes.length > 0);
  if (judgeMl) {
    if (!f.mlNodes.length)
      add(
        'mlnode',
        f.errors.length ? 'unknown' : 'warning',
        f.errors.length ? `ML node not read: ${errors}` : 'no ML node is listed: deploy or enable one',
      );
    for (const m of f.mlNodes) {
      if (m.healthy === false || m.state === 'FAILED')
        add(
          `mlnode:${m.id}`,
          'critical',
          `ML node ${m.id} ${m.state === 'FAILED' ? 'FAILED' : 'unhealthy'}: check its logs (gnm-agent logs mlnode-308)`,
        );
      else if (m.state === 'INFERENCE' && !m.loadedModel)
        add(
          `mlnode:${m.id}`,
          'warning',
          `ML node ${m.id} is in inference without a loaded model: the model is loading or failed to load`,
        );
      else
        add(`mlnode:${m.id}`, 'ok', `${m.state ?? 'up'}${m.loadedModel ? ` serving ${m.loadedModel}` : ''}`);
    }
  }

  if (f.errors.length) add('read', 'unknown', errors, false);
  return finish(found);
}

function finish(found: Finding[]): HealthRollup {
  const checks = found.map(({ name, status, detail }) => ({ name, status, detail }));
  // The first of the worst decisive findings gives the status and the one-line reason.
  let worst: Finding | undefined;
  for (const c of found) if (c.decides && (!worst || RANK[c.status] > RANK[worst.status])) worst = c;
  if (!worst) return { status: 'unknown', reason: 'nothing was read', checks };
  if (worst.status !== 'ok') return { status: worst.status, reason: worst.detail, checks };
  // Say what was not read, so an ok with gaps is not mistaken for a full pass.
  const unread = found
    .filter((c) => !c.decides && c.status === 'unknown')
    .map((c) => (c.name === 'read' ? c.detail : c.name));
  return {
    status: 'ok',
    reason: unread.length ? `all checks pass; not read: ${unread.join('; ')}` : 'all checks pass',
    checks,
  };
}
