// The retry policy: only transient failures, only for actions a retry cannot duplicate, with capped backoff and jitter.
import { findAction } from "@sgplane/catalogue";
import { SgplaneError, TransportError } from "./errors.ts";

export interface RetryOptions {
  /** Total tries including the first; 1 turns retrying off. Default 3. */
  readonly maxAttempts?: number;
  /** Backoff before the first retry (doubled each time, then jittered). Default 100 ms. */
  readonly baseDelayMs?: number;
  /** Cap on one backoff, also on a server's Retry-After. Default 2000 ms. */
  readonly maxDelayMs?: number;
  /**
   * Also retry actions the catalogue marks retrySafe=false (creates) sent without a ClientToken. Off by default:
   * when an answer is lost, the first try may have created the group or rule, and a retry would create a second
   * one. (A create with a ClientToken, which this SDK adds by default, is retried: see ClientOptions.clientTokens.)
   */
  readonly retryUnsafeActions?: boolean;
  /** Source of jitter in [0, 1); injectable so tests can pin it. */
  readonly random?: () => number;
}

export type RetryPolicy = Required<RetryOptions>;

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 2000,
  retryUnsafeActions: false,
  random: Math.random,
};

export function retryPolicy(...layers: readonly (RetryOptions | undefined)[]): RetryPolicy {
  const merged: RetryPolicy = Object.assign({}, DEFAULT_RETRY, ...layers.filter((l) => l !== undefined));
  if (!Number.isInteger(merged.maxAttempts) || merged.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be an integer ≥ 1, got ${merged.maxAttempts}`);
  }
  return merged;
}

/** Unknown actions (a generic call to something outside the catalogue) are treated like creates: not retried. */
export function isRetrySafe(action: string): boolean {
  return findAction(action)?.retrySafe ?? false;
}

/** "Equal jitter": half the exponential step is fixed, half random, so retries spread out but never collapse to 0. */
export function backoffDelay(retry: number, policy: RetryPolicy, retryAfterMs?: number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const jittered = step / 2 + policy.random() * (step / 2);
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, policy.maxDelayMs));
}

export async function withRetry<T>(
  action: string,
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  signal?: AbortSignal,
  /** The call is idempotent whatever the catalogue says of its action (a create with a ClientToken). */
  idempotent = false,
): Promise<T> {
  const mayRetry = idempotent || policy.retryUnsafeActions || isRetrySafe(action);
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof SgplaneError)) throw error;
      error.attempts = n;
      if (!mayRetry || !error.retryable || n >= policy.maxAttempts || signal?.aborted) throw error;
      const retryAfter = error instanceof TransportError ? error.retryAfterMs : undefined;
      await sleep(backoffDelay(n, policy, retryAfter), signal);
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects: the caller checks `signal.aborted`). */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    // An abort ends the wait early; the loop then sees signal.aborted and rethrows the last error.
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
