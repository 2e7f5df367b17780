import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ParamSpec } from './params.js';

const RelPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative path without ".."');

export const Role = z.enum(['network', 'mlnode']);
export type Role = z.infer<typeof Role>;

export const HealthCheck = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('http'),
    port: z.number().int(),
    path: z.string(),
    expectStatus: z.number().int().default(200),
  }),
  z.strictObject({ kind: z.literal('tcp'), port: z.number().int() }),
  z.strictObject({ kind: z.literal('compose-healthcheck') }),
  z.strictObject({ kind: z.literal('running') }),
]);

/**
 * What a release authority writes beside the official files (the "manifest source"): what the
 * official files lack — parameter schema, health checks, Cosmovisor-managed services, state
 * directories, update rules. `gnm bundle build` checks it against the compose files.
 */
export const ManifestSource = z.strictObject({
  schemaVersion: z.literal(1),
  /** Another manifest source (relative path) whose fields this one extends (the sim extends the official). */
  extends: z.string().optional(),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  version: z
    .string()
    .regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/, 'must be a semantic version'),
  gonkaRelease: z.string().min(1),
  roles: z.strictObject({
    network: z.strictObject({ composeFiles: z.array(RelPath).min(1) }),
    mlnode: z.strictObject({ composeFiles: z.array(RelPath).min(1) }),
  }),
  /** Files the compose files need from outside deploy/join: release-relative destination → source (relative to this manifest). */
  extraFiles: z.record(RelPath, z.string()).default({}),
  /**
   * Compose override files of the release authority (relative to this manifest), added like
   * `gnm bundle build --override` before any given there: e.g. the bind-address overrides that put
   * internal ports on one interface. Each joins the role whose services it touches.
   */
  composeOverrides: z.array(z.string()).default([]),
  /** Relative volume sources (deploy/join-relative) that are host state, kept in <stacks root>/join/state. */
  stateDirs: z.array(RelPath).min(1),
  /** Files rendered from a structured parameter: deploy/join-relative file → parameter name. */
  renderedFiles: z.record(RelPath, z.string()).default({}),
  /** Services Cosmovisor upgrades by itself (the product never swaps their binaries). */
  cosmovisorManaged: z.array(z.string()).default([]),
  health: z.record(z.string(), HealthCheck),
  updatePolicy: z.strictObject({
    roleOrder: z.array(Role).default(['mlnode', 'network']),
    avoidPhases: z.array(z.string()).default([]),
    minBlocksBeforePoc: z.number().int().min(0).default(0),
  }),
  parameters: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), ParamSpec),
});
export type ManifestSource = z.infer<typeof ManifestSource>;

/** The manifest inside a built bundle: the source resolved, plus what the build found. */
export const BundleManifest = ManifestSource.omit({ extends: true, composeOverrides: true }).extend({
  builtAt: z.string(),
  /**
   * The roles whose compose files use each parameter (found by the build). A release of one role
   * requires only its own; a parameter not listed (bundles built before this existed) counts for both.
   */
  parameterRoles: z.record(z.string(), z.array(Role)).optional(),
  services: z.record(
    z.string(),
    z.strictObject({
      role: Role,
      image: z.string(),
      pinned: z.boolean(),
      profiles: z.array(z.string()).default([]),
    }),
  ),
  /** Every file of the bundle (release-relative) with its sha256. */
  files: z.record(RelPath, z.strictObject({ sha256: z.string(), size: z.number().int() })),
});
export type BundleManifest = z.infer<typeof BundleManifest>;

/** Reads a manifest source, resolving `extends` (the child's fields win; parameters and maps merge). */
export function readManifestSource(file: string): ManifestSource & { dir: string } {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  let merged: Record<string, unknown> = raw;
  if (typeof raw.extends === 'string') {
    const parentFile = path.resolve(path.dirname(file), raw.extends);
    const parent = JSON.parse(fs.readFileSync(parentFile, 'utf8')) as Record<string, unknown>;
    // Paths in the parent stay relative to the parent's folder.
    const parentExtra = Object.fromEntries(
      Object.entries((parent.extraFiles ?? {}) as Record<string, string>).map(([k, v]) => [
        k,
        path.resolve(path.dirname(parentFile), v),
      ]),
    );
    merged = { ...parent, ...raw, extends: undefined };
    for (const k of ['parameters', 'health', 'renderedFiles'] as const) {
      merged[k] = { ...((parent[k] ?? {}) as object), ...((raw[k] ?? {}) as object) };
    }
    merged.extraFiles = { ...parentExtra, ...((raw.extraFiles ?? {}) as object) };
    merged.composeOverrides = [
      ...((parent.composeOverrides ?? []) as string[]).map((f) => path.resolve(path.dirname(parentFile), f)),
      ...((raw.composeOverrides ?? []) as string[]),
    ];
  }
  const r = ManifestSource.safeParse(merged);
  if (!r.success) {
    throw new Error(
      `${file}: invalid manifest:\n${r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  }
  const dir = path.dirname(file);
  return { ...r.data, composeOverrides: r.data.composeOverrides.map((f) => path.resolve(dir, f)), dir };
}
