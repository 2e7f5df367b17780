import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { OPERATIONS } from '@gnm/protocol';
import { StackLayout } from '@gnm/bundle';
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import type { StackDeps } from '../stack/stack-context.js';
import { DockerApi } from '../compose/docker-api.js';
import { keptRelease, releaseEnv } from '../stack/release-record.js';
import { containerJson, waitFor } from './container-http.js';
import type { ModelDownloadResult } from './results.js';

export type ModelDownloadParams = z.infer<(typeof OPERATIONS)['node.model.download']>;

/** The ML node service of the official files (docker-compose.mlnode.yml). */
const MLNODE = 'mlnode-308';
const POLL_MS = 2000;
const ML_WAIT_MS = 60_000;
/** No progress for this long (neither the ML node's nor bytes on disk) is a stalled download. */
const STALL_MS = 20 * 60_000;
/** A download the ML node drops (PARTIAL again, an error) is started again this many times. */
const MAX_RESTARTS = 3;
/** Free space asked for on top of what is still to download (HF writes temp files beside blobs). */
const SPACE_MARGIN = 1.05;

interface ModelStatus {
  status: string;
  error_message?: string | null;
  progress?: { fraction?: unknown; elapsed_seconds?: unknown } | null;
}

/**
 * node.model.download: the weights into HF_HOME through the ML node's own model routes (reference
 * §6), so they land where and how the ML node will load them. Order: status (already there → done),
 * the free-space check against the model's size, then `models/download` and its status followed as
 * task progress until DOWNLOADED. The Hugging Face cache resumes what is on disk, so a download cut
 * short (the ML node restarted, the task ended, the host rebooted) continues where it was when this
 * runs again; a download the ML node drops while followed is started again a few times before the
 * task fails with the ML node's own error.
 *
 * Progress: the ML node reports only the elapsed time, so the bytes under
 * `<HF_HOME>/hub/models--<org>--<name>` against the model's size are the measure; where an ML node
 * reports a fraction, that is used instead.
 */
export async function downloadModel(
  p: ModelDownloadParams,
  ctx: OperationContext,
  d: StackDeps,
  o: { hfHome?: string } = {},
): Promise<ModelDownloadResult> {
  const docker = new DockerApi();
  const hfHome = o.hfHome ?? currentHfHome(d);
  const ref = { hf_repo: p.model, ...(p.revision ? { hf_commit: p.revision } : {}) };
  // The ML node restarting (a crash, an update) is not a failed download: each call is retried for
  // a minute before the task fails with what to check.
  const ml = (route: string, body?: unknown) =>
    waitFor(ctx, ML_WAIT_MS, `the ML node did not answer ${route}`, () =>
      containerJson(docker, MLNODE, 8080, route, ctx.signal, {
        ...(body === undefined ? {} : { method: 'POST' as const, body }),
        timeoutMs: 30_000,
      }),
    ).catch((e: Error) => {
      if (e instanceof OperationFailure && e.code === 'cancelled') throw e;
      throw new OperationFailure(
        'mlnode-unreachable',
        `${e.message.split('; its logs')[0] ?? e.message}: deploy the ML node first, or check it with gnm-agent logs ${MLNODE}`,
      );
    });
  const status = async () => (await ml('/api/v1/models/status', ref)) as ModelStatus;
  const started = Date.now();
  ctx.emit({ progress: { phase: 'download' }, log: `checking ${p.model} in the model cache` });

  const first = await status();
  const space = (await ml('/api/v1/models/space')) as { available_gb?: unknown };
  const availableGb = typeof space.available_gb === 'number' ? space.available_gb : null;
  const modelDir = hfHome ? path.join(hfHome, 'hub', `models--${p.model.replace(/\//g, '--')}`) : null;
  if (first.status === 'DOWNLOADED') {
    ctx.emit({ progress: progressOf(p, first, modelDir, 1), log: `${p.model} is already in the cache` });
    return { model: p.model, status: 'DOWNLOADED', alreadyPresent: true, availableGb, elapsedSeconds: 0 };
  }

  const haveGb = modelDir ? bytesUnder(modelDir) / 1024 ** 3 : 0;
  if (p.sizeGb && availableGb !== null) {
    const needGb = Math.max(0, p.sizeGb - haveGb) * SPACE_MARGIN;
    if (availableGb < needGb)
      throw new OperationFailure(
        'insufficient-disk',
        `${p.model} needs about ${round(needGb)} GB more in the model cache${hfHome ? ` (${hfHome})` : ''}, which has ${round(availableGb)} GB free; nothing was downloaded: free space there, or set HF_HOME to a larger disk and deploy again`,
      );
  } else
    ctx.emit({
      log: `the size of ${p.model} is not known: the free-space check is skipped (${availableGb ?? '?'} GB free)`,
    });

  let restarts = 0;
  let current = first;
  let lastMark = '';
  let lastChange = Date.now();
  const start = async (why: string) => {
    ctx.emit({ log: why });
    const r = (await ml('/api/v1/models/download', ref)) as { status?: string };
    current = { status: r.status ?? 'DOWNLOADING' };
  };
  if (current.status !== 'DOWNLOADING')
    await start(
      current.status === 'PARTIAL'
        ? `resuming ${p.model} (${round(haveGb)} GB already in the cache)`
        : `downloading ${p.model}${p.sizeGb ? ` (${p.sizeGb} GB)` : ''}`,
    );
  else ctx.emit({ log: `${p.model} is already downloading: following it` });

  for (;;) {
    if (ctx.signal.aborted)
      throw new OperationFailure(
        'cancelled',
        `the task ended while ${p.model} was downloading; the ML node keeps what it has: download again to resume`,
      );
    await new Promise((r) => setTimeout(r, POLL_MS));
    current = await status();
    const progress = progressOf(p, current, modelDir, current.status === 'DOWNLOADED' ? 1 : undefined);
    const mark = `${current.status}:${progress.done ?? ''}`;
    if (mark !== lastMark) {
      lastMark = mark;
      lastChange = Date.now();
      ctx.emit({ progress });
    }
    if (current.status === 'DOWNLOADED') break;
    if (current.status === 'DOWNLOADING') {
      if (Date.now() - lastChange > STALL_MS)
        throw new OperationFailure(
          'download-stalled',
          `${p.model} made no progress for ${STALL_MS / 60_000} minutes: check the host's connection to Hugging Face and gnm-agent logs ${MLNODE}, then download again (it resumes)`,
        );
      continue;
    }
    // PARTIAL, NOT_FOUND or an error: the ML node dropped the download (restarted, network error).
    const why = current.error_message ? `: ${current.error_message}` : '';
    if (restarts >= MAX_RESTARTS)
      throw new OperationFailure(
        'download-failed',
        `${p.model} stopped downloading (${current.status}${why}) ${restarts + 1} times; what is on disk is kept: fix the cause (gnm-agent logs ${MLNODE}) and download again`,
      );
    restarts++;
    await start(`the ML node stopped the download (${current.status}${why}); resuming`);
  }
  const elapsedSeconds = Math.round((Date.now() - started) / 100) / 10;
  ctx.emit({ log: `${p.model} downloaded in ${elapsedSeconds} s` });
  return { model: p.model, status: 'DOWNLOADED', alreadyPresent: false, availableGb, elapsedSeconds };
}

function progressOf(
  p: ModelDownloadParams,
  s: ModelStatus,
  modelDir: string | null,
  fraction?: number,
): { phase: string; done?: number; total?: number; unit?: string } {
  const reported = fraction ?? (typeof s.progress?.fraction === 'number' ? s.progress.fraction : undefined);
  if (reported !== undefined) {
    const f = Math.min(1, Math.max(0, reported));
    return p.sizeGb
      ? { phase: 'download', done: round(f * p.sizeGb), total: p.sizeGb, unit: 'GB' }
      : { phase: 'download', done: Math.round(f * 100), total: 100, unit: '%' };
  }
  if (!modelDir) return { phase: 'download' };
  const gb = round(bytesUnder(modelDir) / 1024 ** 3);
  return p.sizeGb
    ? { phase: 'download', done: Math.min(gb, p.sizeGb), total: p.sizeGb, unit: 'GB' }
    : { phase: 'download', done: gb, unit: 'GB' };
}

/** HF_HOME of the running release (the host folder mounted into the ML node), if one is deployed. */
function currentHfHome(d: StackDeps): string | undefined {
  const kept = keptRelease(d.stacksRoot, new StackLayout(d.stacksRoot).current());
  return kept ? releaseEnv(kept.release.projectDir).HF_HOME || undefined : undefined;
}

/** Bytes allocated under a folder (symlinks not followed: HF snapshots link to the blobs). */
function bytesUnder(dir: string): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) total += bytesUnder(full);
    else if (e.isFile()) {
      try {
        total += fs.lstatSync(full).blocks * 512;
      } catch {
        // removed meanwhile
      }
    }
  }
  return total;
}

const round = (x: number) => Math.round(x * 10) / 10;
