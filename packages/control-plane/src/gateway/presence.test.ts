import { describe, expect, it } from 'vitest';
import { presenceOf } from './presence.js';

describe('host presence from heartbeats', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  const ago = (ms: number) => new Date(now - ms).toISOString();
  it('is online while connected and heard from within two intervals, stale when silent longer', () => {
    expect(presenceOf({ connected: true, lastSeenAt: ago(5_000), intervalMs: 10_000, now })).toBe('online');
    expect(presenceOf({ connected: true, lastSeenAt: ago(20_000), intervalMs: 10_000, now })).toBe('online');
    expect(presenceOf({ connected: true, lastSeenAt: ago(20_001), intervalMs: 10_000, now })).toBe('stale');
  });
  it('is stale just after a disconnect (a reconnect may be under way), then offline', () => {
    expect(presenceOf({ connected: false, lastSeenAt: ago(1_000), intervalMs: 10_000, now })).toBe('stale');
    expect(presenceOf({ connected: false, lastSeenAt: ago(20_001), intervalMs: 10_000, now })).toBe(
      'offline',
    );
  });
  it('distinguishes a host that never connected', () => {
    expect(presenceOf({ connected: false, lastSeenAt: null, intervalMs: 10_000, now })).toBe(
      'never-connected',
    );
  });
});
