// Engine-neutral store errors: what a handler or test can rely on, whichever database said no.

/**
 * `unique`, `foreign-key`, `check`, `not-null`: the database refused an illegal state.
 * `not-found`: an update named a row that does not exist (a bug upstream, not a tenant error).
 * `conflict`: the transaction lost to a concurrent one (PostgreSQL deadlock, serialization failure or lock
 * timeout); nothing it did was kept, and running it again from the start is safe. The store's `write` does so.
 */
export type StoreErrorKind = "unique" | "foreign-key" | "check" | "not-null" | "not-found" | "conflict";

export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isStoreError(e: unknown, kind?: StoreErrorKind): e is StoreError {
  return e instanceof StoreError && (kind === undefined || e.kind === kind);
}
