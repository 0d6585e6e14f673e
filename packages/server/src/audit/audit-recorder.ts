// Writes the audit records of calls that change nothing (refused calls, reads) in batches, off the request path. A
// change's own record is not queued here: it commits with the change (pipeline.ts).
import type { AuditEntry, Store } from "../store/port.ts";

/** A batch is written this long after its first record at the latest (the default of `flushMs`). */
export const AUDIT_FLUSH_MS = 100;
/** ...or as soon as it holds this many (the default of `batchSize`). */
export const AUDIT_BATCH_SIZE = 500;

export interface AuditRecorderOptions {
  /** A batch is written this long after its first record at the latest (default 100 ms). */
  readonly flushMs?: number;
  /** ...or as soon as it holds this many (default 500). */
  readonly batchSize?: number;
  /** Records kept while the database does not take them; beyond this the oldest are dropped (and counted). */
  readonly maxQueued?: number;
  readonly onError?: (error: unknown, dropped: number) => void;
}

export class AuditRecorder {
  readonly #store: Store;
  readonly #flushMs: number;
  readonly #batchSize: number;
  readonly #maxQueued: number;
  readonly #onError: (error: unknown, dropped: number) => void;
  #queue: AuditEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #dropped = 0;
  #lastFailed = false;

  constructor(store: Store, options: AuditRecorderOptions = {}) {
    this.#store = store;
    this.#flushMs = options.flushMs ?? AUDIT_FLUSH_MS;
    this.#batchSize = options.batchSize ?? AUDIT_BATCH_SIZE;
    this.#maxQueued = options.maxQueued ?? 100_000;
    this.#onError = options.onError ?? (() => {});
  }

  /** Records dropped because the database kept refusing them. */
  get dropped(): number {
    return this.#dropped;
  }

  record(entry: AuditEntry): void {
    this.#queue.push(entry);
    if (this.#queue.length > this.#maxQueued) {
      const over = this.#queue.length - this.#maxQueued;
      this.#queue.splice(0, over);
      this.#dropped += over;
    }
    if (this.#queue.length >= this.#batchSize) this.#write();
    else this.#timer ??= setTimeout(() => this.#write(), this.#flushMs);
  }

  /** Writes everything queued so far (and waits for a write under way). */
  async flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#writing !== undefined) {
      if (this.#writing === undefined) this.#write();
      await this.#writing;
      if (this.#queue.length > 0 && this.#lastFailed) return;
    }
  }

  #write(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#writing !== undefined || this.#queue.length === 0) return;
    const batch = this.#queue.splice(0, this.#batchSize);
    this.#writing = (async () => {
      try {
        await this.#store.write((tx) => tx.appendAudit(batch), { requestId: "", action: "", internal: true });
        this.#lastFailed = false;
      } catch (error) {
        // Kept for the next try, ahead of what came since.
        this.#queue.unshift(...batch);
        this.#lastFailed = true;
        this.#onError(error, this.#dropped);
      } finally {
        this.#writing = undefined;
        if (this.#queue.length >= this.#batchSize && !this.#lastFailed) this.#write();
        else if (this.#queue.length > 0) this.#timer ??= setTimeout(() => this.#write(), this.#flushMs);
      }
    })();
  }
}
