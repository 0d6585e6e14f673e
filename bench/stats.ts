// Order statistics shared by the bench's loader and its report.

/** The middle item by `key` (the higher of two middles). */
export const middle = <T>(xs: readonly T[], key: (x: T) => number): T | undefined =>
  [...xs].sort((a, b) => key(a) - key(b))[Math.floor(xs.length / 2)];

/** The middle number (the higher of two middles), 0 for none. */
export const median = (xs: readonly number[]): number => middle(xs, (x) => x) ?? 0;

/** The q-quantile (nearest rank) of numbers sorted ascending, 0 for none. */
export const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);
