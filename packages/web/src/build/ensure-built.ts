import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { WEB_DIST_DIR, WEB_ROOT_DIR } from '../dist-dir.js';

/** Everything the build reads: a change to any of these makes the built console stale. */
const INPUTS = ['index.html', 'vite.config.ts', 'package.json', 'public', 'src/app'];

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const s = fs.statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const e of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

/** Whether dist/ is missing or older than one of its inputs. */
export function webBuildIsStale(): boolean {
  const index = path.join(WEB_DIST_DIR, 'index.html');
  if (!fs.existsSync(index)) return true;
  const built = fs.statSync(index).mtimeMs;
  return INPUTS.some((i) => newestMtime(path.join(WEB_ROOT_DIR, i)) > built);
}

/**
 * Builds the console with vite when dist/ is missing or stale (a fresh clone, an edited page), so
 * `npm start`, the browser tests and the bench always serve what the sources say. Throws with vite's
 * output when the build fails.
 */
export function ensureWebBuilt(log: (line: string) => void = () => undefined): { built: boolean } {
  if (!webBuildIsStale()) return { built: false };
  log('[web] building the console (vite build)…');
  const vite = path.resolve(WEB_ROOT_DIR, '../../node_modules/.bin/vite');
  const r = spawnSync(vite, ['build', '--logLevel', 'warn'], { cwd: WEB_ROOT_DIR, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`vite build failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  // vite keeps index.html's mtime fresh; touch it anyway so a build that changed nothing is not stale.
  const now = new Date();
  fs.utimesSync(path.join(WEB_DIST_DIR, 'index.html'), now, now);
  return { built: true };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  try {
    const r = ensureWebBuilt((l) => console.log(l));
    if (!r.built) console.log('[web] the console is up to date');
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
