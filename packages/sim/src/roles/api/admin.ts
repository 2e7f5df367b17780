import { Router, isObject, type Res } from '../../lib/http.js';
import { workerKeyAt } from './worker-key.js';
import type { ApiContext } from './context.js';
import type { SetupReport } from './setup-report.js';
import { ValidationError, applyGovernance, checkUnique, validateBasic } from './validate.js';
import type { NodeConfig } from './store.js';

function err(status: number, message: string): Res {
  return { status, body: { message } };
}

/**
 * Admin API on 9200 (reference §4): nodes list/upsert (POST and PUT share one handler and the body
 * id wins), batch add with 201/206/400, DELETE returning a bare boolean, enable/disable recorded
 * with the current epoch (effective at the boundary), setup report, config, claim-reward recover.
 * No authentication, as the real one: only the port binding protects it.
 */
export function adminRouter(ctx: ApiContext, report: SetupReport): Router {
  const r = new Router();
  const epoch = (): number => ctx.epoch?.index ?? 0;

  const upsert = (raw: unknown): Res => {
    let cfg: NodeConfig;
    try {
      cfg = validateBasic(raw);
      const existing = ctx.store.get(cfg.id);
      checkUnique(
        cfg,
        ctx.store.list().map((n) => n.node),
      );
      cfg = applyGovernance(cfg, ctx.allowedModels, existing !== undefined);
    } catch (e) {
      return err(e instanceof ValidationError ? 400 : 500, (e as Error).message);
    }
    const stored = ctx.store.upsert(cfg, epoch());
    const { node_num: _n, ...echo } = stored.node;
    void _n;
    return { status: 200, body: echo };
  };

  r.get('/admin/v1/nodes', () => ({
    status: 200,
    body: ctx.store.list().map((n) => ({ node: n.node, state: n.state })),
  }));
  r.post('/admin/v1/nodes', (req) => upsert(req.body));
  // The path id is ignored: the body id decides (reference §4, §12.2).
  r.put('/admin/v1/nodes/:id', (req) => upsert(req.body));
  r.post('/admin/v1/nodes/batch', (req) => {
    if (!Array.isArray(req.body)) return err(400, 'expected a JSON array of nodes');
    const nodes: unknown[] = [];
    const errors: string[] = [];
    req.body.forEach((raw, i) => {
      const id = isObject(raw) && typeof raw.id === 'string' ? raw.id : '';
      try {
        let cfg = validateBasic(raw);
        if (ctx.store.get(cfg.id)) throw new ValidationError('node already exists');
        checkUnique(
          cfg,
          ctx.store.list().map((n) => n.node),
        );
        cfg = applyGovernance(cfg, ctx.allowedModels, false);
        ctx.store.upsert(cfg, epoch());
        nodes.push(cfg);
      } catch (e) {
        errors.push(`node[${i}] (id: ${id}): ${(e as Error).message}`);
      }
    });
    if (errors.length === 0) return { status: 201, body: nodes };
    if (nodes.length === 0) return { status: 400, body: { error: 'all nodes failed validation', errors } };
    return { status: 206, body: { nodes, errors } };
  });
  r.delete('/admin/v1/nodes/:id', (req) => ({ status: 200, body: ctx.store.remove(req.params.id ?? '') }));
  for (const action of ['enable', 'disable'] as const) {
    r.post(`/admin/v1/nodes/:id/${action}`, (req) => {
      const n = ctx.store.get(req.params.id ?? '');
      if (!n) return err(404, `node ${req.params.id} not found`);
      n.state.admin_state = { enabled: action === 'enable', epoch: epoch() };
      ctx.store.save();
      return { status: 200, body: { message: `node ${action}d successfully`, node_id: n.node.id } };
    });
  }
  r.get('/admin/v1/nodes/upgrade-status', () => ({
    status: 200,
    body: { message: 'No upgrade plan active' },
  }));
  r.get('/admin/v1/setup/report', async () => ({ status: 200, body: await report.get() }));
  r.get('/admin/v1/config', () => ({
    status: 200,
    body: {
      api: {
        port: 9000,
        poc_callback_url: ctx.callbackUrl,
        ml_grpc_callback_address: '',
        public_url: ctx.publicUrl,
        public_server_port: 9000,
        ml_server_port: 9100,
        admin_server_port: 9200,
        ml_grpc_server_port: 0,
        test_mode: false,
        node_manager_grpc_port: Number(process.env.DAPI_API__NODE_MANAGER_GRPC_PORT ?? 9400),
        node_manager_lock_ttl_seconds: Number(process.env.DAPI_API__NODE_MANAGER_LOCK_TTL_SECONDS ?? 1200),
        mlnode_metrics_disabled: false,
      },
      nodes: ctx.store.list().map((n) => n.node),
      merged_node_config: ctx.store.merged,
      chain_node: {
        url: ctx.nodeRpc,
        is_genesis: false,
        seed_api_url: ctx.seedApi,
        account_public_key: ctx.accountPubkey,
        signer_key_name: ctx.keyName,
        keyring_backend: 'file',
        keyring_dir: '/root/.inference',
        min_gas_price_ngonka: 0,
      },
      current_height: ctx.epoch?.height ?? 0,
      last_processed_height: ctx.epoch?.height ?? 0,
      current_node_version: '',
      last_used_version: '',
      // Unsanitised, as the real DAPI serves it: the ML worker's private key is in the answer.
      ml_node_key_config: workerKeyAt('/root/.dapi'),
    },
  }));
  r.post('/admin/v1/claim-reward/recover', (req) => {
    const b = isObject(req.body) ? req.body : {};
    return {
      status: 200,
      body: {
        success: false,
        message: 'rewards for this epoch were already claimed',
        epoch_index: typeof b.epoch_index === 'number' ? b.epoch_index : Math.max(0, epoch() - 1),
        seed: typeof b.seed === 'number' ? b.seed : 0,
        missed_validations: 0,
        already_claimed: true,
        claim_executed: false,
      },
    };
  });
  return r;
}
