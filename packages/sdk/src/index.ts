// Public surface of @sgplane/sdk.
export {
  type CallOptions,
  type CallResult,
  Client,
  type ClientOptions,
  DEFAULT_TIMEOUT_MS,
  type Encoding,
  type Envelope,
  type FetchedResponse,
  type FetchLike,
  type RawResponse,
} from "./client.ts";
export {
  FeedCursorExpiredError,
  RETRYABLE_RETCODES,
  RETRYABLE_STATUSES,
  RetCodeError,
  SgplaneError,
  TransportError,
  type TransportErrorKind,
} from "./errors.ts";
export { type SseMessage, SseParser } from "./event-stream.ts";
export {
  DEFAULT_FOLLOW_WAIT_SECONDS,
  type FeedEvent,
  FeedFollower,
  type FollowOptions,
  STREAM_IDLE_MS,
} from "./follow.ts";
export { backoffDelay, DEFAULT_RETRY, isRetrySafe, type RetryOptions, type RetryPolicy, sleep } from "./retry.ts";
export {
  type ActionMethods,
  type ActionResult,
  createClient,
  type MethodName,
  methodName,
  type ResponseMetadata,
  SgplaneClient,
} from "./typed-client.ts";
