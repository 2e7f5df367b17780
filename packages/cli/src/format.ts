/** Human output helpers: aligned tables and relative times. */

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      headers
        .map((_, i) => (i === headers.length - 1 ? (r[i] ?? '') : (r[i] ?? '').padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** "12s ago", "5m ago", "3h ago", "2d ago", "in 40m"; "-" for no time. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const diff = now - t;
  const s = Math.round(Math.abs(diff) / 1000);
  const span =
    s < 60
      ? `${s}s`
      : s < 3600
        ? `${Math.floor(s / 60)}m`
        : s < 86400 * 2
          ? `${Math.floor(s / 3600)}h`
          : `${Math.floor(s / 86400)}d`;
  if (s < 1) return 'just now';
  return diff >= 0 ? `${span} ago` : `in ${span}`;
}

/** "14:03:07" in local time, for live lines. */
export function clock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toTimeString().slice(0, 8);
}

/** Key/value lines, keys aligned. */
export function fields(pairs: [string, string][]): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(w + 1)}  ${v}`).join('\n');
}

/** A progress event as one line: "pulling 2/3 images — log text". */
export function progressLine(e: {
  progress: { phase: string; done?: number; total?: number; unit?: string } | null;
  log: string | null;
}): string {
  const p = e.progress;
  const prog = p
    ? `${p.phase}${p.done !== undefined ? ` ${p.done}${p.total !== undefined ? `/${p.total}` : ''}${p.unit ? ` ${p.unit}` : ''}` : ''}`
    : '';
  return [prog, e.log ?? ''].filter(Boolean).join(' — ');
}
