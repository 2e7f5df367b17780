import { Router, request, isObject } from '../../lib/http.js';
import type { ApiContext } from './context.js';
import type { PocCounter } from './poc-counter.js';

/**
 * ML callback server on 9100 (reference §5.3): PoC v2 batches from ML nodes, `/versions`, `/metrics`.
 * The batch body is the sim's own (the reference gives no shape): {node_id, block_height, nonces[]}.
 */
export function callbackRouter(ctx: ApiContext, counter: PocCounter): Router {
  const r = new Router();
  r.post('/v2/poc-batches/*rest', (req) => {
    const m = /^(.+)\/(generated|validated)$/.exec(req.params.rest ?? '');
    if (!m?.[1]) return { status: 404, body: { message: 'Not Found' } };
    const model = decodeURIComponent(m[1]);
    const b = isObject(req.body) ? req.body : {};
    if (m[2] === 'generated') {
      const nonces = Array.isArray(b.nonces) ? b.nonces.length : 0;
      counter.add(Number(b.block_height), String(b.node_id ?? ''), model, nonces);
    }
    return { status: 200, body: { status: 'OK' } };
  });
  r.get('/versions', () => ({
    status: 200,
    body: { versions: [], devshard_requests_enabled: false, max_nonce: 0 },
  }));
  r.get('/metrics', () => ({
    status: 200,
    contentType: 'text/plain; version=0.0.4',
    text: `# HELP dapi_poc_batches_received_total PoC batches received from ML nodes\n# TYPE dapi_poc_batches_received_total counter\ndapi_poc_batches_received_total ${counter.batches}\n# HELP dapi_ml_nodes Configured ML nodes\n# TYPE dapi_ml_nodes gauge\ndapi_ml_nodes ${ctx.store.list().length}\n`,
  }));
  return r;
}

/**
 * Public API on 9000 (reference §5). Chain data comes from the network (the sim seed), as the real
 * DAPI reads it from the chain; versions and liveness are its own; classic inference is 410 since
 * v0.2.14.
 */
export function publicRouter(ctx: ApiContext): Router {
  const r = new Router();
  const relay = async (path: string) => {
    const res = await ctx.seedGet(path);
    if (res.status === 0) return { status: 503, body: { message: 'chain unavailable' } };
    return { status: res.status, body: res.body };
  };
  r.get('/v1/status', () => ({ status: 200, body: { status: 'ok' } }));
  r.get('/v1/versions', async () => {
    const node = await request('GET', `${ctx.nodeRpc}/status`, undefined, 2000);
    const result = isObject(node.body) && isObject(node.body.result) ? node.body.result : {};
    const info = isObject(result.node_info) ? result.node_info : {};
    const v0215 = ctx.chainVersion() >= '0.2.15';
    return {
      status: 200,
      body: {
        timestamp: new Date().toISOString(),
        api_version: { application_name: 'decentralized-api', version: ctx.chainVersion(), commit: 'sim' },
        node_version: {
          application_name: 'inferenced',
          version: String(info.version ?? ''),
          network: String(info.network ?? ''),
        },
        ...(v0215
          ? {}
          : {
              mlnodes: ctx.store.list().map((n) => ({
                node_id: n.node.id,
                version: n.state.ml_node_version,
                poc_validation_inference: n.state.poc_validation_inference,
              })),
            }),
      },
    };
  });
  r.get('/v1/epochs/:epoch', (req) => relay(`/v1/epochs/${req.params.epoch}`));
  r.get('/v1/epochs/:epoch/participants', (req) => relay(`/v1/epochs/${req.params.epoch}/participants`));
  r.get('/v2/participants/:address', (req) => relay(`/v2/participants/${req.params.address}`));
  r.get('/v1/participants/:address', (req) => relay(`/v1/participants/${req.params.address}`));
  r.get('/v1/models', () => relay('/v1/models'));
  r.post('/v1/participants', async (req) => {
    const res = await request('POST', `${ctx.seedApi}/v1/participants`, req.body, 4000);
    return { status: res.status || 503, body: res.body ?? { message: res.text } };
  });
  for (const p of ['/v1/chat/completions', '/v1/completions']) {
    r.on('POST', p, () => ({
      status: 410,
      body: { error: 'deprecated', message: 'classic inference is deprecated; use devshard' },
    }));
    r.on('GET', p, () => ({
      status: 410,
      body: { error: 'deprecated', message: 'classic inference is deprecated; use devshard' },
    }));
  }
  return r;
}
