import path from 'node:path';

/**
 * Where the harness keeps its per-run state. Runtime files (namespace handles) live under /run so a
 * reboot forgets them; data (docker data-roots, overlay upper dirs) under /var/tmp, on the root
 * filesystem, because overlay upper dirs and overlay2's data-root cannot live on an overlay.
 */
export const RUNTIME_ROOT = process.env.GNM_TESTKIT_RUNTIME_ROOT ?? '/run/gnm-testkit';
export const DATA_ROOT = process.env.GNM_TESTKIT_DATA_ROOT ?? '/var/tmp/gnm-testkit';
export const RUNS_DIR = path.join(DATA_ROOT, 'runs');

/** The Docker CLI the harness calls. Debian's engine comes with /usr/bin/docker; a newer client may sit in /usr/local/bin. */
export const DOCKER_BIN = process.env.GNM_DOCKER_BIN ?? '/usr/bin/docker';

export function runRuntimeDir(runId: string): string {
  return path.join(RUNTIME_ROOT, runId);
}
export function runDataDir(runId: string): string {
  return path.join(DATA_ROOT, runId);
}
export function runStateFile(runId: string): string {
  return path.join(RUNS_DIR, `${runId}.json`);
}
export function netnsName(runId: string, host: string): string {
  return `gnm-${runId}-${host}`;
}
/** Root-namespace end of the veth that lets the test process reach the harness LAN (<= 15 chars). */
export function gatewayLinkName(runId: string): string {
  return `gnm${runId}gw`;
}
/** cgroup parent given to a host's dockerd, so its containers' cgroups are found and removed at teardown. */
export function cgroupParent(runId: string, host: string): string {
  return `gnm-${runId}-${host}`;
}
