// The server's own view of a round's latency, from its Prometheus histogram (sgplane_request_duration_seconds):
// scraped before and after a round, the difference of the cumulative buckets is that round's distribution.
// It counts from the request's headers to its reply being written, so it leaves out what the client's figure
// adds: the kernel, the wait for the event loop to read the socket, and the load generator itself.

const METRIC = "sgplane_request_duration_seconds_bucket";

/** Cumulative bucket counts by upper bound in seconds (+Inf included), summed over every label set. */
export type Buckets = ReadonlyMap<number, number>;

export function parseBuckets(metricsText: string): Buckets {
  const buckets = new Map<number, number>();
  for (const line of metricsText.split("\n")) {
    if (!line.startsWith(METRIC)) continue;
    const m = /[{,]le="([^"]+)"[,}].*\s(\S+)$/.exec(line);
    if (m === null) throw new Error(`unreadable histogram line: ${line}`);
    const le = m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1]);
    const count = Number(m[2]);
    if (Number.isNaN(le) || Number.isNaN(count)) throw new Error(`unreadable histogram line: ${line}`);
    buckets.set(le, (buckets.get(le) ?? 0) + count);
  }
  return buckets;
}

/** What was observed between two scrapes of one server (the sums of several servers' deltas are also Buckets). */
export function subtract(after: Buckets, before: Buckets): Buckets {
  return new Map([...after].map(([le, n]) => [le, n - (before.get(le) ?? 0)]));
}

export function add(a: Buckets, b: Buckets): Buckets {
  const sum = new Map(a);
  for (const [le, n] of b) sum.set(le, (sum.get(le) ?? 0) + n);
  return sum;
}

/**
 * The q-quantile in milliseconds, interpolated linearly inside its bucket as Prometheus' histogram_quantile does
 * (so it is exact only at bucket bounds); undefined when nothing was observed. A quantile in the +Inf bucket is
 * reported as the largest finite bound.
 */
export function quantileMs(buckets: Buckets, q: number): number | undefined {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = buckets.get(le) ?? 0;
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lower * 1000;
      const inBucket = count - below;
      const share = inBucket === 0 ? 1 : (rank - below) / inBucket;
      return (lower + (le - lower) * share) * 1000;
    }
    lower = le;
    below = count;
  }
  return undefined;
}
