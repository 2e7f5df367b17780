import { serve, log, sleep } from '../../lib/http.js';
import { knobs } from '../../lib/knobs.js';
import { ApiContext } from './context.js';
import { adminRouter } from './admin.js';
import { Broker } from './broker.js';
import { PocCounter } from './poc-counter.js';
import { callbackRouter, publicRouter } from './servers.js';
import { SetupReport } from './setup-report.js';
import { mergeNodeConfigOnce } from './store.js';
import { applyGovernance, validateBasic } from './validate.js';

/**
 * The decentralized API (`api` service): public API 9000, ML callback 9100, Admin API 9200, and the
 * broker loop. Fails at start, like the real init script, when DAPI_API__POC_CALLBACK_URL is unset.
 */
export async function runApi(): Promise<void> {
  const ctx = new ApiContext();
  if (!ctx.callbackUrl) throw new Error('DAPI_API__POC_CALLBACK_URL is required');
  if (!ctx.seedApi) throw new Error('DAPI_CHAIN_NODE__SEED_API_URL (SEED_API_URL) is required');
  while (!ctx.epoch) {
    await ctx.refreshEpoch();
    if (!ctx.epoch) {
      log('api', `waiting for the chain at ${ctx.seedApi}`);
      await sleep(1000);
    }
  }
  await ctx.refreshModels();
  mergeNodeConfigOnce(
    ctx.store,
    process.env.NODE_CONFIG_PATH ?? '/root/node_config.json',
    ctx.epoch.index,
    (raw) => applyGovernance(validateBasic(raw), ctx.allowedModels, false),
  );
  const counter = new PocCounter();
  serve(9000, publicRouter(ctx), 'api-public');
  serve(9100, callbackRouter(ctx, counter), 'api-ml');
  serve(9200, adminRouter(ctx, new SetupReport(ctx)), 'api-admin');
  ctx.faults.serveControl();
  const broker = new Broker(ctx, counter);
  for (;;) {
    try {
      await broker.tick();
    } catch (e) {
      log('api', `broker: ${(e as Error).message}`);
    }
    await sleep(knobs.brokerIntervalMs());
  }
}
