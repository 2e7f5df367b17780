import fs from 'node:fs';
import path from 'node:path';
import { readBundleManifest } from './build.js';
import { BundleManifest } from './manifest.js';
import type { SigningKey } from './tuf/keys.js';
import type { Repository } from './tuf/repo.js';
import { fetchVerified, type TrustOptions } from './tuf/client.js';

/** Target paths of a bundle in the repository: `bundles/<name>/<version>/<file>`. */
export function bundleTargets(m: Pick<BundleManifest, 'name' | 'version' | 'files'>): string[] {
  const base = `bundles/${m.name}/${m.version}`;
  return [`${base}/manifest.json`, ...Object.keys(m.files).map((f) => `${base}/${f}`)];
}

/** Signs a built bundle into a repository's targets (offline targets keys). */
export function publishBundle(repo: Repository, bundleDir: string, targetsKeys: SigningKey[]): string[] {
  const m = readBundleManifest(bundleDir);
  const base = `bundles/${m.name}/${m.version}`;
  const files = [
    { path: `${base}/manifest.json`, data: fs.readFileSync(path.join(bundleDir, 'manifest.json')) },
    ...Object.keys(m.files).map((f) => ({
      path: `${base}/${f}`,
      data: fs.readFileSync(path.join(bundleDir, f)),
    })),
  ];
  repo.addTargets(files, targetsKeys);
  return files.map((f) => f.path);
}

/**
 * What the agent does before it renders anything: fetch the bundle's manifest through TUF, then every
 * file the manifest lists, each verified against the signed targets; returns the verified bundle folder.
 */
export async function fetchBundle(
  o: TrustOptions & { repoUrl: string; name: string; version: string; destDir: string },
): Promise<{ dir: string; manifest: BundleManifest }> {
  const base = `bundles/${o.name}/${o.version}`;
  const manifestDir = `${o.destDir}.manifest`;
  try {
    await fetchVerified({ ...o, targets: [`${base}/manifest.json`], destDir: manifestDir });
    const manifest = BundleManifest.parse(
      JSON.parse(fs.readFileSync(path.join(manifestDir, base, 'manifest.json'), 'utf8')),
    );
    const targets = bundleTargets(manifest);
    await fetchVerified({ ...o, targets, destDir: o.destDir });
    return { dir: path.join(o.destDir, base), manifest };
  } finally {
    fs.rmSync(manifestDir, { recursive: true, force: true });
  }
}
