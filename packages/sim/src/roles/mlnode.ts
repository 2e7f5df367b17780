import fs from 'node:fs';
import path from 'node:path';
import { Faults } from '../lib/faults.js';
import { Router, serve, log, request, isObject, type Res, type Req } from '../lib/http.js';
import { knobs } from '../lib/knobs.js';

type State = 'STOPPED' | 'INFERENCE' | 'POW' | 'TRAIN';
type PowStatus = 'IDLE' | 'GENERATING' | 'VALIDATING';

interface Gpu {
  index: number;
  name: string;
  totalMb: number;
}

/** Simulated GPUs: SIM_GPUS="4xNVIDIA H100 80GB HBM3:81559" (count x name : MiB). */
function simGpus(): Gpu[] {
  const spec = process.env.SIM_GPUS ?? '4xNVIDIA H100 80GB HBM3:81559';
  const out: Gpu[] = [];
  for (const part of spec.split(';').filter(Boolean)) {
    const m = /^(\d+)x(.+):(\d+)$/.exec(part.trim());
    if (!m?.[1] || !m[2] || !m[3])
      throw new Error(`SIM_GPUS entry "${part}" must look like 4xNVIDIA H100 80GB HBM3:81559`);
    for (let i = 0; i < Number(m[1]); i++)
      out.push({ index: out.length, name: m[2].trim(), totalMb: Number(m[3]) });
  }
  return out;
}

/**
 * The ML node (`mlnode-308`, started by the official `uvicorn api.app:app …` command): the service
 * state machine with 409 on conflicts, inference up/down with a model-load time, PoC v2 that really
 * POSTs batches to the callback URL it is given, GPUs, model downloads into HF_HOME that resume after
 * a restart, and the vLLM-compatible server on 5000 (reference §6).
 */
export function runMlnode(args: string[]): void {
  const faults = new Faults('mlnode');
  const portArg =
    args.find((a) => a.startsWith('--port='))?.split('=')[1] ?? args[args.indexOf('--port') + 1];
  const port = Number(portArg ?? 8080) || 8080;
  const gpus = simGpus();
  const hfHome = process.env.HF_HOME ?? '/root/.cache';
  const version = knobs.mlnodeVersion();
  let state: State = 'STOPPED';
  let loadedModel = '';
  let pow: PowStatus = 'IDLE';
  let powTimer: NodeJS.Timeout | undefined;
  let up: { status: string; startedAt: number; error?: string; starting: boolean } = {
    status: 'not_started',
    startedAt: 0,
    starting: false,
  };

  const unhealthy = (): boolean => faults.has('failed') || faults.has('oom');
  const devices = () =>
    gpus.map((g) => {
      const used = state === 'INFERENCE' ? Math.round(g.totalMb * 0.9) : 0;
      return {
        index: g.index,
        name: g.name,
        total_memory_mb: g.totalMb,
        free_memory_mb: g.totalMb - used,
        used_memory_mb: used,
        utilization_percent: pow === 'GENERATING' ? 97 : state === 'INFERENCE' ? 12 : 0,
        temperature_c: 41,
        is_available: !faults.has('failed'),
        error_message: faults.has('failed') ? 'GPU has fallen off the bus' : null,
      };
    });

  const conflict = (want: string): Res | undefined =>
    state !== 'STOPPED'
      ? { status: 409, body: { detail: `Please stop ${state} first before starting ${want}` } }
      : undefined;

  const startInference = (b: unknown): Res => {
    const c = conflict('INFERENCE');
    if (c) return c;
    if (up.starting) return { status: 409, body: { detail: 'inference is already starting' } };
    const model = isObject(b) ? String(b.model ?? '') : '';
    if (!model)
      return {
        status: 422,
        body: { detail: [{ loc: ['body', 'model'], msg: 'field required', type: 'value_error.missing' }] },
      };
    up = { status: 'starting', startedAt: Date.now(), starting: true };
    const loadMs = knobs.modelLoadMs() * (faults.has('slow-load') ? 10 : 1);
    setTimeout(() => {
      if (faults.has('oom')) {
        up = {
          status: 'failed',
          startedAt: up.startedAt,
          starting: false,
          error: 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB',
        };
        log('mlnode', `loading ${model} failed: ${up.error}`);
        return;
      }
      state = 'INFERENCE';
      loadedModel = model;
      up = { status: 'completed', startedAt: up.startedAt, starting: false };
      log('mlnode', `vLLM serving ${model}`);
    }, loadMs);
    return { status: 200, body: { status: 'starting', message: `loading ${model}` } };
  };

  const stopPow = (): void => {
    if (powTimer) clearInterval(powTimer);
    powTimer = undefined;
    pow = 'IDLE';
  };

  const stopAll = (): void => {
    stopPow();
    state = 'STOPPED';
    loadedModel = '';
    up = { status: 'not_started', startedAt: 0, starting: false };
  };

  const r = new Router();
  const health = (): Res => {
    const body = {
      status: unhealthy() ? 'unhealthy' : 'healthy',
      service_state: state,
      gpu: { available: !faults.has('failed'), count: gpus.length, devices: devices() },
      managers: {
        pow: { running: pow !== 'IDLE', healthy: true },
        inference: { running: state === 'INFERENCE', healthy: !unhealthy() },
        train: { running: false, healthy: true },
      },
    };
    return { status: unhealthy() ? 503 : 200, body };
  };
  r.get('/health', health);
  r.get('/livez', health);
  r.get('/readyz', () => ({
    status: unhealthy() && state === 'INFERENCE' ? 503 : 200,
    body: { ready: !unhealthy() },
  }));
  r.get('/api/v1/state', () => ({
    status: 200,
    body:
      state === 'INFERENCE'
        ? {
            version,
            state,
            poc_status: pow,
            inference_healthy: !unhealthy(),
            loaded_model: loadedModel,
            poc_validation_inference: true,
          }
        : { version, state, poc_validation_inference: true },
  }));
  r.get('/api/v1/versions', () => ({
    status: 200,
    body: { version, vllm_version: '0.11.2', poc_validation_inference: true },
  }));
  r.post('/api/v1/stop', () => {
    stopAll();
    return { status: 200, body: { status: 'OK' } };
  });
  r.post('/api/v1/inference/up/async', (req) => startInference(req.body));
  r.post('/api/v1/inference/up', async (req) => {
    const res = startInference(req.body);
    if (res.status !== 200) return res;
    while (up.starting) await new Promise((ok) => setTimeout(ok, 100));
    return up.status === 'completed'
      ? { status: 200, body: { status: 'OK' } }
      : { status: 500, body: { detail: up.error ?? 'failed' } };
  });
  r.get('/api/v1/inference/up/status', () => ({
    status: 200,
    body: {
      status: up.status,
      is_starting: up.starting,
      is_running: state === 'INFERENCE',
      ...(up.startedAt ? { elapsed_seconds: (Date.now() - up.startedAt) / 1000 } : {}),
      ...(up.error ? { error: up.error } : {}),
    },
  }));
  r.post('/api/v1/inference/down', () => {
    stopAll();
    return { status: 200, body: { status: 'OK' } };
  });
  // PoC v2 runs inside vLLM while state=INFERENCE (no conflict check, reference §6).
  r.post('/api/v1/inference/pow/init/generate', (req) => {
    if (state !== 'INFERENCE') return { status: 503, body: { detail: 'no inference backends available' } };
    const b = isObject(req.body) ? req.body : {};
    const url = String(b.url ?? '').replace(/\/+$/, '');
    const params = isObject(b.params) ? b.params : {};
    const model = String(params.model ?? loadedModel);
    const batchSize = Number(b.batch_size ?? 32);
    stopPow();
    pow = 'GENERATING';
    let next = 0;
    powTimer = setInterval(() => {
      if (pow !== 'GENERATING' || !url) return;
      const nonces = Array.from({ length: batchSize }, () => next++);
      void request(
        'POST',
        `${url}/${encodeURIComponent(model)}/generated`,
        {
          public_key: b.public_key ?? '',
          block_hash: b.block_hash ?? '',
          block_height: b.block_height ?? 0,
          node_id: b.node_id ?? 0,
          nonces,
          dist: nonces.map(() => Math.random()),
        },
        2000,
      ).then((res) => {
        if (res.status !== 200) log('mlnode', `PoC batch to ${url} failed: ${res.status || res.text}`);
      });
    }, knobs.pocBatchIntervalMs());
    log('mlnode', `PoC generation started for ${model}, callback ${url}`);
    return {
      status: 200,
      body: { status: 'OK', backends: 1, n_groups: 1, results: [{ port: 5000, status: 'OK' }], errors: [] },
    };
  });
  r.post('/api/v1/inference/pow/generate', (req) => {
    if (state !== 'INFERENCE') return { status: 503, body: { detail: 'no inference backends available' } };
    const b = isObject(req.body) ? req.body : {};
    if (isObject(b.validation)) {
      if (powTimer) clearInterval(powTimer);
      powTimer = undefined;
      pow = 'VALIDATING';
    }
    return { status: 200, body: { status: 'queued', request_id: `5000:${Date.now()}` } };
  });
  r.get('/api/v1/inference/pow/status', () => ({
    status: 200,
    body:
      state === 'INFERENCE'
        ? { status: pow, backends: [{ port: 5000, status: pow }] }
        : { status: 'NO_BACKENDS', backends: [] },
  }));
  r.post('/api/v1/inference/pow/stop', () => {
    stopPow();
    return { status: 200, body: { status: 'OK', results: [{ port: 5000, status: 'OK' }], errors: [] } };
  });
  r.get('/api/v1/gpu/devices', () => ({ status: 200, body: { devices: devices(), count: gpus.length } }));
  r.get('/api/v1/gpu/driver', () => ({
    status: 200,
    body: {
      driver_version: process.env.SIM_GPU_DRIVER ?? '570.133.20',
      cuda_driver_version: '12.8',
      nvml_version: '12.570.133.20',
    },
  }));
  modelRoutes(r, hfHome);
  // OpenAI-style paths on 8080 go to vLLM (reference §6: ProxyMiddleware for /v1…).
  const vllm = vllmRouter(() => (state === 'INFERENCE' && !unhealthy() ? loadedModel : ''));
  r.fallback((req: Req) =>
    req.path.startsWith('/v1') ? vllm.handle(req) : { status: 404, body: { detail: 'Not Found' } },
  );
  serve(port, r, 'mlnode');
  serve(5000, vllm, 'mlnode-vllm');
  faults.serveControl();
  log('mlnode', `ML node ${version} with ${gpus.length} simulated GPU(s)`);
}

/** vLLM's OpenAI-compatible server, as reached through the ML node's port 5000. */
function vllmRouter(model: () => string): Router {
  const r = new Router();
  r.get('/health', () => (model() ? { status: 200, text: '' } : { status: 503, text: 'no model loaded' }));
  r.get('/v1/models', () => ({
    status: model() ? 200 : 503,
    body: model()
      ? { object: 'list', data: [{ id: model(), object: 'model', owned_by: 'vllm' }] }
      : { detail: 'no model loaded' },
  }));
  r.post('/v1/chat/completions', () =>
    model()
      ? {
          status: 200,
          body: {
            id: `chatcmpl-sim-${Date.now()}`,
            object: 'chat.completion',
            model: model(),
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: 'Hello from the gonka sim.' },
                finish_reason: 'stop',
              },
            ],
            usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 },
          },
        }
      : { status: 503, body: { detail: 'no model loaded' } },
  );
  return r;
}

/**
 * Model cache routes (reference §6): downloads take SIM_MODEL_DOWNLOAD_MS and write marker files
 * under HF_HOME/hub, so a download interrupted by a restart shows PARTIAL and resumes where it was.
 */
function modelRoutes(r: Router, hfHome: string): void {
  const dirOf = (repo: string, commit: string) =>
    path.join(hfHome, 'hub', `models--${repo.replace(/\//g, '--')}`, 'snapshots', commit || 'main');
  const active = new Map<string, NodeJS.Timeout>();
  const parse = (b: unknown): { repo: string; commit: string } | undefined =>
    isObject(b) && typeof b.hf_repo === 'string' && b.hf_repo.includes('/')
      ? { repo: b.hf_repo, commit: typeof b.hf_commit === 'string' ? b.hf_commit : '' }
      : undefined;
  const progressOf = (dir: string): number => {
    try {
      return Number(fs.readFileSync(path.join(dir, '.sim-progress'), 'utf8'));
    } catch {
      return 0;
    }
  };
  const statusOf = (repo: string, commit: string) => {
    const dir = dirOf(repo, commit);
    const key = `${repo}@${commit}`;
    if (fs.existsSync(path.join(dir, '.sim-complete'))) return { status: 'DOWNLOADED' as const, progress: 1 };
    if (active.has(key)) return { status: 'DOWNLOADING' as const, progress: progressOf(dir) };
    if (fs.existsSync(path.join(dir, '.sim-progress')))
      return { status: 'PARTIAL' as const, progress: progressOf(dir) };
    return { status: 'NOT_FOUND' as const, progress: 0 };
  };
  r.post('/api/v1/models/status', (req) => {
    const m = parse(req.body);
    if (!m) return { status: 422, body: { detail: 'hf_repo is required (org/name)' } };
    const s = statusOf(m.repo, m.commit);
    return {
      status: 200,
      body: {
        model: { hf_repo: m.repo, hf_commit: m.commit || null },
        status: s.status,
        ...(s.status === 'DOWNLOADING'
          ? { progress: { start_time: Date.now() / 1000, elapsed_seconds: 0, fraction: s.progress } }
          : {}),
      },
    };
  });
  r.post('/api/v1/models/download', (req) => {
    const m = parse(req.body);
    if (!m) return { status: 422, body: { detail: 'hf_repo is required (org/name)' } };
    const key = `${m.repo}@${m.commit}`;
    const dir = dirOf(m.repo, m.commit);
    const s = statusOf(m.repo, m.commit);
    if (s.status === 'DOWNLOADED' || s.status === 'DOWNLOADING') {
      return {
        status: 200,
        body: { task_id: key, status: s.status, model: { hf_repo: m.repo, hf_commit: m.commit || null } },
      };
    }
    fs.mkdirSync(dir, { recursive: true });
    let progress = progressOf(dir);
    const step = 200 / Math.max(200, knobs.modelDownloadMs());
    active.set(
      key,
      setInterval(() => {
        progress = Math.min(1, progress + step);
        fs.writeFileSync(path.join(dir, '.sim-progress'), String(progress));
        if (progress >= 1) {
          fs.writeFileSync(path.join(dir, '.sim-complete'), new Date().toISOString());
          clearInterval(active.get(key));
          active.delete(key);
        }
      }, 200),
    );
    return {
      status: 200,
      body: { task_id: key, status: 'DOWNLOADING', model: { hf_repo: m.repo, hf_commit: m.commit || null } },
    };
  });
  r.delete('/api/v1/models', (req) => {
    const m = parse(req.body);
    if (!m) return { status: 422, body: { detail: 'hf_repo is required (org/name)' } };
    const key = `${m.repo}@${m.commit}`;
    const wasActive = active.has(key);
    if (wasActive) clearInterval(active.get(key));
    active.delete(key);
    fs.rmSync(dirOf(m.repo, m.commit), { recursive: true, force: true });
    return {
      status: 200,
      body: {
        status: wasActive ? 'cancelled' : 'deleted',
        model: { hf_repo: m.repo, hf_commit: m.commit || null },
      },
    };
  });
  r.get('/api/v1/models/list', () => {
    const hub = path.join(hfHome, 'hub');
    const models: unknown[] = [];
    if (fs.existsSync(hub)) {
      for (const d of fs.readdirSync(hub).filter((x) => x.startsWith('models--'))) {
        const repo = d.slice('models--'.length).replace(/--/g, '/');
        for (const commit of fs.readdirSync(path.join(hub, d, 'snapshots'))) {
          const c = commit === 'main' ? '' : commit;
          models.push({ model: { hf_repo: repo, hf_commit: c || null }, status: statusOf(repo, c).status });
        }
      }
    }
    return { status: 200, body: { models } };
  });
  r.get('/api/v1/models/space', () => {
    fs.mkdirSync(hfHome, { recursive: true });
    return {
      status: 200,
      body: { cache_size_gb: 0, available_gb: knobs.modelsSpaceGb(), cache_path: hfHome },
    };
  });
}
