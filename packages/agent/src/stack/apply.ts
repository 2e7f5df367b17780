import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import {
  BundleVerificationError,
  RenderError,
  StackLayout,
  fetchBundle,
  renderRelease,
  type BundleManifest,
  type RenderedRelease,
} from '@gnm/bundle';
import type { OPERATIONS } from '@gnm/protocol';
import { PinnedFetcher } from '../bundles/pinned-fetcher.js';
import { bundleRefusal } from '../bundles/refusal.js';
import { refuseOlderRelease } from './older-release.js';
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import { COLD_KEY_REFUSED, coldKeyRefusal, valueTypes } from '../operations/cold-key-check.js';
import { SecretStore } from './secret-store.js';
import { keptRelease, writeRecord } from './release-record.js';
import { DockerApi } from '../compose/docker-api.js';
import type { StackResult } from './result.js';
import { composeFor, stepLogger, type StackDeps } from './stack-context.js';
import { assertHostPaths } from './host-paths.js';

export type ApplyParams = z.infer<(typeof OPERATIONS)['stack.apply']>;

/**
 * stack.apply: fetch the bundle through TUF (verified against the root pinned at install, over the
 * pinned TLS), render it with the values and this host's own secrets into a new release, pull its
 * images, then switch `current` and `compose up`. Nothing running changes until the images are on
 * the host; if `up` fails, the previous release is switched back and started again.
 */
/**
 * How a switched release is started. The default is one `compose up` of everything; node.deploy
 * passes the ordered Gonka bring-up (tmkms and node, RPC, warm key, the rest). `up(args)` runs
 * `compose up --detach --no-build [--force-recreate] …args` on the release; a throw restores the
 * previous release as a failed `up` does.
 */
export type BringUp = (up: (args: string[]) => Promise<void>, release: RenderedRelease) => Promise<void>;

export async function applyStack(
  p: ApplyParams,
  ctx: OperationContext,
  d: StackDeps,
  opId: string,
  bringUp?: BringUp,
): Promise<StackResult> {
  const layout = new StackLayout(d.stacksRoot);
  const previous = layout.current() ?? null;
  refuseOlderRelease(d.stacksRoot, p.version);
  ctx.emit({ progress: { phase: 'verify' }, log: `fetching and verifying bundle ${p.bundle} ${p.version}` });
  const work = path.join(d.stateDir, 'bundles', `${opId}`);
  try {
    const { dir: bundleDir, manifest } = await verifiedBundle(p, d, work);
    ctx.emit({ progress: { phase: 'render' } });
    // Checked again here, typed by the verified bundle's parameter kinds, right before any value is
    // written into a host file.
    const cold = coldKeyRefusal(p.values, { typed: valueTypes(manifest), path: 'values' });
    if (cold) throw new OperationFailure(COLD_KEY_REFUSED, cold);
    const secrets = new SecretStore(path.join(d.stateDir, 'secrets')).forBundle(manifest.parameters);
    let rendered;
    try {
      await assertHostPaths({ manifest, bundleDir, values: p.values, secrets, role: p.role, work, d, ctx });
      rendered = renderRelease({
        bundleDir,
        manifest,
        values: p.values,
        secrets,
        stacksRoot: d.stacksRoot,
        role: p.role,
        activate: false,
      });
    } catch (e) {
      if (e instanceof RenderError)
        throw new OperationFailure(
          'invalid-values',
          `${e.message}\nfix the node's configuration and apply again`,
        );
      throw e;
    }
    writeRecord(layout, {
      bundle: p.bundle,
      version: p.version,
      role: p.role,
      opId,
      renderedAt: new Date().toISOString(),
      manifest,
    });
    const compose = composeFor(d, ctx);

    // Only missing images are pulled (checked on the engine's socket, milliseconds each): re-applying
    // with everything present costs one compose run here, not a pull round-trip per image.
    const docker = new DockerApi();
    const images = [
      ...new Set(
        (await compose.onRelease(rendered.composeArgs, ['config', '--images'])).split('\n').filter(Boolean),
      ),
    ];
    const missing: string[] = [];
    for (const image of images) if (!(await docker.hasImage(image, ctx.signal))) missing.push(image);
    ctx.emit({
      progress: { phase: 'pull', done: images.length - missing.length, total: images.length, unit: 'images' },
    });
    if (missing.length) {
      let pulled = images.length - missing.length;
      await compose.onRelease(rendered.composeArgs, ['pull', '--policy', 'missing'], {
        onLine: stepLogger(ctx, (_line, verb) => {
          if (verb === 'Pulled')
            ctx.emit({
              progress: {
                phase: 'pull',
                done: Math.min(++pulled, images.length),
                total: images.length,
                unit: 'images',
              },
            });
        }),
      });
    }

    ctx.emit({ progress: { phase: 'start' }, log: `switching to release ${p.version} and starting it` });
    layout.switchTo(p.version);
    const up = ['up', '--detach', '--no-build'];
    // Re-applying the running version replaced its files: every container is recreated so none keeps
    // a mount of the replaced folder.
    if (previous === p.version) up.push('--force-recreate');
    const runUp = async (args: string[]) => {
      await compose.onRelease(rendered.composeArgs, [...up, ...args], { onLine: stepLogger(ctx) });
    };
    try {
      if (bringUp) await bringUp(runUp, rendered);
      else await runUp(['--remove-orphans']);
    } catch (e) {
      throw await restorePrevious(e as Error, layout, previous, p.version, d, ctx);
    }
    layout.prune();
    return { release: p.version, previous, role: p.role, containers: await docker.projectContainers('join') };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function verifiedBundle(
  p: ApplyParams,
  d: StackDeps,
  work: string,
): Promise<{ dir: string; manifest: BundleManifest }> {
  if (!d.rootSha256)
    throw new OperationFailure(
      'no-trusted-root',
      'this host has no pinned bundle root: it was enrolled before the control plane had a signed bundle repository. Import the repository (gnm bundle import), then re-run the install command from the host page',
    );
  const fetcher = new PinnedFetcher(d.tlsPin, { devPlainHttp: d.devPlainHttp });
  const repoUrl = `${d.controlPlane.replace(/\/$/, '')}/tuf/v1`;
  const metadataDir = path.join(d.stateDir, 'tuf');
  try {
    const initialRoot = fs.existsSync(path.join(metadataDir, 'root.json'))
      ? undefined
      : await download(fetcher, `${repoUrl}/metadata/1.root.json`);
    const got = await fetchBundle({
      repoUrl,
      metadataDir,
      rootSha256: d.rootSha256,
      initialRoot,
      fetcher,
      name: p.bundle,
      version: p.version,
      destDir: work,
    });
    if (got.manifest.name !== p.bundle || got.manifest.version !== p.version)
      throw new OperationFailure(
        'bundle-refused',
        `the signed manifest is ${got.manifest.name} ${got.manifest.version}, not the requested ${p.bundle} ${p.version}`,
      );
    return got;
  } catch (e) {
    if (e instanceof OperationFailure) throw e;
    if (e instanceof BundleVerificationError)
      throw bundleRefusal(e, new StackLayout(d.stacksRoot).current() ?? null);
    throw new OperationFailure(
      'bundle-unavailable',
      `bundle ${p.bundle} ${p.version} could not be fetched from the control plane: ${(e as Error).message}`,
    );
  } finally {
    fetcher.close();
  }
}

async function download(fetcher: PinnedFetcher, url: string): Promise<Buffer> {
  const stream = await fetcher.fetch(url);
  const chunks: Uint8Array[] = [];
  for await (const c of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** After a failed `up`: back to the release that ran before, started again; the error says what happened. */
async function restorePrevious(
  e: Error,
  layout: StackLayout,
  previous: string | null,
  version: string,
  d: StackDeps,
  ctx: OperationContext,
): Promise<OperationFailure> {
  const code = e instanceof OperationFailure ? e.code : 'compose-failed';
  if (!previous || previous === version)
    return new OperationFailure(
      code,
      `${e.message}\nrelease ${version} did not start; fix the cause and apply again`,
    );
  const kept = keptRelease(d.stacksRoot, previous);
  if (!kept)
    return new OperationFailure(code, `${e.message}\nthe previous release ${previous} is no longer kept`);
  layout.rollback();
  ctx.emit({ log: `release ${version} did not start: going back to ${previous}` });
  try {
    await composeFor(d, ctx).onRelease(
      kept.release.composeArgs,
      ['up', '--detach', '--remove-orphans', '--no-build'],
      {
        onLine: stepLogger(ctx),
      },
    );
  } catch (again) {
    return new OperationFailure(
      code,
      `${e.message}\nand the previous release ${previous} did not start again either: ${(again as Error).message}`,
    );
  }
  return new OperationFailure(code, `${e.message}\nthe previous release ${previous} was started again`);
}
