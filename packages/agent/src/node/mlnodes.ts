import type { MlNodeEntry } from '@gnm/protocol';
import * as admin from '@gnm/gonka/schemas/admin';
import * as publicApi from '@gnm/gonka/schemas/public';
import { DockerApi } from '../compose/docker-api.js';
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import { HttpStatusError, containerJson, waitFor } from './container-http.js';

/**
 * The ML nodes of the network node on this host, through its Admin API (reference §4), which is never
 * published: the agent reaches `api:9200` on the compose network. Attaching an ML node is the upsert;
 * detaching is a disable (the node serves to the end of the epoch and skips the next PoC), then, once
 * the next epoch has begun, the delete.
 */
const ADMIN = 9200;
const EPOCH_POLL_MS = 5000;

export interface MlNodeResult {
  id: string;
  /** The node as the Admin API lists it after the call (null once removed). */
  listed: {
    host: string;
    poc_port: number;
    inference_port: number;
    enabled: boolean | null;
    status: string;
  } | null;
  epoch: number | null;
}

export async function registerMlNode(p: { node: MlNodeEntry }, ctx: OperationContext): Promise<MlNodeResult> {
  const docker = new DockerApi();
  ctx.emit({
    progress: { phase: 'register-mlnode' },
    log: `registering ML node ${p.node.id} at ${p.node.host}:${p.node.poc_port} (inference ${p.node.inference_port}) with the network node`,
  });
  await call(docker, ctx, 'POST', '/admin/v1/nodes', p.node, 'register the ML node');
  return describe(docker, ctx, p.node.id);
}

export async function disableMlNode(p: { id: string }, ctx: OperationContext): Promise<MlNodeResult> {
  const docker = new DockerApi();
  await requireListed(docker, ctx, p.id);
  ctx.emit({
    progress: { phase: 'disable-mlnode' },
    log: `disabling ML node ${p.id} (it serves until the epoch ends)`,
  });
  await call(
    docker,
    ctx,
    'POST',
    `/admin/v1/nodes/${encodeURIComponent(p.id)}/disable`,
    undefined,
    'disable the ML node',
  );
  return describe(docker, ctx, p.id);
}

export async function removeMlNode(
  p: { id: string; afterEpoch?: number },
  ctx: OperationContext,
): Promise<MlNodeResult> {
  const docker = new DockerApi();
  if (p.afterEpoch !== undefined) {
    const target = p.afterEpoch + 1;
    let last = -1;
    for (;;) {
      const e = await currentEpoch(docker, ctx).catch(() => null);
      if (e !== null && e >= target) break;
      if (e !== null && e !== last) {
        last = e;
        ctx.emit({
          progress: { phase: 'wait-epoch', done: e, total: target, unit: 'epoch' },
          log: `waiting for epoch ${target} to begin (now ${e}): the node keeps serving to the end of this one`,
        });
      }
      if (ctx.signal.aborted)
        throw new OperationFailure(
          'cancelled',
          `the task ended before epoch ${target}; ML node ${p.id} stays disabled`,
        );
      await new Promise((r) => setTimeout(r, EPOCH_POLL_MS));
    }
  }
  ctx.emit({ progress: { phase: 'remove-mlnode' }, log: `removing ML node ${p.id} from the network node` });
  const removed = await call(
    docker,
    ctx,
    'DELETE',
    `/admin/v1/nodes/${encodeURIComponent(p.id)}`,
    undefined,
    'remove the ML node',
  );
  if (removed !== true && removed !== false)
    throw new OperationFailure(
      'admin-api',
      `the Admin API answered ${JSON.stringify(removed).slice(0, 200)} to the delete`,
    );
  if (!removed) ctx.emit({ log: `ML node ${p.id} was not listed (already removed)` });
  return { id: p.id, listed: null, epoch: await currentEpoch(docker, ctx).catch(() => null) };
}

async function describe(docker: DockerApi, ctx: OperationContext, id: string): Promise<MlNodeResult> {
  const nodes = admin.NodesList.parse(
    await call(docker, ctx, 'GET', '/admin/v1/nodes', undefined, 'list the ML nodes'),
  );
  const e = nodes.find((n) => n.node.id === id);
  return {
    id,
    listed: e
      ? {
          host: e.node.host,
          poc_port: Number(e.node.poc_port),
          inference_port: Number(e.node.inference_port),
          enabled: e.state.admin_state?.enabled ?? null,
          status: e.state.current_status,
        }
      : null,
    epoch: await currentEpoch(docker, ctx).catch(() => null),
  };
}

async function requireListed(docker: DockerApi, ctx: OperationContext, id: string): Promise<void> {
  const nodes = admin.NodesList.parse(
    await call(docker, ctx, 'GET', '/admin/v1/nodes', undefined, 'list the ML nodes'),
  );
  if (!nodes.some((n) => n.node.id === id))
    throw new OperationFailure('not-listed', `the network node lists no ML node ${id}: nothing to disable`);
}

/** The current epoch index from the DAPI's public server (api:9000 /v1/epochs/latest, §5). */
async function currentEpoch(docker: DockerApi, ctx: OperationContext): Promise<number> {
  const r = publicApi.EpochsLatest.parse(
    await containerJson(docker, 'api', 9000, '/v1/epochs/latest', ctx.signal),
  );
  return Number(r.latest_epoch.index);
}

/** One Admin API call; the DAPI restarting (an update) is waited out for a minute. */
async function call(
  docker: DockerApi,
  ctx: OperationContext,
  method: 'GET' | 'POST' | 'DELETE',
  route: string,
  body: unknown,
  what: string,
): Promise<unknown> {
  const once = () =>
    containerJson(docker, 'api', ADMIN, route, ctx.signal, { method, body, timeoutMs: 30_000 });
  try {
    return await once().catch((e: unknown) => {
      // The DAPI said no (400: invalid node, no governance-valid model): that is the answer.
      if (e instanceof HttpStatusError) throw e;
      return waitFor(ctx, 60_000, `the Admin API did not answer (${what})`, once);
    });
  } catch (e) {
    if (e instanceof OperationFailure && e.code === 'cancelled') throw e;
    throw new OperationFailure(
      'admin-api',
      `could not ${what}: ${(e as Error).message.split('; its logs')[0] ?? ''}; is the network node deployed on this host? (gnm-agent logs api)`,
    );
  }
}
