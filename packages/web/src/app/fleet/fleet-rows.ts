import type { paths } from '../api/schema.gen';

/**
 * One row of the fleet table, as `GET /api/v1/fleet` answers it (the control plane joins each host
 * with its node and works out health, height, lag and the GPU summary), plus what the page needs to
 * search and draw it without work per frame: the lower-cased search text and the formatted numbers.
 */
type Json<T> = T extends { content: { 'application/json': infer J } } ? J : never;
export type ApiFleetRow = Json<paths['/api/v1/fleet']['get']['responses'][200]>['rows'][number];
export type Health = ApiFleetRow['health'];

export interface FleetRow extends ApiFleetRow {
  /** Lower-cased text the search box matches against. */
  haystack: string;
  /** Formatted once per fetch: toLocaleString per cell per frame is what makes scrolling stutter. */
  heightText: string;
  lagText: string;
}

export function fleetRows(rows: readonly ApiFleetRow[]): FleetRow[] {
  // One formatter for all: Number#toLocaleString builds a new one per call (10,000 calls for 5,000
  // rows took a few hundred ms of the page's first render).
  const n = new Intl.NumberFormat();
  return rows.map((r) => ({
    ...r,
    heightText: r.height === null ? '—' : n.format(r.height),
    lagText: r.lag === null ? '—' : `${n.format(r.lag)} block${r.lag === 1 ? '' : 's'}`,
    haystack: [
      r.hostName,
      r.hostname,
      r.hostId,
      r.nodeName,
      r.nodeId,
      r.role,
      r.nodeState,
      r.release,
      r.gpus,
      r.healthReason,
    ]
      .filter(Boolean)
      .join(' ')
      .toLowerCase(),
  }));
}
