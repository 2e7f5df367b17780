import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The official Gonka deployment files, kept outside this repository (they are data, never copied
 * in). Found through GNM_GONKA_FIXTURES, by default ../shared/fixtures/gonka beside the checkout.
 * Throws with what to do when they are missing: a test never passes without its input.
 */
export function gonkaFixturesDir(): string {
  const dir = path.resolve(REPO_ROOT, process.env.GNM_GONKA_FIXTURES ?? '../shared/fixtures/gonka');
  if (!fs.existsSync(dir)) {
    throw new Error(
      `Gonka fixtures not found at ${dir}. Set GNM_GONKA_FIXTURES to the folder holding v<version>/deploy/join ` +
        '(by default ../shared/fixtures/gonka beside this checkout).',
    );
  }
  return dir;
}

/** deploy/join of one fixture release, e.g. joinDir('v0.2.14'). */
export function joinDir(version: string): string {
  const dir = path.join(gonkaFixturesDir(), version, 'deploy', 'join');
  if (!fs.existsSync(path.join(dir, 'docker-compose.yml'))) {
    throw new Error(
      `no docker-compose.yml in ${dir}: the Gonka fixtures for ${version} are missing or incomplete`,
    );
  }
  return dir;
}

/**
 * The variables of a release's config.env.template (`export KEY=value` lines), with placeholders
 * replaced by `fill` values, as an operator's filled-in config.env gives them to `docker compose`.
 */
export function filledConfigEnv(version: string, fill: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of fs
    .readFileSync(path.join(joinDir(version), 'config.env.template'), 'utf8')
    .split('\n')) {
    const m = /^export\s+([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m?.[1]) continue;
    env[m[1]] = fill[m[1]] ?? m[2] ?? '';
  }
  return env;
}

export { REPO_ROOT };
