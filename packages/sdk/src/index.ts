// Public surface of @sgplane/sdk.
export { Client, type ClientOptions, type Encoding, type Envelope, type RawResponse } from "./client.ts";
export { RetCodeError, TransportError } from "./errors.ts";
