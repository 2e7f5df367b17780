/**
 * The files of a TUF repository as served (consistent snapshots): metadata by name (`1.root.json`,
 * `timestamp.json`, …) and target files by stored path (`bundles/<name>/<version>/<dir>/<sha256>.<file>`).
 */
export interface RepoFiles {
  metadata: Map<string, Buffer>;
  targets: Map<string, Buffer>;
}

/** Versions present for a role's `<version>.<role>.json` files, ascending. */
export function versionsOf(metadata: Map<string, Buffer>, role: 'root' | 'targets' | 'snapshot'): number[] {
  const re = new RegExp(`^([1-9]\\d{0,9})\\.${role}\\.json$`);
  const out: number[] = [];
  for (const name of metadata.keys()) {
    const m = re.exec(name);
    if (m?.[1]) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

/** The stored path of a target with consistent snapshots: `<dir>/<hash>.<basename>` (what tuf-js fetches). */
export function storedPathOf(targetPath: string, hash: string): string {
  const i = targetPath.lastIndexOf('/');
  return i < 0 ? `${hash}.${targetPath}` : `${targetPath.slice(0, i)}/${hash}.${targetPath.slice(i + 1)}`;
}
