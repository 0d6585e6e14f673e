// Public surface of @sgplane/sdk.
export {
  type CallOptions,
  type CallResult,
  Client,
  type ClientOptions,
  DEFAULT_TIMEOUT_MS,
  type Encoding,
  type Envelope,
  type RawResponse,
} from "./client.ts";
export {
  RETRYABLE_RETCODES,
  RETRYABLE_STATUSES,
  RetCodeError,
  SgplaneError,
  TransportError,
  type TransportErrorKind,
} from "./errors.ts";
export { backoffDelay, DEFAULT_RETRY, isRetrySafe, type RetryOptions, type RetryPolicy } from "./retry.ts";
export {
  type ActionMethods,
  type ActionResult,
  createClient,
  type MethodName,
  methodName,
  type ResponseMetadata,
  SgplaneClient,
} from "./typed-client.ts";
