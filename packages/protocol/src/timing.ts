/**
 * Timing rules shared by both sides.
 *
 * Reconnect: exponential backoff with full jitter, capped (AWS architecture blog's "full jitter"), so a
 * restarted control plane is not hit by every agent at the same instant.
 *
 * Status reports: the interval grows with the fleet so the control plane ingests at most
 * `maxReportsPerSecond` on average (Nomad's heartbeat scaling), never below `minIntervalMs`; each
 * agent adds ±`jitter` of random spread.
 */
export function backoffDelayMs(
  attempt: number,
  random: () => number = Math.random,
  baseMs = 1000,
  capMs = 60_000,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

export function reportIntervalMs(
  fleetSize: number,
  minIntervalMs = 10_000,
  maxReportsPerSecond = 200,
): number {
  return Math.max(minIntervalMs, Math.ceil((fleetSize / maxReportsPerSecond) * 1000));
}

export function jittered(intervalMs: number, random: () => number = Math.random, jitter = 0.25): number {
  return Math.round(intervalMs * (1 - jitter + 2 * jitter * random()));
}
