import path from 'node:path';
import type { z } from 'zod';
import type { OPERATIONS } from '@gnm/protocol';
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import type { StackDeps } from '../stack/stack-context.js';
import { DockerApi } from '../compose/docker-api.js';
import { probeHost } from '../probes/host-probe.js';
import { forRole } from '../operations/builtin.js';
import { applyStack } from '../stack/apply.js';
import { SecretStore } from '../stack/secret-store.js';
import { composeFor } from '../stack/stack-context.js';
import type { DeployResult } from './results.js';
import { ensureWarmKey, type WarmKey } from './warm-key.js';
import { containerAddress, containerJson, waitFor } from './container-http.js';
import { outboundPolicy } from '@gnm/protocol/outbound';
import { runCheck } from '../net/connectivity.js';

/** Where this host's own containers are (Docker's networks): checked directly, not as a user's target. */
const OWN_CONTAINERS = outboundPolicy('loopback,private,link-local');

export type DeployParams = z.infer<(typeof OPERATIONS)['node.deploy']>;

/** How long the node's RPC may take to answer after `tmkms` and `node` start (first start inits the chain home). */
const RPC_WAIT_MS = 5 * 60_000;
/** How long the deploy follows the sync before it hands over to the health checks. */
const SYNC_WAIT_MS = 10 * 60_000;

/**
 * node.deploy: the official bring-up order (reference §8) run by the agent, each step a progress
 * phase of the task: preflight → verify → render → pull → `tmkms` and `node` → the node RPC answering
 * on the compose network → the warm key (made here, never overwritten; only its public data leaves)
 * → for a full node the ML node and the model weights → the rest of the stack → the public API
 * answering → sync against the network.
 * An ML-node-only host has no chain: its stack starts in one step.
 */
export async function deployNode(
  p: DeployParams,
  ctx: OperationContext,
  d: StackDeps,
): Promise<DeployResult> {
  const accepted = await preflight(p, ctx, d);
  let warmKey: WarmKey | null = null;
  const apply = { bundle: p.bundle, version: p.version, role: p.role, values: p.values };
  const chain = p.role !== 'mlnode';
  const docker = new DockerApi();
  const stack = await applyStack(apply, ctx, d, ctx.opId, async (up, release) => {
    if (!chain) {
      await up(['--remove-orphans']);
      await waitForMlNode(ctx, docker);
      if (p.download) await download(p.download, ctx, d, String(p.values.HF_HOME ?? ''));
      return;
    }
    ctx.emit({ progress: { phase: 'start-chain' }, log: 'starting tmkms and node' });
    await up(['--no-deps', 'tmkms', 'node']);
    ctx.emit({
      progress: { phase: 'node-rpc' },
      log: 'waiting for the node RPC (26657) on the compose network',
    });
    await waitFor(ctx, RPC_WAIT_MS, 'the node RPC did not answer', () =>
      containerJson(docker, 'node', 26657, '/status', ctx.signal),
    );
    ctx.emit({ progress: { phase: 'warm-key' } });
    const password = new SecretStore(path.join(d.stateDir, 'secrets')).get('KEYRING_PASSWORD');
    if (!password)
      throw new OperationFailure(
        'no-keyring-password',
        'the keyring password is missing from the secret store',
      );
    warmKey = await ensureWarmKey({
      compose: composeFor(d, ctx),
      release,
      keyName: String(p.values.KEY_NAME ?? ''),
      password,
      keyringDir: path.join(d.stacksRoot, 'join', 'state', '.inference', 'keyring-file'),
      secrets: new SecretStore(path.join(d.stateDir, 'secrets')),
      ctx,
    });
    if (p.role === 'full') {
      // The ML node first, and the weights into HF_HOME through it, before the api starts: the api
      // is what enables the ML node and asks it to load the model.
      ctx.emit({ progress: { phase: 'mlnode' }, log: 'starting the ML node' });
      await up(['--no-deps', 'mlnode-308', 'inference']);
      await waitForMlNode(ctx, docker);
      if (p.download) await download(p.download, ctx, d, String(p.values.HF_HOME ?? ''));
    }
    ctx.emit({ progress: { phase: 'start-rest' }, log: 'starting the rest of the stack' });
    await up(['--remove-orphans']);
    ctx.emit({ progress: { phase: 'health' }, log: 'waiting for the public API (9000)' });
    await waitFor(ctx, RPC_WAIT_MS, 'the public API did not answer', () =>
      containerJson(docker, 'api', 9000, '/v1/status', ctx.signal),
    );
    // The proxy publishes the API on the host port (PUBLIC_URL): registration checks that URL from
    // outside right after this, so the deploy ends only once the proxy accepts connections. A TCP
    // connect, not a GET: in https mode port 80 answers with a redirect.
    ctx.emit({ log: 'waiting for the proxy (the API on the host port)' });
    await waitFor(ctx, RPC_WAIT_MS, 'the proxy did not accept connections on port 80', async () => {
      const host = await containerAddress(docker, 'proxy', ctx.signal);
      // The address is Docker's, not a user's: the host's own policy for user targets does not apply.
      const r = await runCheck({ id: 'proxy', kind: 'tcp', host, port: 80 }, ctx.signal, OWN_CONTAINERS);
      if (!r.ok) throw new Error(r.detail);
    });
    await followSync(ctx, docker, String(p.values.SEED_NODE_RPC_URL ?? ''));
  });
  const key = warmKey as WarmKey | null;
  return {
    release: stack.release,
    previous: stack.previous,
    role: stack.role,
    containers: stack.containers,
    warmKey: key,
    accepted,
  };
}

/** Critical findings stop the deploy unless the operator accepted each by its check name. */
async function preflight(p: DeployParams, ctx: OperationContext, d: StackDeps): Promise<string[]> {
  ctx.emit({ progress: { phase: 'preflight' }, log: `checking the host can run a ${p.role} node` });
  const probe = await probeHost({ stacksRoot: d.stacksRoot, docker: d.docker, signal: ctx.signal });
  const findings = forRole(probe.findings, p.role);
  const accepted: string[] = [];
  const blocking = findings.filter((f) => {
    if (f.severity !== 'critical') return false;
    if (p.acceptWarnings.includes(f.check)) {
      accepted.push(f.check);
      ctx.emit({ log: `preflight ${f.check}: ${f.message} (accepted by the operator)` });
      return false;
    }
    return true;
  });
  for (const f of findings.filter((x) => x.severity === 'warning'))
    ctx.emit({ log: `preflight ${f.check}: ${f.message}` });
  if (blocking.length)
    throw new OperationFailure(
      'preflight-failed',
      `this host cannot run a ${p.role} node yet; nothing was changed:\n${blocking
        .map((f) => `  - ${f.check}: ${f.message}${f.fix ? ` (fix: ${f.fix})` : ''}`)
        .join(
          '\n',
        )}\nfix these and deploy again, or accept a finding by name (--accept ${blocking[0]?.check ?? 'check'}) if you know it does not apply`,
    );
  return accepted;
}

async function download(
  m: NonNullable<DeployParams['download']>,
  ctx: OperationContext,
  d: StackDeps,
  hfHome: string,
) {
  const { downloadModel } = await import('./model-download.js');
  await downloadModel(m, ctx, d, { hfHome: hfHome || undefined });
}

async function waitForMlNode(ctx: OperationContext, docker: DockerApi): Promise<void> {
  ctx.emit({ progress: { phase: 'mlnode' }, log: 'waiting for the ML node (8080)' });
  await waitFor(ctx, RPC_WAIT_MS, 'the ML node did not answer on /health', () =>
    containerJson(docker, 'mlnode-308', 8080, '/health', ctx.signal),
  );
}

interface CometStatus {
  result?: { sync_info?: { latest_block_height?: string; catching_up?: boolean } };
}

/**
 * Follows the node's height against the network's (the seed's RPC) until it has caught up, as task
 * progress. A long sync is not a failure: after SYNC_WAIT_MS the deploy ends and health reports the lag.
 */
async function followSync(ctx: OperationContext, docker: DockerApi, seedRpc: string): Promise<void> {
  const end = Date.now() + SYNC_WAIT_MS;
  let last = -1;
  while (Date.now() < end && !ctx.signal.aborted) {
    const local = (await containerJson(docker, 'node', 26657, '/status', ctx.signal).catch(
      () => undefined,
    )) as CometStatus | undefined;
    const network = seedRpc
      ? ((await fetchJson(`${seedRpc.replace(/\/?$/, '/')}status`, ctx.signal).catch(() => undefined)) as
          CometStatus | undefined)
      : undefined;
    const height = Number(local?.result?.sync_info?.latest_block_height ?? NaN);
    const top = Number(network?.result?.sync_info?.latest_block_height ?? NaN);
    const catchingUp = local?.result?.sync_info?.catching_up;
    if (Number.isFinite(height) && height !== last) {
      last = height;
      ctx.emit({
        progress: {
          phase: 'sync',
          done: height,
          ...(Number.isFinite(top) ? { total: Math.max(top, height) } : {}),
          unit: 'blocks',
        },
      });
    }
    if (catchingUp === false) {
      ctx.emit({ log: `in sync at height ${height}${Number.isFinite(top) ? ` (network ${top})` : ''}` });
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  ctx.emit({ log: `still syncing at height ${last}: the node's health shows the progress from here` });
}

async function fetchJson(url: string, signal: AbortSignal): Promise<unknown> {
  const { seedJson } = await import('../net/seed-json.js');
  return seedJson(url, signal);
}
