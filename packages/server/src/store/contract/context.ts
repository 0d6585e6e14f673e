// What each part of the contract suite receives, and its shared assertions.
import assert from "node:assert/strict";
import { isStoreError, type StoreErrorKind } from "../errors.ts";
import type { Store } from "../port.ts";
import type { EngineFactory, EngineHandle } from "./engines.ts";

export interface ContractContext {
  readonly engine: EngineFactory;
  /** The engine under test, opened fresh (and seeded with world.ts) for each test. */
  handle(): EngineHandle;
  store(): Store;
}

/** The database (not code) refused: the promise rejects with a StoreError of this kind. */
export async function rejectsWith(p: Promise<unknown>, kind: StoreErrorKind): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isStoreError(e, kind), `expected StoreError(${kind}), got ${String(e)}`);
    return true;
  });
}

export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
