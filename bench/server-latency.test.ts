import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { add, formatRange, parseBuckets, quantileBucket, subtract } from "./server-latency.ts";

const scrape = (counts: Record<string, [number, number]>) =>
  [
    "# HELP sgplane_request_duration_seconds API request latency.",
    "# TYPE sgplane_request_duration_seconds histogram",
    ...Object.entries(counts).flatMap(([le, [a, b]]) => [
      `sgplane_request_duration_seconds_bucket{le="${le}",action="AssociateSecGroup"} ${a}`,
      `sgplane_request_duration_seconds_bucket{le="${le}",action="DescribeSecGroup"} ${b}`,
    ]),
    'sgplane_request_duration_seconds_sum{action="AssociateSecGroup"} 1.5',
    'sgplane_request_duration_seconds_count{action="AssociateSecGroup"} 100',
    "sgplane_requests_total 5",
  ].join("\n");

describe("server-side latency from the Prometheus histogram", () => {
  it("sums the buckets of every action and reads +Inf", () => {
    const b = parseBuckets(scrape({ "0.005": [10, 5], "0.01": [20, 8], "+Inf": [30, 10] }));
    assert.deepEqual(
      [...b],
      [
        [0.005, 15],
        [0.01, 28],
        [Number.POSITIVE_INFINITY, 40],
      ],
    );
  });

  it("a round's distribution is the difference of two scrapes; several servers add up", () => {
    const before = parseBuckets(scrape({ "0.005": [10, 0], "0.01": [10, 0], "+Inf": [10, 0] }));
    const after = parseBuckets(scrape({ "0.005": [60, 0], "0.01": [100, 0], "+Inf": [110, 0] }));
    const round = subtract(after, before);
    assert.deepEqual([...round.values()], [50, 90, 100]);
    assert.deepEqual([...add(round, round).values()], [100, 180, 200]);
  });

  it("names the bucket holding the quantile, bounds inclusive above", () => {
    // 100 requests: 50 within 5 ms, 40 more within 10 ms, 10 within 25 ms.
    const b = new Map([
      [0.005, 50],
      [0.01, 90],
      [0.025, 100],
      [Number.POSITIVE_INFINITY, 100],
    ]);
    assert.deepEqual(quantileBucket(b, 0.5), { lower: 0, upper: 5 });
    assert.deepEqual(quantileBucket(b, 0.51), { lower: 5, upper: 10 });
    assert.deepEqual(quantileBucket(b, 0.9), { lower: 5, upper: 10 });
    assert.deepEqual(quantileBucket(b, 0.99), { lower: 10, upper: 25 });
    assert.equal(formatRange({ lower: 10, upper: 25 }), "10–25");
    assert.equal(formatRange({ lower: 0.5, upper: 1 }), "0.5–1");
  });

  it("says 'beyond the largest bound' for a quantile in +Inf, and nothing for an empty round", () => {
    const slow = new Map([
      [0.001, 0],
      [1, 10],
      [Number.POSITIVE_INFINITY, 1000],
    ]);
    const range = quantileBucket(slow, 0.99);
    assert.deepEqual(range, { lower: 1000, upper: Number.POSITIVE_INFINITY });
    assert.equal(range && formatRange(range), "> 1000");
    assert.equal(quantileBucket(new Map([[Number.POSITIVE_INFINITY, 0]]), 0.99), undefined);
  });

  it("refuses a histogram line it cannot read instead of guessing", () => {
    assert.throws(() => parseBuckets('sgplane_request_duration_seconds_bucket{le="x"} 3'), /unreadable/);
  });
});
