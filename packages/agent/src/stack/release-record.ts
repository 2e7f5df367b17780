import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { BundleManifest, StackLayout, releaseFor, type RenderedRelease } from '@gnm/bundle';
import { writeFileAtomic } from '../state/files.js';

/**
 * What the agent keeps beside each rendered release (`releases/<version>/gnm-release.json`): the
 * verified manifest and the role it was rendered for. Rollback and crash recovery start the kept
 * release from this alone, offline: it was verified when it was applied.
 */
export const ReleaseRecord = z.strictObject({
  bundle: z.string(),
  version: z.string(),
  role: z.enum(['network', 'mlnode', 'full']),
  opId: z.string(),
  renderedAt: z.string(),
  manifest: BundleManifest,
});
export type ReleaseRecord = z.infer<typeof ReleaseRecord>;

const FILE = 'gnm-release.json';

export function writeRecord(layout: StackLayout, r: ReleaseRecord): void {
  writeFileAtomic(path.join(layout.releaseDir(r.version), FILE), JSON.stringify(r), 0o644);
}

export function readRecord(layout: StackLayout, version: string): ReleaseRecord | undefined {
  try {
    return ReleaseRecord.parse(
      JSON.parse(fs.readFileSync(path.join(layout.releaseDir(version), FILE), 'utf8')),
    );
  } catch {
    return undefined;
  }
}

/** The compose invocation of a kept release, or undefined when the release or its record is missing. */
export function keptRelease(
  stacksRoot: string,
  version: string | undefined,
): { record: ReleaseRecord; release: RenderedRelease } | undefined {
  if (!version) return undefined;
  const record = readRecord(new StackLayout(stacksRoot), version);
  if (!record) return undefined;
  return { record, release: releaseFor(stacksRoot, record.manifest, record.role) };
}

/** The running release's config.env (rendered by @gnm/bundle: `KEY='value'` lines, validated values). */
export function releaseEnv(projectDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(path.join(projectDir, 'config.env'), 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)='(.*)'$/.exec(line);
    if (m?.[1] && m[2] !== undefined) out[m[1]] = m[2];
  }
  return out;
}
