// Following the change feed: long-poll DescribeFeedEvents from a cursor the follower keeps, resuming by itself after
// transient failures, and ending (never skipping ahead) when the cursor has expired.
import { type ActionInput, type ActionOutput, errorCatalogue, type feedModels } from "@sgplane/catalogue";
import { type Client, DEFAULT_TIMEOUT_MS } from "./client.ts";
import { FeedCursorExpiredError, RetCodeError, SgplaneError, TransportError } from "./errors.ts";
import { backoffDelay, type RetryOptions, retryPolicy, sleep } from "./retry.ts";

export type FeedEvent = feedModels.FeedEvent;
type FeedInput = ActionInput<"DescribeFeedEvents">;
type FeedOutput = ActionOutput<"DescribeFeedEvents">;

/** Default long-poll wait: under the 30–60 s idle timeouts of common proxies and load balancers. */
export const DEFAULT_FOLLOW_WAIT_SECONDS = 20;

/**
 * A stream quiet for this long is taken for dead and reopened: the server writes a keepalive comment after 15 s
 * without events (checked every 7.5 s), so a live stream is never quiet for more than ~23 s.
 */
export const STREAM_IDLE_MS = 45_000;

export interface FollowOptions {
  /** Resume after this cursor (an event's Cursor, a snapshot's Cursor); absent: from now. */
  readonly after?: string;
  /** Only events of these types (the cursor still moves past the others). */
  readonly types?: FeedInput["Types"];
  /** Operator key: only this company's events. */
  readonly companyId?: number;
  /**
   * poll (default): DescribeFeedEvents long polls, one request a page, through any gateway that passes the API.
   * stream: one Server-Sent Events stream (GET /feed, sgplane only): no request per page, the cheaper way for a
   * follower that must react to every change (the agent). Both resume by themselves from the cursor.
   */
  readonly transport?: "poll" | "stream";
  /** Long-poll wait per request, 1–60 s (default 20). */
  readonly waitSeconds?: number;
  /** Most events per request (default: the server's, 100; poll only). */
  readonly limit?: number;
  /** Aborting ends the iteration (normally, as a `break` does), cancelling the request in flight. */
  readonly signal?: AbortSignal;
  /** Backoff between resumptions: baseDelayMs, maxDelayMs, random (default: the client's retry options). */
  readonly retry?: Omit<RetryOptions, "maxAttempts" | "retryUnsafeActions">;
  /** Give up after this many failures in a row (default: never; a follower outlives outages). */
  readonly maxConsecutiveFailures?: number;
  /** Called before each backoff wait after a retryable failure (to log "reconnecting"). */
  readonly onRetry?: (error: SgplaneError, failures: number, delayMs: number) => void;
}

/**
 * An async iterable of feed events, one request at a time. `cursor` is where a new follower would resume to see
 * exactly what this one has not yielded yet: the last yielded event's Cursor, or past a whole page of filtered-out
 * events once they are all yielded.
 */
export class FeedFollower implements AsyncIterable<FeedEvent> {
  #cursor: string | undefined;
  #head: number | undefined;
  #started = false;
  readonly #waitSeconds: number;

  constructor(
    readonly client: Client,
    readonly options: FollowOptions = {},
  ) {
    const wait = options.waitSeconds ?? DEFAULT_FOLLOW_WAIT_SECONDS;
    if (!(Number.isInteger(wait) && wait >= 1 && wait <= 60)) {
      throw new RangeError(`waitSeconds must be an integer from 1 to 60, got ${wait}`);
    }
    const max = options.maxConsecutiveFailures;
    if (max !== undefined && !(max === Number.POSITIVE_INFINITY || (Number.isInteger(max) && max >= 1))) {
      throw new RangeError(`maxConsecutiveFailures must be an integer ≥ 1, got ${max}`);
    }
    this.#cursor = options.after;
    this.#waitSeconds = wait;
  }

  /** The feed's latest position at the last answer (how far behind the follower is); undefined before one. */
  get head(): number | undefined {
    return this.#head;
  }

  /** Undefined only before the first answer of a follower started without `after`. */
  get cursor(): string | undefined {
    return this.#cursor;
  }

  [Symbol.asyncIterator](): AsyncIterator<FeedEvent, undefined> {
    if (this.#started) throw new Error("a FeedFollower is iterated once; make a new one from its cursor");
    this.#started = true;
    // Our own controller, so that return() (a break, or a call while a long poll is in flight) cancels the request
    // instead of waiting out its WaitSeconds: an async generator's return() would queue behind the pending next().
    const stop = new AbortController();
    const signal = this.options.signal ? AbortSignal.any([stop.signal, this.options.signal]) : stop.signal;
    const events = this.options.transport === "stream" ? this.#streamed(signal) : this.#events(signal);
    return {
      next: () => events.next(),
      return: async () => {
        stop.abort();
        return events.return(undefined);
      },
    };
  }

  async *#events(signal: AbortSignal): AsyncGenerator<FeedEvent, undefined> {
    // From now: pin the cursor with an immediate answer first, so a failure during the first long poll cannot
    // move "now" forward on the retry and skip what happened in between.
    let wait = this.#cursor === undefined ? 0 : this.#waitSeconds;
    let last = -1;
    while (!signal.aborted) {
      const asked = Date.now();
      const page = await this.#poll(wait, signal);
      if (page === undefined) return undefined;
      this.#head = page.Head;
      if (page.Events.length === 0 && wait > 0 && Date.now() - asked < (wait * 1000) / 2) {
        // Nothing, and well before the wait was over (a stopping server answers so): pause instead of asking again
        // at once, so a follower cannot hammer a server that keeps answering early.
        await sleep(backoffDelay(1, this.#policy()), signal);
      }
      wait = this.#waitSeconds;
      for (const event of page.Events) {
        // Positions only increase along one feed; an event at or below the last one is a repeat, never yielded.
        if (event.Position <= last) continue;
        last = event.Position;
        this.#cursor = event.Cursor;
        yield event;
        if (signal.aborted) return undefined;
      }
      this.#cursor = page.Cursor;
    }
    return undefined;
  }

  /** The stream's events, reopened from the cursor whenever it ends or fails (with backoff on failures). */
  async *#streamed(signal: AbortSignal): AsyncGenerator<FeedEvent, undefined> {
    const o = this.options;
    let last = -1;
    let failures = 0;
    while (!signal.aborted) {
      const attempt = new AbortController();
      let idle: ReturnType<typeof setTimeout> | undefined;
      const awake = () => {
        clearTimeout(idle);
        idle = setTimeout(() => attempt.abort(new Error(`no data for ${STREAM_IDLE_MS} ms`)), STREAM_IDLE_MS);
      };
      const asked = this.#cursor;
      try {
        const input: FeedInput = {
          ...(asked !== undefined && { After: asked }),
          ...(o.types !== undefined && { Types: o.types }),
          ...(o.companyId !== undefined && { CompanyId: o.companyId }),
        };
        const stream = await this.client.openStream("DescribeFeedEvents", input, {
          signal: AbortSignal.any([signal, attempt.signal]),
        });
        awake();
        for await (const message of stream.messages) {
          awake();
          if (message.event === "ready") {
            const ready = JSON.parse(message.data) as { Cursor: string; Head: number };
            this.#head = ready.Head;
            // From now: the stream's start pins "now", so a reopened stream resumes there, skipping nothing.
            this.#cursor ??= ready.Cursor;
            failures = 0;
            continue;
          }
          if (message.event === "progress") {
            // Past events the types filter left out: resume after them.
            const progress = JSON.parse(message.data) as { Cursor: string; Position: number };
            if (progress.Position > last) {
              last = progress.Position;
              this.#cursor = progress.Cursor;
            }
            continue;
          }
          if (message.event === "error") throw envelopeError(message.data, stream.requestId);
          const event = JSON.parse(message.data) as FeedEvent;
          if (event.Position > (this.#head ?? 0)) this.#head = event.Position;
          if (event.Position <= last) continue;
          last = event.Position;
          this.#cursor = event.Cursor;
          yield event;
          if (signal.aborted) return undefined;
        }
        throw new TransportError("DescribeFeedEvents", "the event stream ended", undefined, { kind: "network" });
      } catch (error) {
        if (signal.aborted) return undefined;
        const failure =
          error instanceof SgplaneError
            ? error
            : attempt.signal.aborted
              ? new TransportError("DescribeFeedEvents", (attempt.signal.reason as Error).message, undefined, {
                  kind: "timeout",
                })
              : new TransportError("DescribeFeedEvents", `stream failed: ${(error as Error).message}`, undefined, {
                  cause: error,
                });
        await this.#afterFailure(failure, ++failures, asked, signal);
      } finally {
        clearTimeout(idle);
        attempt.abort();
      }
    }
    return undefined;
  }

  #policy() {
    return retryPolicy(this.client.options.retry, this.options.retry);
  }

  /**
   * After the `failures`-th failure in a row of a request from `cursor`: throws what must not be retried (an expired
   * cursor as FeedCursorExpiredError, a refusal, the last allowed failure), else waits out the backoff.
   */
  async #afterFailure(
    error: unknown,
    failures: number,
    cursor: string | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    if (error instanceof RetCodeError && error.retCode === errorCatalogue.FeedCursorExpired.retCode) {
      throw new FeedCursorExpiredError(error, cursor ?? "");
    }
    if (!(error instanceof SgplaneError) || !error.retryable) throw error;
    error.attempts = failures;
    if (failures >= (this.options.maxConsecutiveFailures ?? Number.POSITIVE_INFINITY)) throw error;
    const delay = backoffDelay(
      failures,
      this.#policy(),
      error instanceof TransportError ? error.retryAfterMs : undefined,
    );
    this.options.onRetry?.(error, failures, delay);
    await sleep(delay, signal);
  }

  /** One page, retried with backoff on retryable failures; undefined once aborted. */
  async #poll(waitSeconds: number, signal: AbortSignal): Promise<FeedOutput | undefined> {
    const o = this.options;
    const input: FeedInput = {
      WaitSeconds: waitSeconds,
      ...(this.#cursor !== undefined && { After: this.#cursor }),
      ...(o.types !== undefined && { Types: o.types }),
      ...(o.companyId !== undefined && { CompanyId: o.companyId }),
      ...(o.limit !== undefined && { Limit: o.limit }),
    };
    // The per-attempt timeout is on top of the wait: a long poll that waits its full WaitSeconds is not a timeout.
    const timeoutMs = waitSeconds * 1000 + (this.client.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    for (let failures = 0; ; ) {
      try {
        const { envelope } = await this.client.execute("DescribeFeedEvents", input, {
          signal,
          timeoutMs,
          retry: { maxAttempts: 1 },
        });
        return envelope as unknown as FeedOutput;
      } catch (error) {
        if (signal.aborted) return undefined;
        await this.#afterFailure(error, ++failures, input.After, signal);
        if (signal.aborted) return undefined;
      }
    }
  }
}

/** The envelope of a stream's `error` event as the error a call would have raised. */
function envelopeError(data: string, requestId: string | undefined): SgplaneError {
  let envelope: { RetCode?: unknown; Message?: unknown };
  try {
    envelope = JSON.parse(data) as typeof envelope;
  } catch (cause) {
    return new TransportError("DescribeFeedEvents", "an error event that is not JSON", undefined, {
      cause,
      kind: "response",
      requestId,
    });
  }
  const retCode = typeof envelope.RetCode === "number" ? envelope.RetCode : 150;
  return new RetCodeError("DescribeFeedEvents", retCode, String(envelope.Message ?? ""), requestId);
}
