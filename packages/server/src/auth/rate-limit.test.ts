// The per-key token bucket: burst, refill at the rate, keys independent, idle buckets dropped.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TokenBuckets } from "./rate-limit.ts";

describe("TokenBuckets", () => {
  it("allows a burst, then the rate; each key has its own bucket", () => {
    let now = 0;
    const buckets = new TokenBuckets(10, 3, () => now);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => buckets.take("a")),
      [true, true, true, false],
    );
    assert.equal(buckets.take("b"), true);
    now += 100; // one token back at 10/s
    assert.deepEqual([buckets.take("a"), buckets.take("a")], [true, false]);
    now += 10_000; // refills to the burst, not beyond
    assert.deepEqual(
      [1, 2, 3, 4].map(() => buckets.take("a")),
      [true, true, true, false],
    );
  });

  it("drops buckets that have been idle long enough to be full again", () => {
    let now = 0;
    const buckets = new TokenBuckets(1, 2, () => now, 1000);
    buckets.take("a");
    buckets.take("b");
    now = 1500;
    buckets.take("b");
    assert.equal(buckets.size, 2);
    now = 3000; // a: idle 3 s ≥ burst/rate = 2 s → dropped; b: idle 1.5 s → kept
    buckets.take("c");
    assert.equal(buckets.size, 2);
  });

  it("rejects a rate of zero", () => {
    assert.throws(() => new TokenBuckets(0, 1), RangeError);
  });
});
