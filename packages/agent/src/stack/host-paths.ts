import fs from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_HOST_PATH_ROOTS,
  StackLayout,
  checkHostPathOnHost,
  composeFilesFor,
  renderRelease,
  resolveOnHost,
  valueMountSources,
  type BundleManifest,
  type HostPathContext,
  type HostRole,
  type Values,
} from '@gnm/bundle';
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import { DockerApi } from '../compose/docker-api.js';
import { runCommand } from '../operations/run-command.js';
import type { StackDeps } from './stack-context.js';

/**
 * The agent's host-path check before a release is rendered where it counts: the control plane may
 * be compromised, so every host folder a release would mount is judged here, on this host's own
 * allow-list, Docker data root, state folder and stacks root, after resolving symbolic links. Which
 * values are host paths is read from the compose model itself (every mount source a value reaches),
 * not only from the kinds the manifest declares.
 */
export function hostPathContext(
  d: Pick<StackDeps, 'stacksRoot' | 'stateDir' | 'hostPathRoots'>,
  dockerRoot: string,
): HostPathContext {
  return {
    allowedRoots: d.hostPathRoots?.length ? d.hostPathRoots : DEFAULT_HOST_PATH_ROOTS,
    protectedRoots: [
      { path: dockerRoot, what: 'the Docker data root' },
      { path: path.resolve(d.stateDir), what: "the agent's state folder" },
      { path: path.resolve(d.stacksRoot), what: 'the stacks root' },
    ],
  };
}

/**
 * Problems of the host paths of a release whose compose model is `resolvedModel`: the values of
 * `host-path` parameters, and every mount source not written literally in the signed files. A source
 * inside the release must stay there (or in the stack's state) once links are followed.
 */
export function hostPathProblems(o: {
  manifest: Pick<BundleManifest, 'parameters'>;
  values: Values;
  ctx: HostPathContext;
  resolvedModel: unknown;
  composeTexts: readonly string[];
  releaseDir: string;
  projectDir: string;
  stackStateDir: string;
}): string[] {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(o.manifest.parameters)) {
    const v = o.values[name];
    if (spec.kind !== 'host-path' || typeof v !== 'string') continue;
    const why = checkHostPathOnHost(v, o.ctx);
    if (why) problems.push(`${name}: ${JSON.stringify(v)} ${why}`);
  }
  const inside = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);
  const release = [o.releaseDir, realOr(o.releaseDir)];
  const kept = [...release, o.stackStateDir, realOr(o.stackStateDir)];
  for (const m of valueMountSources(o.resolvedModel, o.composeTexts, o.projectDir)) {
    // Named after the parameters whose value it is, so the operator knows what to change.
    const from = Object.entries(o.values)
      .filter(
        ([, v]) => typeof v === 'string' && /^[/.]/.test(v) && m.source.includes(path.posix.normalize(v)),
      )
      .map(([k]) => k);
    const label = `${from.length ? `${from.join(', ')} (${m.where})` : m.where}: ${JSON.stringify(m.source)}`;
    if (release.some((r) => inside(m.source, r))) {
      const r = resolveOnHost(m.source);
      if ('error' in r) problems.push(`${label} ${r.error}`);
      else if (!kept.some((k) => inside(r.path, k)))
        problems.push(
          `${label} leads out of the release to ${r.path}: give a folder of the release or a host folder`,
        );
      continue;
    }
    const why = checkHostPathOnHost(m.source, o.ctx);
    if (why && !problems.some((p) => from.some((f) => p.startsWith(`${f}:`))))
      problems.push(`${label} ${why}`);
  }
  return problems;
}

function realOr(p: string): string {
  const r = resolveOnHost(p);
  return 'path' in r ? r.path : p;
}

/**
 * Renders the release into a scratch stacks root under `work`, has compose resolve its model, and
 * refuses the apply when a host path is refused: nothing of the host's stack has changed then.
 */
export async function assertHostPaths(o: {
  manifest: BundleManifest;
  bundleDir: string;
  values: Values;
  secrets: Record<string, string>;
  role: HostRole;
  work: string;
  d: StackDeps;
  ctx: OperationContext;
}): Promise<void> {
  const scratch = path.join(o.work, 'host-path-check');
  const rendered = renderRelease({
    bundleDir: o.bundleDir,
    manifest: o.manifest,
    values: o.values,
    secrets: o.secrets,
    stacksRoot: scratch,
    role: o.role,
    activate: false,
  });
  try {
    const dockerRoot = await new DockerApi().dockerRootDir(o.ctx.signal);
    // The whole model (execFile keeps all of stdout; the streaming runner keeps only a tail).
    const config = await runCommand(
      o.d.docker ?? 'docker',
      [...rendered.composeArgs, 'config', '--format', 'json'],
      {
        timeoutMs: 120_000,
        signal: o.ctx.signal,
      },
    );
    if (config.code !== 0)
      throw new OperationFailure(
        'compose-failed',
        `docker compose could not read the release: ${config.stderr.trim().split('\n').slice(-3).join(' ')}`,
      );
    const resolvedModel = JSON.parse(config.stdout) as unknown;
    const problems = hostPathProblems({
      manifest: o.manifest,
      values: o.values,
      ctx: hostPathContext(o.d, dockerRoot),
      resolvedModel,
      composeTexts: composeFilesFor(o.manifest, o.role).map((f) =>
        fs.readFileSync(path.join(rendered.projectDir, f), 'utf8'),
      ),
      releaseDir: rendered.releaseDir,
      projectDir: rendered.projectDir,
      stackStateDir: new StackLayout(scratch).stateDir,
    });
    if (problems.length)
      throw new OperationFailure(
        'invalid-values',
        `nothing was rendered: host folders refused on this host:\n${problems.map((p) => `  - ${p}`).join('\n')}\nfix the node's configuration and apply again`,
      );
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
