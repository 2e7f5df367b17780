import fs from 'node:fs';
import path from 'node:path';
import type { BundleManifest, Role } from './manifest.js';
import { NodeConfigValue, ParamError, checkValue } from './params.js';
import { StackLayout, fsyncDir, writeFileAtomic } from './layout.js';

export type HostRole = Role | 'full';

/** Per-host values from the control plane: strings, and structured values for node-config params. */
export type Values = Record<string, string | unknown[]>;

export interface RenderOptions {
  bundleDir: string;
  manifest: BundleManifest;
  /** Values sent by the control plane: never secrets. */
  values: Values;
  /** Secrets from the host's own secret store (the agent), for `secret` parameters only. */
  secrets: Record<string, string>;
  stacksRoot: string;
  role: HostRole;
  /**
   * Switch `current` to the new release (default). The agent renders first and switches only once the
   * images are pulled, right before `compose up`, so a failed pull leaves the running release current.
   */
  activate?: boolean;
}

export interface RenderedRelease {
  version: string;
  releaseDir: string;
  projectDir: string;
  /** Arguments for `docker compose` (without the command): project `join`, env file, files. */
  composeArgs: string[];
}

export class RenderError extends Error {
  override name = 'RenderError';
  constructor(readonly problems: string[]) {
    super(`nothing was rendered:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function composeFilesFor(m: BundleManifest, role: HostRole): string[] {
  // A full host renders both roles into the one `join` project, as the official quickstart does.
  return role === 'full'
    ? [...m.roles.network.composeFiles, ...m.roles.mlnode.composeFiles]
    : m.roles[role].composeFiles;
}

/**
 * Validates every value against the parameter schema; returns the config.env lines and the structured
 * values. All problems are reported together.
 */
export function resolveValues(
  m: BundleManifest,
  values: Values,
  secrets: Record<string, string>,
  /** The role rendered; parameters only the other role uses are then not required. */
  role: HostRole = 'full',
): { env: [string, string][]; structured: Record<string, unknown[]> } {
  const usedByRole = (name: string) => {
    const roles = m.parameterRoles?.[name];
    return !roles || role === 'full' || roles.includes(role);
  };
  const problems: string[] = [];
  const env: [string, string][] = [];
  const structured: Record<string, unknown[]> = {};
  for (const k of Object.keys(values)) {
    const spec = m.parameters[k];
    if (!spec) problems.push(`${k}: not a parameter of bundle ${m.name} ${m.version}`);
    else if (spec.kind === 'secret')
      problems.push(
        `${k}: a secret is never accepted from the control plane; the host's secret store provides it`,
      );
    else if (spec.constant !== undefined)
      problems.push(`${k}: fixed by the bundle (${spec.constant}); it cannot be set per host`);
  }
  for (const k of Object.keys(secrets))
    if (m.parameters[k]?.kind !== 'secret') problems.push(`${k}: not a secret parameter`);
  for (const [name, spec] of Object.entries(m.parameters)) {
    if (spec.kind === 'node-config') {
      const v = values[name];
      if (v === undefined) continue;
      const r = NodeConfigValue.safeParse(v);
      if (!r.success)
        for (const i of r.error.issues)
          problems.push(new ParamError(`${name}[${i.path.join('.')}]`, i.message).message);
      else structured[name] = r.data;
      continue;
    }
    const given = spec.kind === 'secret' ? secrets[name] : values[name];
    if (given !== undefined && typeof given !== 'string') {
      problems.push(`${name}: must be text`);
      continue;
    }
    const v = spec.constant ?? given ?? spec.default;
    if (v === undefined) {
      if (spec.required && usedByRole(name)) problems.push(`${name}: required (${spec.description})`);
      continue;
    }
    const why = checkValue(spec, v);
    if (why)
      problems.push(
        new ParamError(name, spec.kind === 'secret' ? why : `${JSON.stringify(v)} ${why}`).message,
      );
    else env.push([name, v]);
  }
  if (problems.length) throw new RenderError(problems);
  return { env, structured };
}

/**
 * Renders a verified bundle for this host into `<root>/join/releases/<version>/` (staged, then
 * renamed into place), links its state directories to `<root>/join/state/`, and switches `current`.
 * Values are quoted in config.env and were validated first, so none can add a line or a key.
 */
export function renderRelease(o: RenderOptions): RenderedRelease {
  const m = o.manifest;
  const { env, structured } = resolveValues(m, o.values, o.secrets, o.role);
  const layout = new StackLayout(o.stacksRoot);
  const version = m.version;
  const current = layout.current();
  if (current && compareVersions(version, current) < 0) {
    throw new RenderError([
      `bundle ${version} is older than the current release ${current}: a lower version is reached only by rolling back to a kept release (stack.rollback)`,
    ]);
  }
  fs.mkdirSync(layout.releasesDir, { recursive: true });
  fs.mkdirSync(layout.stateDir, { recursive: true, mode: 0o700 });
  const stage = path.join(layout.releasesDir, `.stage-${version}-${process.pid}`);
  fs.rmSync(stage, { recursive: true, force: true });
  try {
    for (const f of Object.keys(m.files)) {
      const src = path.join(o.bundleDir, f);
      const dest = path.join(stage, f);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(src, dest);
    }
    const project = path.join(stage, 'deploy', 'join');
    writeFileAtomic(
      path.join(project, 'config.env'),
      `# Rendered by gnm from bundle ${m.name} ${version}. Do not edit: the next apply replaces it.\n${env.map(([k, v]) => `${k}='${v}'`).join('\n')}\n`,
      0o600,
    );
    for (const [file, param] of Object.entries(m.renderedFiles)) {
      writeFileAtomic(path.join(project, file), `${JSON.stringify(structured[param] ?? [], null, 2)}\n`);
    }
    for (const d of m.stateDirs) {
      const target = path.join(layout.stateDir, d);
      fs.mkdirSync(target, { recursive: true });
      const link = path.join(project, d);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.rmSync(link, { recursive: true, force: true });
      fs.symlinkSync(target, link);
    }
    fsyncDir(stage);
    const dest = layout.releaseDir(version);
    if (fs.existsSync(dest)) {
      const old = path.join(layout.releasesDir, `.old-${version}-${process.pid}`);
      fs.renameSync(dest, old);
      fs.renameSync(stage, dest);
      fs.rmSync(old, { recursive: true, force: true });
    } else fs.renameSync(stage, dest);
    fsyncDir(layout.releasesDir);
    if (o.activate !== false) layout.switchTo(version);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  return releaseFor(o.stacksRoot, m, o.role);
}

/** Semantic-version order (major.minor.patch, then pre-release: 1.0.0-1 < 1.0.0-2 < 1.0.0). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = '', pre] = v.split('+')[0]?.split(/-(.*)/s) ?? [];
    return { nums: core.split('.').map(Number), pre: pre ? pre.split('.') : [] };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++)
    if ((x.nums[i] ?? 0) !== (y.nums[i] ?? 0)) return (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
  if (!x.pre.length || !y.pre.length) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/** Compose arguments for a release already on the host (used by apply, status and rollback). */
export function releaseFor(stacksRoot: string, m: BundleManifest, role: HostRole): RenderedRelease {
  const layout = new StackLayout(stacksRoot);
  const projectDir = layout.projectDir(m.version);
  return {
    version: m.version,
    releaseDir: layout.releaseDir(m.version),
    projectDir,
    composeArgs: [
      'compose',
      '--project-name',
      'join',
      '--project-directory',
      projectDir,
      '--env-file',
      path.join(projectDir, 'config.env'),
      ...composeFilesFor(m, role).flatMap((f) => ['-f', path.join(projectDir, f)]),
    ],
  };
}
