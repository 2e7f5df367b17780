import { describeColdKeyFindings, findColdKeyMaterial, type TypedField } from '@gnm/gonka/cold-key-guard';
import type { BundleManifest } from '@gnm/bundle';

/**
 * The agent's own cold-key check (DESIGN invariant 5). The control plane refuses cold-key material
 * already, but it may be compromised, and what the agent writes (config.env, compose files,
 * node-config.json) sits on the host's disk: every operation's parameters are searched before the
 * operation runs, and a release's values again, typed by the bundle's own parameter kinds, right
 * before they are rendered. The answer names the field, never the value.
 */
export const COLD_KEY_REFUSED = 'cold-key-refused';

/** Why the parameters are refused, or undefined when they hold no cold-key material. */
export function coldKeyRefusal(
  params: unknown,
  o: { typed?: Readonly<Record<string, TypedField>>; path?: string } = {},
): string | undefined {
  const found = findColdKeyMaterial(params, o);
  return found.length ? `cold-key material refused, ${describeColdKeyFindings(found)}` : undefined;
}

/** The typed fields of a release's values: the bundle's `pubkey` parameters are account public keys. */
export function valueTypes(manifest: Pick<BundleManifest, 'parameters'>): Record<string, TypedField> {
  const typed: Record<string, TypedField> = {};
  for (const [name, spec] of Object.entries(manifest.parameters))
    if (spec.kind === 'pubkey') typed[name] = 'account-pubkey';
  return typed;
}
