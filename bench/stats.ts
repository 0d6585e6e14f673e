// Order statistics shared by the bench's loader and its report.

/** The middle item by `key` (the higher of two middles). */
export const middle = <T>(xs: readonly T[], key: (x: T) => number): T | undefined =>
  [...xs].sort((a, b) => key(a) - key(b))[Math.floor(xs.length / 2)];

/** The middle number (the higher of two middles), 0 for none. */
export const median = (xs: readonly number[]): number => middle(xs, (x) => x) ?? 0;

/** The q-quantile (nearest rank) of numbers sorted ascending, 0 for none. */
export const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);

export interface Spread {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Median, 99th percentile (nearest rank) and maximum; zeros for none. */
export function spread(xs: readonly number[]): Spread {
  const sorted = [...xs].sort((a, b) => a - b);
  return { count: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? 0 };
}

/** A spread as three table cells, "p50 | p99 | max", in ms to one decimal. */
export const spreadCells = (s: Spread): string => `${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} | ${s.max.toFixed(1)}`;

/** The machine's CPU time from /proc/stat's first line, in clock ticks: all of it, and the part not idle or waiting. */
export function machineCpu(procStat: string): { total: number; busy: number } {
  const fields = /^cpu\s+([\d\s]+)/.exec(procStat)?.[1]?.trim().split(/\s+/).map(Number);
  if (fields === undefined || fields.length < 4 || fields.some((n) => !Number.isFinite(n))) {
    throw new Error("/proc/stat: no cpu line");
  }
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const total = fields.slice(0, 8).reduce((n, x) => n + x, 0);
  return { total, busy: total - (fields[3] ?? 0) - (fields[4] ?? 0) };
}
