// Typed failures of a call: the server answered RetCode ≠ 0, or no usable answer arrived.
import { errorCatalogue } from "@sgplane/catalogue";

/** RetCodes the catalogue marks transient (150 service unavailable, 153 throttled); every other code is deterministic. */
export const RETRYABLE_RETCODES: ReadonlySet<number> = new Set(
  Object.values(errorCatalogue)
    .filter((e) => e.retryable)
    .map((e) => e.retCode),
);

/** HTTP statuses a gateway uses for "try again" (the Go SDK's list); 500 is not one of them. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Common shape of every SDK failure, so callers can log the action, request id and attempts uniformly. */
export abstract class SgplaneError extends Error {
  /** How many attempts were made before giving up (set by the retry loop). */
  attempts = 1;
  abstract readonly retryable: boolean;
  constructor(
    readonly action: string,
    message: string,
    readonly requestId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The API answered with a non-zero RetCode. */
export class RetCodeError extends SgplaneError {
  readonly retryable: boolean;
  constructor(
    action: string,
    readonly retCode: number,
    readonly apiMessage: string,
    requestId: string | undefined,
  ) {
    super(action, `${action}: RetCode ${retCode}: ${apiMessage}`, requestId);
    this.name = "RetCodeError";
    this.retryable = RETRYABLE_RETCODES.has(retCode);
  }

  /** Wire-cased aliases, for code ported from the official SDKs. */
  get RetCode(): number {
    return this.retCode;
  }
  get Message(): string {
    return this.apiMessage;
  }
}

/** network: no answer; timeout: no answer in time; aborted: the caller cancelled; http: status ≥ 400; response: not an envelope. */
export type TransportErrorKind = "network" | "timeout" | "aborted" | "http" | "response";

export interface TransportErrorOptions {
  readonly cause?: unknown;
  readonly kind?: TransportErrorKind;
  readonly requestId?: string | undefined;
  /** From a Retry-After header, honoured by the retry loop. */
  readonly retryAfterMs?: number | undefined;
}

/** Network failure, timeout, HTTP status ≥ 400 or a body that is not an envelope. */
export class TransportError extends SgplaneError {
  readonly kind: TransportErrorKind;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(
    action: string,
    message: string,
    readonly status?: number,
    options: TransportErrorOptions = {},
  ) {
    super(action, `${action}: ${message}`, options.requestId, { cause: options.cause });
    this.name = "TransportError";
    this.kind = options.kind ?? (status === undefined ? "network" : "http");
    this.retryAfterMs = options.retryAfterMs;
    this.retryable =
      this.kind === "network" ||
      this.kind === "timeout" ||
      (this.kind === "http" && status !== undefined && RETRYABLE_STATUSES.has(status));
  }
}

/**
 * RetCode 58301 while following the feed: the cursor is older than the server's retention, so the events after it
 * are gone. Nothing can resume from it: take a new DescribeFeedSnapshot and follow from the snapshot's Cursor.
 */
export class FeedCursorExpiredError extends RetCodeError {
  constructor(
    cause: RetCodeError,
    /** The cursor the server refused. */
    readonly cursor: string,
  ) {
    super(cause.action, cause.retCode, cause.apiMessage, cause.requestId);
    this.name = "FeedCursorExpiredError";
    // sgplane's message already says so; a gateway's might not.
    if (!this.message.includes("DescribeFeedSnapshot")) {
      this.message += ": take a new snapshot (DescribeFeedSnapshot) and follow from its Cursor";
    }
    this.attempts = cause.attempts;
  }
}
