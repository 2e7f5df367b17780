import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * The host paths a rendered release mounts, from the compose model as compose itself resolved it
 * (`docker compose config --format json`: values interpolated, relative paths made absolute, short
 * and long volume syntax, overrides merged). A source written literally in the signed compose files
 * is the release authority's choice; any other one took its value from a parameter (whatever kind
 * the manifest declares it) and must pass the host-path rules.
 */
export interface MountSource {
  /** Where it comes from, for the refusal: `service api volume /root/node_config.json`. */
  where: string;
  source: string;
}

const VolumeEntry = z.union([
  z.string(),
  z.looseObject({
    type: z.string().optional(),
    source: z.string().optional(),
    target: z.string().optional(),
  }),
]);
const FileRef = z.looseObject({ file: z.string().optional() });
const ComposeModel = z.looseObject({
  services: z
    .record(z.string(), z.looseObject({ volumes: z.array(VolumeEntry).nullish() }).nullish())
    .nullish(),
  volumes: z
    .record(z.string(), z.looseObject({ driver_opts: z.record(z.string(), z.unknown()).nullish() }).nullish())
    .nullish(),
  configs: z.record(z.string(), FileRef.nullish()).nullish(),
  secrets: z.record(z.string(), FileRef.nullish()).nullish(),
});
type ComposeModel = z.infer<typeof ComposeModel>;

/** A short-syntax volume `source:target[:mode]`; a source without `/` or `.` is a named volume. */
function shortVolume(v: string): { source: string; target: string } | undefined {
  const [source = '', target = ''] = v.split(':');
  if (!target) return undefined;
  return { source, target };
}

function bindsOf(model: ComposeModel, projectDir: string): { key: string; m: MountSource }[] {
  const out: { key: string; m: MountSource }[] = [];
  const abs = (s: string) => path.posix.resolve(projectDir, s.replace(/^~(?=\/|$)/, '/~'));
  const isPath = (s: string) => s.startsWith('/') || s.startsWith('.') || s.startsWith('~');
  for (const [svc, s] of Object.entries(model.services ?? {})) {
    for (const v of s?.volumes ?? []) {
      let source: string | undefined;
      let target = '';
      if (typeof v === 'string') {
        const sv = shortVolume(v);
        if (sv && isPath(sv.source)) ({ source, target } = sv);
      } else if (v.type === 'bind' || (v.type === undefined && v.source && isPath(v.source))) {
        source = v.source;
        target = v.target ?? '';
      }
      if (source)
        out.push({
          key: `service\0${svc}\0${target}\0${abs(source)}`,
          m: { where: `service ${svc} volume ${target}`, source: abs(source) },
        });
    }
  }
  // A named volume of the local driver with `o: bind` mounts its `device` folder.
  for (const [name, vol] of Object.entries(model.volumes ?? {})) {
    const device = vol?.driver_opts?.device;
    if (typeof device === 'string' && device)
      out.push({
        key: `volume\0${name}\0${abs(device)}`,
        m: { where: `volume ${name}`, source: abs(device) },
      });
  }
  for (const kind of ['configs', 'secrets'] as const)
    for (const [name, ref] of Object.entries(model[kind] ?? {}))
      if (ref?.file)
        out.push({
          key: `${kind}\0${name}\0${abs(ref.file)}`,
          m: { where: `${kind.slice(0, -1)} ${name}`, source: abs(ref.file) },
        });
  return out;
}

/**
 * The mount sources of the resolved model that are not written literally in the signed compose
 * files. `composeTexts` are those files as signed (before interpolation); `projectDir` the release's
 * compose project folder (where relative sources start).
 */
export function valueMountSources(
  resolvedModel: unknown,
  composeTexts: readonly string[],
  projectDir: string,
): MountSource[] {
  const model = ComposeModel.parse(resolvedModel);
  const literal = new Set<string>();
  for (const text of composeTexts) {
    const r = ComposeModel.safeParse(parse(text, { logLevel: 'silent', merge: true }) ?? {});
    if (!r.success) continue;
    // Only entries free of interpolation are literal; the rest are judged on their resolved value.
    for (const { key } of bindsOf(r.data, projectDir)) if (!key.includes('$')) literal.add(key);
  }
  return bindsOf(model, projectDir)
    .filter(({ key }) => !literal.has(key))
    .map(({ m }) => m);
}
