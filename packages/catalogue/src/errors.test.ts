import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "./errors.ts";

test("an ApiError renders its catalogue message and RetCode", () => {
  const error = new ApiError("SecGroupNotFound", { ids: "secgroup-x" });
  assert.ok(error instanceof Error);
  assert.equal(error.errorName, "SecGroupNotFound");
  assert.equal(error.retCode, 8039);
  assert.match(error.message, /secgroup-x/);
});

test("an ApiError captures no stack frames and leaves Error.stackTraceLimit as it was", () => {
  const before = Error.stackTraceLimit;
  const error = new ApiError("MissingAction", {});
  assert.equal(Error.stackTraceLimit, before);
  assert.doesNotMatch(error.stack ?? "", /\n\s+at /);
  // Other errors keep their stacks.
  assert.match(new Error("x").stack ?? "", /\n\s+at /);
});
