import fs from 'node:fs';
import path from 'node:path';

/**
 * The host layout of DESIGN.md "Stack bundles":
 *   <stacks root>/join/releases/<version>/   a rendered release (deploy/join/…, genesis/…)
 *   <stacks root>/join/current -> releases/<version>    switched atomically
 *   <stacks root>/join/previous -> releases/<version>   the last good release, for rollback
 *   <stacks root>/join/state/                host state (.inference, .dapi, .tmkms, …): never inside a
 *                                             release, never cleaned up or rolled back with one
 */
export class StackLayout {
  constructor(readonly stacksRoot: string) {}
  get joinDir(): string {
    return path.join(this.stacksRoot, 'join');
  }
  get releasesDir(): string {
    return path.join(this.joinDir, 'releases');
  }
  get stateDir(): string {
    return path.join(this.joinDir, 'state');
  }
  releaseDir(version: string): string {
    return path.join(this.releasesDir, version);
  }
  /** The compose project directory of a release (the official deploy/join). */
  projectDir(version: string): string {
    return path.join(this.releaseDir(version), 'deploy', 'join');
  }
  private link(name: 'current' | 'previous'): string {
    return path.join(this.joinDir, name);
  }
  private readLink(name: 'current' | 'previous'): string | undefined {
    try {
      return path.basename(fs.readlinkSync(this.link(name)));
    } catch {
      return undefined;
    }
  }
  current(): string | undefined {
    return this.readLink('current');
  }
  previous(): string | undefined {
    return this.readLink('previous');
  }

  /** Points `name` at a release with one rename (a crash leaves the old or the new link, never none). */
  private setLink(name: 'current' | 'previous', version: string): void {
    const tmp = `${this.link(name)}.tmp-${process.pid}`;
    fs.rmSync(tmp, { force: true });
    fs.symlinkSync(path.join('releases', version), tmp);
    fs.renameSync(tmp, this.link(name));
    fsyncDir(this.joinDir);
  }

  /** Makes `version` current; the release it replaces becomes `previous`. */
  switchTo(version: string): void {
    if (!fs.existsSync(this.releaseDir(version))) throw new Error(`release ${version} is not on this host`);
    const cur = this.current();
    if (cur && cur !== version) this.setLink('previous', cur);
    this.setLink('current', version);
  }

  /** Goes back to the kept previous release (offline: it was verified when it was applied). */
  rollback(): string {
    const prev = this.previous();
    if (!prev || !fs.existsSync(this.releaseDir(prev)))
      throw new Error('no previous release is kept on this host: nothing to roll back to');
    const cur = this.current();
    this.setLink('current', prev);
    if (cur) this.setLink('previous', cur);
    return prev;
  }

  /** Removes releases other than current and previous (state is never touched). */
  prune(): string[] {
    const keep = new Set([this.current(), this.previous()]);
    const removed: string[] = [];
    if (!fs.existsSync(this.releasesDir)) return removed;
    for (const v of fs.readdirSync(this.releasesDir)) {
      if (keep.has(v) || v.startsWith('.')) continue;
      fs.rmSync(this.releaseDir(v), { recursive: true, force: true });
      removed.push(v);
    }
    return removed;
  }
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes a file atomically: temp file, fsync, rename, fsync of the directory. */
export function writeFileAtomic(file: string, data: string | Buffer, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}
