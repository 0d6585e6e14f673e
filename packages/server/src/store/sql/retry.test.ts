// Re-running a write that lost a race: bounded, jittered, only for conflicts, then TransactionConflict (RetCode 150).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "@sgplane/catalogue";
import { StoreError } from "../errors.ts";
import { retryOnConflict } from "./retry.ts";

const policy = { attempts: 4, baseMs: 10, capMs: 25 };

describe("retryOnConflict", () => {
  it("runs again after a conflict and returns the run that won", async () => {
    const waits: number[] = [];
    let runs = 0;
    const result = await retryOnConflict(
      async (attempt) => {
        runs++;
        if (attempt < 3) throw new StoreError("conflict", "deadlock detected");
        return "committed";
      },
      () => "uhost-1",
      policy,
      async (ms) => {
        waits.push(ms);
      },
    );
    assert.equal(result, "committed");
    assert.equal(runs, 3);
    // Full jitter under a doubling ceiling: [0, 10] then [0, 20].
    assert.equal(waits.length, 2);
    assert.ok(waits.every((ms, i) => ms >= 0 && ms <= Math.min(25, 10 * 2 ** i)));
  });

  it("gives up after the last attempt with TransactionConflict naming what was locked", async () => {
    let runs = 0;
    await assert.rejects(
      retryOnConflict(
        async () => {
          runs++;
          throw new StoreError("conflict", "deadlock detected");
        },
        () => "secgroup-a,uhost-1",
        policy,
        async () => {},
      ),
      (e: unknown) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.errorName, "TransactionConflict");
        assert.equal(e.retCode, 150);
        assert.match(e.message, /secgroup-a,uhost-1/);
        return true;
      },
    );
    assert.equal(runs, policy.attempts);
  });

  it("never re-runs anything else: domain errors, constraint failures, plain errors", async () => {
    for (const error of [
      new ApiError("SecGroupNotFound", { ids: "secgroup-x" }),
      new StoreError("unique", "duplicate key"),
      new Error("boom"),
    ]) {
      let runs = 0;
      await assert.rejects(
        retryOnConflict(
          async () => {
            runs++;
            throw error;
          },
          () => "",
          policy,
          async () => {},
        ),
        (e) => e === error,
      );
      assert.equal(runs, 1);
    }
  });
});
