// Retention: events and audit records older than their windows are removed, in small internal writes, regularly.
import type { Store } from "../store/port.ts";

export interface RetentionOptions {
  readonly feedMs: number;
  readonly auditMs: number;
  /** ClientToken answers older than this are removed (--client-token-ttl). */
  readonly clientTokenMs?: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown) => void;
}

/** Starts the periodic pruning (at a quarter of the shorter window, between 250 ms and a minute); returns stop(). */
export function startRetention(store: Store, options: RetentionOptions): () => Promise<void> {
  const now = options.now ?? Date.now;
  const every = Math.max(250, Math.min(60_000, Math.floor(Math.min(options.feedMs, options.auditMs) / 4)));
  let running: Promise<void> | undefined;
  const run = () => {
    if (running !== undefined) return;
    running = store
      .write(
        async (tx) => {
          await tx.pruneFeed(now() - options.feedMs);
          await tx.pruneAudit(now() - options.auditMs);
          if (options.clientTokenMs !== undefined) await tx.pruneClientTokens(now() - options.clientTokenMs);
        },
        { requestId: "", action: "", internal: true },
      )
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(run, every);
  timer.unref();
  run();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
