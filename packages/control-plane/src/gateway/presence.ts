/**
 * Host presence from heartbeats (DESIGN "Health model"): online while connected and heard from within
 * two report intervals; stale when connected but silent longer (a stuck agent or a half-open
 * connection), or disconnected for less than two intervals (a reconnect in progress); offline after.
 */
export type Presence = 'online' | 'stale' | 'offline' | 'never-connected';

export function presenceOf(o: {
  connected: boolean;
  lastSeenAt: string | null;
  intervalMs: number;
  now?: number;
}): Presence {
  if (!o.lastSeenAt) return o.connected ? 'online' : 'never-connected';
  const age = (o.now ?? Date.now()) - Date.parse(o.lastSeenAt);
  const window = 2 * o.intervalMs;
  if (o.connected) return age <= window ? 'online' : 'stale';
  return age <= window ? 'stale' : 'offline';
}

/** A host's presence from its enrollment state, its live connection and when it was last seen. */
export function hostPresence(
  h: { id: string; state: string; last_seen_at: string | null },
  connected: (hostId: string) => boolean,
  intervalMs: number,
): Presence {
  if (h.state === 'pending') return 'never-connected';
  if (h.state !== 'enrolled') return 'offline';
  return presenceOf({ connected: connected(h.id), lastSeenAt: h.last_seen_at, intervalMs });
}
