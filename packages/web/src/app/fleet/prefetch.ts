import type { ApiFleetRow } from './fleet-rows';

/**
 * The fleet is what most visits open first: its request starts as soon as the script runs, alongside
 * the session check, instead of after it (three round trips in a row cost a large fleet's page about
 * half a second). A 401 here means only "not signed in": the session check decides what to show, and
 * the fleet page then asks again through the typed client.
 */
let early: Promise<ApiFleetRow[] | null> | null =
  typeof location !== 'undefined' && location.pathname === '/' && typeof fetch === 'function'
    ? // Exactly the request the control plane preloads for `/` (its Link header), so the browser
      // hands over that response instead of asking again: no extra headers.
      fetch('/api/v1/fleet?scope=mine', { credentials: 'same-origin' })
        .then(async (r) => (r.ok ? ((await r.json()) as { rows: ApiFleetRow[] }).rows : null))
        .catch(() => null)
    : null;

/** The early answer, once (null when there is none or it failed). */
export function takeEarlyFleet(): Promise<ApiFleetRow[] | null> | null {
  const p = early;
  early = null;
  return p;
}
