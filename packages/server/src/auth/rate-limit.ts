// Per-PublicKey request rate limit: a token bucket per key, in memory, per server process (RetCode 153 when empty).

export interface RateLimiter {
  /** Takes one token for this key; false when its bucket is empty (the request is to be refused). */
  take(publicKey: string): boolean;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * `ratePerSecond` tokens flow into each key's bucket, which holds at most `burst`. Only authenticated keys get a
 * bucket (the pipeline asks after the signature check), so the map is bounded by the keys that exist; idle, full
 * buckets are dropped now and then all the same.
 */
export class TokenBuckets implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private nextSweep: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sweepEveryMs = 60_000,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError("rate must be > 0 and burst >= 1");
    this.nextSweep = now() + sweepEveryMs;
  }

  take(publicKey: string): boolean {
    const now = this.now();
    if (now >= this.nextSweep) this.sweep(now);
    let bucket = this.buckets.get(publicKey);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(publicKey, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** How many keys have a bucket (for tests). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    this.nextSweep = now + this.sweepEveryMs;
    const refill = this.burst / this.ratePerSecond;
    for (const [key, bucket] of this.buckets) {
      if ((now - bucket.at) / 1000 >= refill) this.buckets.delete(key);
    }
  }
}
