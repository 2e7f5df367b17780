/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export const round = (x: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function summarize(values: Float64Array): { p50: number; p99: number; max: number; count: number } {
  const s = Float64Array.from(values).sort();
  return {
    p50: round(percentile(s, 50)),
    p99: round(percentile(s, 99)),
    max: round(s.length ? (s[s.length - 1] ?? Number.NaN) : Number.NaN),
    count: s.length,
  };
}
