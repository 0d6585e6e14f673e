// Test helper: assert that code raises a given catalogue error (sync or async), optionally checking its Message.
import assert from "node:assert/strict";
import { ApiError, type ErrorName } from "@sgplane/catalogue";

function check(error: unknown, name: ErrorName, messageParts: readonly string[]): true {
  assert.ok(error instanceof ApiError, `expected ApiError ${name}, got ${String(error)}`);
  assert.equal(error.errorName, name, `expected ${name}, got ${error.errorName}: ${error.message}`);
  for (const part of messageParts) assert.ok(error.message.includes(part), `"${error.message}" lacks "${part}"`);
  return true;
}

export function assertApiError(fn: () => unknown, name: ErrorName, ...messageParts: string[]): void {
  assert.throws(fn, (error: unknown) => check(error, name, messageParts));
}

export async function rejectsApiError(
  promise: Promise<unknown>,
  name: ErrorName,
  ...messageParts: string[]
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => check(error, name, messageParts));
}
