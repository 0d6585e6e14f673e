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

/** Bounds in milliseconds of the bucket that holds a quantile; `upper` is Infinity beyond the largest finite bound. */
export interface BucketRange {
  readonly lower: number;
  readonly upper: number;
}

/**
 * The bucket holding the q-quantile, or undefined when nothing was observed. Reported as a range, not interpolated
 * inside it as Prometheus' histogram_quantile does: where most requests take about a bucket bound (PostgreSQL's
 * mutating loop, ~100 ms), the interpolation put the p99 at 245 ms while the client's own p99 was 143 ms.
 */
export function quantileBucket(buckets: Buckets, q: number): BucketRange | undefined {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
  if (total <= 0) return undefined;
  let lower = 0;
  for (const le of bounds) {
    if ((buckets.get(le) ?? 0) >= q * total) return { lower: lower * 1000, upper: le * 1000 };
    lower = le;
  }
  return undefined;
}

/** "10–15", or "> 1000" for the +Inf bucket. */
export function formatRange(range: BucketRange): string {
  const ms = (x: number) => String(Number(x.toPrecision(3)));
  return range.upper === Number.POSITIVE_INFINITY ? `> ${ms(range.lower)}` : `${ms(range.lower)}–${ms(range.upper)}`;
}
