import { StackLayout } from '@gnm/bundle';
import type { NodeHealthFacts } from '@gnm/gonka/health-facts';
// The schemas alone: the package's index brings the recommender, which the agent never needs.
import * as admin from '@gnm/gonka/schemas/admin';
import * as cometbft from '@gnm/gonka/schemas/cometbft';
import * as mlnode from '@gnm/gonka/schemas/mlnode';
import type { z } from 'zod';
import type { OperationContext } from '../operations/registry.js';
import type { StackDeps } from '../stack/stack-context.js';
import { DockerApi } from '../compose/docker-api.js';
import { keptRelease, releaseEnv } from '../stack/release-record.js';
import { containerJson } from './container-http.js';
import { seedJson } from '../net/seed-json.js';

/** The ML node service of the official files, and the hosts a node-config entry names it by. */
const MLNODE = 'mlnode-308';
const LOCAL_ML_HOSTS = new Set(['inference', MLNODE]);

/**
 * node.health: the facts the rollup (@gnm/gonka health) judges, read on the host — the stack's
 * containers from the engine, the node's CometBFT /status on the compose network and the seed's for
 * the lag (§7), the DAPI's setup report and ML node list on the Admin API (§4.1, §4.2, never
 * published), and the local ML node's own state and health (§6). Every read is independent and
 * bounded: what does not answer is a line in `errors`, never a failed operation, so a node that is
 * down still reports that it is down.
 */
export async function readNodeHealth(ctx: OperationContext, d: StackDeps): Promise<NodeHealthFacts> {
  const layout = new StackLayout(d.stacksRoot);
  const version = layout.current();
  const kept = keptRelease(d.stacksRoot, version);
  const role = kept?.record.role ?? null;
  const env = kept ? releaseEnv(kept.release.projectDir) : {};
  const docker = new DockerApi();
  const errors: string[] = [];
  const read = async <T>(what: string, f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (e) {
      errors.push(`${what}: ${firstLine(e)}`);
      return null;
    }
  };
  const parsed = <S extends z.ZodType>(schema: S, what: string, v: unknown): z.infer<S> => {
    const r = schema.safeParse(v);
    if (!r.success)
      throw new Error(`unexpected answer (${r.error.issues[0]?.message ?? 'invalid'}) from ${what}`);
    return r.data;
  };
  const chainRole = role === 'network' || role === 'full';
  const mlRole = role === 'mlnode' || role === 'full';

  const [containers, local, seed, report, nodes, mlState, mlHealth] = await Promise.all([
    read('containers', () => docker.inspectProject('join', ctx.signal)),
    chainRole
      ? read('node RPC', async () =>
          parsed(
            cometbft.CometStatus,
            'the node RPC',
            await containerJson(docker, 'node', 26657, '/status', ctx.signal),
          ),
        )
      : null,
    chainRole && env.SEED_NODE_RPC_URL
      ? read('seed RPC', async () =>
          parsed(
            cometbft.CometStatus,
            'the seed RPC',
            await seedJson(`${env.SEED_NODE_RPC_URL?.replace(/\/?$/, '/')}status`, ctx.signal),
          ),
        )
      : null,
    chainRole
      ? read('setup report', async () =>
          parsed(
            admin.SetupReport,
            'the setup report',
            await containerJson(docker, 'api', 9200, '/admin/v1/setup/report', ctx.signal, {
              timeoutMs: 15_000,
            }),
          ),
        )
      : null,
    chainRole
      ? read('ML node list', async () =>
          parsed(
            admin.NodesList,
            'the Admin API',
            await containerJson(docker, 'api', 9200, '/admin/v1/nodes', ctx.signal),
          ),
        )
      : null,
    mlRole
      ? read('ML node state', async () =>
          parsed(
            mlnode.MlState,
            'the ML node',
            await containerJson(docker, MLNODE, 8080, '/api/v1/state', ctx.signal),
          ),
        )
      : null,
    mlRole
      ? read('ML node health', async () =>
          parsed(
            mlnode.Health,
            'the ML node',
            // 503 is the ML node saying "unhealthy", with the same body: a fact, not a failed read.
            await containerJson(docker, MLNODE, 8080, '/health', ctx.signal, { acceptStatus: [503] }),
          ),
        )
      : null,
  ]);

  const localMl = mlState
    ? {
        state: mlState.state,
        loadedModel: mlState.loaded_model ?? null,
        healthy: mlHealth ? mlHealth.status === 'healthy' : null,
      }
    : null;
  const mlNodes: NodeHealthFacts['mlNodes'] = [];
  for (const e of nodes ?? []) {
    const isLocal = role === 'full' && LOCAL_ML_HOSTS.has(e.node.host);
    const serving = e.state.current_status === 'INFERENCE' || e.state.current_status === 'POC';
    mlNodes.push({
      id: e.node.id,
      state: e.state.current_status,
      // The DAPI marks a node FAILED when its loaded model differs from the epoch's, so a serving
      // remote node serves its configured model; the local one says what it loaded.
      loadedModel:
        isLocal && localMl ? localMl.loadedModel : serving ? (Object.keys(e.node.models)[0] ?? null) : null,
      healthy: e.state.current_status === 'FAILED' ? false : isLocal && localMl ? localMl.healthy : null,
      pocWeight: pocWeightOf(e),
    });
  }
  // An ML-node-only host, or a full node whose Admin API did not answer: the local ML node itself.
  if (localMl && (role === 'mlnode' || !nodes)) mlNodes.push({ id: MLNODE, ...localMl });

  return {
    at: new Date().toISOString(),
    role,
    release: version ?? null,
    containers: (containers ?? []).map((c) => ({
      service: c.service,
      state: c.state,
      health: c.health,
      ...(c.restartCount !== undefined ? { restartCount: c.restartCount } : {}),
    })),
    chain: local
      ? {
          height: Number(local.result.sync_info.latest_block_height),
          catchingUp: local.result.sync_info.catching_up,
          latestBlockTime: local.result.sync_info.latest_block_time,
          networkHeight: seed ? Number(seed.result.sync_info.latest_block_height) : null,
          chainId: local.result.node_info.network,
          consensusKey: local.result.validator_info.pub_key.value || null,
        }
      : null,
    setupReport: report
      ? {
          overall: report.overall_status,
          checks: report.checks.map((c) => ({
            id: c.id,
            status: c.status,
            message: c.message,
            ...(c.details !== undefined ? { details: c.details } : {}),
          })),
        }
      : null,
    mlNodes,
    errors,
  };
}

/** This epoch's PoC weight of one ML node, over the models it serves (§4.1 epoch_ml_nodes). */
function pocWeightOf(e: admin.NodeEntry): number | null {
  const byModel = e.state.epoch_ml_nodes;
  if (!byModel) return null;
  let sum = 0;
  let seen = false;
  for (const v of Object.values(byModel)) {
    if (v.node_id !== undefined && v.node_id !== e.node.id) continue;
    if (v.poc_weight === undefined) continue;
    sum += Number(v.poc_weight);
    seen = true;
  }
  return seen ? sum : null;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 300) ?? '';
}
