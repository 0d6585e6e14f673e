// Bounded, jittered re-runs of a whole write transaction that lost to a concurrent one; then RetCode 150.
import { ApiError } from "@sgplane/catalogue";
import { isStoreError } from "../errors.ts";

export interface RetryPolicy {
  /** Runs in all, the first included. */
  readonly attempts: number;
  /** The wait before run n+1 is uniform in [0, min(capMs, baseMs · 2^(n-1))] ("full jitter"). */
  readonly baseMs: number;
  readonly capMs: number;
}

/**
 * Eight runs, at most ~0.6 s of waiting in all. A conflict needs two transactions locking the same rows in
 * opposite orders (which the handlers avoid) or a lock wait past lock_timeout, so a second run almost always wins;
 * the rest is headroom for pile-ups, bounded so a client gets an answer instead of a hung request.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseMs: 5, capMs: 160 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `run` until it resolves, throws something other than a StoreError "conflict", or has run
 * `policy.attempts` times; then throws ApiError TransactionConflict naming `scope()` (what the last run locked).
 */
export async function retryOnConflict<T>(
  run: (attempt: number) => Promise<T>,
  scope: () => string,
  policy: RetryPolicy = DEFAULT_RETRY,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (e) {
      if (!isStoreError(e, "conflict")) throw e;
      if (attempt >= policy.attempts) {
        const error = new ApiError("TransactionConflict", { scope: scope() });
        error.cause = e;
        throw error;
      }
      await wait(Math.random() * Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1)));
    }
  }
}
