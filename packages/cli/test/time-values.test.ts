// Time flags: every documented form, and a refusal naming the flag for anything else.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageError } from "../src/parse-values.ts";
import { parseTime } from "../src/time-values.ts";

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

describe("parseTime", () => {
  it("spans ago: 30m, -1h, '2d ago', 90s, 1w, 500ms; now", () => {
    assert.equal(parseTime("30m", "--start", NOW), NOW - 30 * 60_000);
    assert.equal(parseTime("-1h", "--start", NOW), NOW - 3_600_000);
    assert.equal(parseTime("2d ago", "--start", NOW), NOW - 2 * 86_400_000);
    assert.equal(parseTime("90s", "--start", NOW), NOW - 90_000);
    assert.equal(parseTime("1w", "--start", NOW), NOW - 7 * 86_400_000);
    assert.equal(parseTime("500ms", "--start", NOW), NOW - 500);
    assert.equal(parseTime("now", "--end", NOW), NOW);
  });

  it("ISO-8601 dates and times (UTC without a zone), offsets, Unix milliseconds", () => {
    assert.equal(parseTime("2024-05-01", "--start", NOW), Date.UTC(2024, 4, 1));
    assert.equal(parseTime("2024-05-01T10:30", "--start", NOW), Date.UTC(2024, 4, 1, 10, 30));
    assert.equal(parseTime("2024-05-01 10:30:15.250Z", "--start", NOW), Date.UTC(2024, 4, 1, 10, 30, 15, 250));
    assert.equal(parseTime("2024-05-01T10:30:00+08:00", "--start", NOW), Date.UTC(2024, 4, 1, 2, 30));
    assert.equal(parseTime("1714564800000", "--start", NOW), 1714564800000);
  });

  it("refuses anything else, naming the flag", () => {
    for (const text of ["yesterday", "1y", "2024-13-01", "2024-05-01T25:00", "", "-", "12"]) {
      assert.throws(
        () => parseTime(text, "--start", NOW),
        (e: unknown) => e instanceof UsageError && e.message.startsWith("--start: expected a time"),
        text,
      );
    }
  });
});
