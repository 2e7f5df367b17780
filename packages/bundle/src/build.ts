import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { BundleManifest, readManifestSource, type ManifestSource, type Role } from './manifest.js';

export class BuildError extends Error {
  override name = 'BuildError';
  constructor(readonly problems: string[]) {
    super(
      `the bundle was not built; fix these and build again:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

export interface BuildOptions {
  /** The official deploy/join folder of a Gonka release. */
  from: string;
  /** The manifest source (parameters, health checks, …). */
  manifest: string;
  /** Override compose files (e.g. the sim's), each added to the role whose services it touches. */
  overrides?: string[];
  /** Output folder of the bundle (must not exist). */
  out: string;
  /** Sources for the manifest's extra files, overriding its defaults (release-relative path → file). */
  files?: Record<string, string>;
}

interface ComposeService {
  image?: string;
  profiles?: string[];
  volumes?: (string | { type?: string; source?: string })[];
}

/** `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?e}`, `${VAR?e}`, `${VAR:+a}` and `$VAR` (not `$$`). */
const VAR_RE = /(?<!\$)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

function variablesOf(text: string): { name: string; hasDefault: boolean; inner: string }[] {
  const out: { name: string; hasDefault: boolean; inner: string }[] = [];
  for (const m of text.matchAll(VAR_RE)) {
    const name = m[1] ?? m[4] ?? '';
    const op = m[2] ?? '';
    out.push({ name, hasDefault: op === ':-' || op === '-', inner: m[3] ?? '' });
    // Variables inside a default are read only when the outer one is unset: they are optional.
    if (m[3]) out.push(...variablesOf(m[3]).map((x) => ({ ...x, hasDefault: true })));
  }
  return out;
}

function loadCompose(file: string): { services: Record<string, ComposeService> } {
  const doc = parse(fs.readFileSync(file, 'utf8'), { logLevel: 'silent', merge: true }) as {
    services?: Record<string, ComposeService>;
  } | null;
  return { services: doc?.services ?? {} };
}

/** Resolves `${VAR:-default}` / constants in a string, for image references and volume sources. */
function resolveVars(s: string, src: ManifestSource): string {
  return s.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?+]([^}]*))?\}/g,
    (_m, name: string, dflt?: string) => {
      const p = src.parameters[name];
      return p?.constant ?? p?.default ?? (p ? `<${name}>` : (dflt ?? ''));
    },
  );
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function listFiles(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return listFiles(p, base);
    return e.isFile() ? [path.relative(base, p)] : [];
  });
}

/**
 * Turns the official deploy/join files (plus optional overrides) into a bundle: the files, and a
 * manifest that declares every variable, service, state directory and health check. Everything the
 * build does not understand is reported, all at once, instead of guessed; nothing is written then.
 */
export function buildBundle(o: BuildOptions): BundleManifest {
  const src = readManifestSource(o.manifest);
  // The manifest's own overrides first, then the caller's (the sim's images over the binds).
  o = { ...o, overrides: [...src.composeOverrides, ...(o.overrides ?? [])] };
  for (const [dest, file] of Object.entries(o.files ?? {})) {
    if (!(dest in src.extraFiles))
      throw new BuildError([
        `--file ${dest}: the manifest has no extra file ${dest} (it has: ${Object.keys(src.extraFiles).join(', ') || 'none'})`,
      ]);
    src.extraFiles[dest] = path.resolve(file);
  }
  const problems: string[] = [];
  if (!fs.existsSync(path.join(o.from, 'docker-compose.yml')))
    throw new BuildError([
      `${o.from} has no docker-compose.yml: give the deploy/join folder of a Gonka release`,
    ]);
  if (fs.existsSync(o.out)) throw new BuildError([`${o.out} already exists: choose a new output folder`]);

  const roles: Record<Role, string[]> = {
    network: [...src.roles.network.composeFiles],
    mlnode: [...src.roles.mlnode.composeFiles],
  };
  const fileOf = (name: string): string => {
    const ov = (o.overrides ?? []).find((f) => path.basename(f) === name);
    return ov ?? path.join(o.from, name);
  };
  for (const [role, files] of Object.entries(roles)) {
    for (const f of files)
      if (!fs.existsSync(fileOf(f))) problems.push(`role ${role}: compose file ${f} is not in ${o.from}`);
  }
  if (problems.length) throw new BuildError(problems);

  // Services of each role, from the base files.
  const services: BundleManifest['services'] = {};
  const volumesOf: Record<string, ComposeService['volumes']> = {};
  for (const role of ['network', 'mlnode'] as const) {
    for (const f of roles[role]) {
      for (const [name, svc] of Object.entries(loadCompose(fileOf(f)).services)) {
        const prev = services[name];
        if (prev && prev.role !== role)
          problems.push(`service ${name} is defined by both roles (${prev.role} and ${role})`);
        services[name] = {
          role,
          image: svc.image ?? prev?.image ?? '',
          pinned: false,
          profiles: svc.profiles ?? prev?.profiles ?? [],
        };
        if (svc.volumes) volumesOf[name] = svc.volumes;
      }
    }
  }
  // Overrides join the role whose services they touch.
  for (const ov of o.overrides ?? []) {
    const touched = Object.keys(loadCompose(ov).services);
    const rolesTouched = new Set(touched.map((s) => services[s]?.role));
    if (rolesTouched.has(undefined))
      problems.push(
        `override ${path.basename(ov)} defines service(s) the official files do not have: ${touched.filter((s) => !services[s]).join(', ')}`,
      );
    const rs = [...rolesTouched].filter((r): r is Role => !!r);
    if (rs.length !== 1) {
      problems.push(
        `override ${path.basename(ov)} must touch the services of exactly one role (it touches ${rs.join(' and ') || 'none'})`,
      );
      continue;
    }
    const role = rs[0] as Role;
    roles[role].push(path.basename(ov));
    for (const [name, svc] of Object.entries(loadCompose(ov).services)) {
      const s = services[name];
      if (s && svc.image) s.image = svc.image;
    }
  }
  for (const s of Object.values(services)) {
    s.image = resolveVars(s.image, src);
    s.pinned = /@sha256:[a-f0-9]{64}$/.test(s.image);
    if (!s.image) problems.push('a service has no image');
  }

  // Every variable of every compose file is declared, or defaulted by the file itself.
  const composeNames = [...new Set([...roles.network, ...roles.mlnode])];
  const used = new Set<string>();
  for (const f of composeNames) {
    for (const v of variablesOf(fs.readFileSync(fileOf(f), 'utf8'))) {
      used.add(v.name);
      if (!src.parameters[v.name] && !v.hasDefault) {
        problems.push(
          `${f} uses \${${v.name}}, which the manifest does not declare: add it to "parameters" with its kind`,
        );
      }
    }
  }
  // Which role's files use each parameter: a role's release requires only its own parameters.
  const parameterRoles: Record<string, Role[]> = {};
  for (const role of ['network', 'mlnode'] as const)
    for (const f of roles[role])
      for (const v of variablesOf(fs.readFileSync(fileOf(f), 'utf8')))
        if (src.parameters[v.name] && !parameterRoles[v.name]?.includes(role))
          (parameterRoles[v.name] ??= []).push(role);
  for (const [, param] of Object.entries(src.renderedFiles)) parameterRoles[param] ??= ['network'];
  for (const name of Object.keys(src.parameters)) {
    if (!used.has(name) && !Object.values(src.renderedFiles).includes(name)) {
      problems.push(
        `parameter ${name} is declared but no compose file uses it (a release removed it?): drop it from the manifest`,
      );
    }
  }

  // Relative volume sources: bundle files, rendered files, state directories, or extra files.
  const fromFiles = new Set(listFiles(o.from));
  for (const ov of o.overrides ?? []) fromFiles.add(path.basename(ov));
  for (const [svc, vols] of Object.entries(volumesOf)) {
    for (const v of vols ?? []) {
      const raw = typeof v === 'string' ? (v.split(':')[0] ?? '') : v.type === 'bind' ? (v.source ?? '') : '';
      const source = resolveVars(raw, src);
      if (!source.startsWith('.')) continue; // absolute host paths come from host-path parameters; names are named volumes
      const rel = path.posix.normalize(source);
      if (rel.startsWith('../')) {
        const releaseRel = path.posix.normalize(path.posix.join('deploy/join', rel));
        if (releaseRel.startsWith('../'))
          problems.push(`service ${svc}: volume source ${raw} leaves the release`);
        else if (!src.extraFiles[releaseRel])
          problems.push(
            `service ${svc}: volume source ${raw} (${releaseRel}) is outside deploy/join: declare it in "extraFiles"`,
          );
        continue;
      }
      const isState = src.stateDirs.some((d) => rel === d || rel.startsWith(`${d}/`));
      if (!isState && !fromFiles.has(rel) && !src.renderedFiles[rel]) {
        problems.push(
          `service ${svc}: relative volume source ${raw} is neither a file of the release nor a declared state directory: add it to "stateDirs" (host state) or ship it`,
        );
      }
    }
  }

  for (const name of Object.keys(services))
    if (!src.health[name]) problems.push(`service ${name} has no health check in the manifest ("health")`);
  for (const name of Object.keys(src.health))
    if (!services[name]) problems.push(`health check for ${name}, which no compose file defines`);
  for (const name of src.cosmovisorManaged)
    if (!services[name]) problems.push(`cosmovisorManaged lists ${name}, which no compose file defines`);
  for (const [file, param] of Object.entries(src.renderedFiles)) {
    if (src.parameters[param]?.kind !== 'node-config')
      problems.push(`rendered file ${file} needs a parameter ${param} of kind node-config`);
  }
  for (const [dest, from] of Object.entries(src.extraFiles)) {
    if (!fs.existsSync(path.resolve(src.dir, from)))
      problems.push(`extra file ${dest}: source ${from} not found (give it with --file ${dest}=<path>)`);
  }
  if (problems.length) throw new BuildError(problems);

  // Write into a staging folder, then move it into place.
  const stage = `${o.out}.building-${process.pid}`;
  fs.rmSync(stage, { recursive: true, force: true });
  try {
    for (const f of listFiles(o.from)) {
      const dest = path.join(stage, 'deploy/join', f);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(path.join(o.from, f), dest);
    }
    for (const ov of o.overrides ?? [])
      fs.copyFileSync(ov, path.join(stage, 'deploy/join', path.basename(ov)));
    for (const [dest, from] of Object.entries(src.extraFiles)) {
      fs.mkdirSync(path.dirname(path.join(stage, dest)), { recursive: true });
      fs.copyFileSync(path.resolve(src.dir, from), path.join(stage, dest));
    }
    const files: BundleManifest['files'] = {};
    for (const f of listFiles(stage).sort())
      files[f] = { sha256: sha256(path.join(stage, f)), size: fs.statSync(path.join(stage, f)).size };
    const { extends: _e, dir: _d, composeOverrides: _c, ...rest } = src as ManifestSource & { dir: string };
    void _c;
    void _e;
    void _d;
    const manifest = BundleManifest.parse({
      ...rest,
      roles: { network: { composeFiles: roles.network }, mlnode: { composeFiles: roles.mlnode } },
      builtAt: new Date().toISOString(),
      parameterRoles,
      services,
      files,
    });
    fs.writeFileSync(path.join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.renameSync(stage, o.out);
    return manifest;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

export function readBundleManifest(bundleDir: string): BundleManifest {
  return BundleManifest.parse(JSON.parse(fs.readFileSync(path.join(bundleDir, 'manifest.json'), 'utf8')));
}
