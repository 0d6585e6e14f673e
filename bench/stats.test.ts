import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { machineCpu, median, quantile, spread } from "./stats.ts";

describe("stats", () => {
  it("spread: nearest-rank p50 and p99, and the maximum, in any input order", () => {
    const xs = Array.from({ length: 200 }, (_, i) => 200 - i); // 200 … 1
    assert.deepEqual(spread(xs), { count: 200, p50: 100, p99: 198, max: 200 });
    assert.deepEqual(spread([5]), { count: 1, p50: 5, p99: 5, max: 5 });
    assert.deepEqual(spread([]), { count: 0, p50: 0, p99: 0, max: 0 });
  });

  it("quantile and median agree on odd and even lengths", () => {
    assert.equal(quantile([1, 2, 3], 0.5), 2);
    assert.equal(median([3, 1, 2, 4]), 3);
  });

  it("machineCpu: busy is everything but idle and iowait, over the first eight fields", () => {
    const stat = "cpu  100 5 50 800 20 3 2 10 7 0\ncpu0 50 2 25 400 10 1 1 5 3 0\nintr 1\n";
    assert.deepEqual(machineCpu(stat), { total: 990, busy: 170 });
    assert.throws(() => machineCpu("intr 1\n"), /no cpu line/);
  });
});
