// A signing client for the UCloud API: flatten, sign, POST, parse the envelope, raise typed errors, retry what is safe.
import { type Flat, findAction, flatten, type ParamValue, sign } from "@sgplane/catalogue";
import { RetCodeError, TransportError, type TransportErrorKind } from "./errors.ts";
import { type SseMessage, sseMessages } from "./event-stream.ts";
import { type RetryOptions, type RetryPolicy, retryPolicy, withRetry } from "./retry.ts";

/**
 * form: Go/Python style (x-www-form-urlencoded, flattened keys); json: JS style (flat JSON, native scalars);
 * json-nested: Go's JSON encoder (native arrays/objects, signed per §1.5.2).
 */
export type Encoding = "form" | "json" | "json-nested";

export const DEFAULT_TIMEOUT_MS = 30_000;

/** The part of an HTTP answer the client reads. */
export interface FetchedResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  /** The body as it arrives, for the feed's stream: a FetchLike of your own provides this... */
  stream?(): AsyncIterable<string>;
  /** ...or a web ReadableStream, as the global fetch's Response has. */
  readonly body?: ReadableStream<Uint8Array> | null;
}

/**
 * What the client needs of `fetch` (the global one by default). A long-running Node caller may bring a cheaper one:
 * the agent uses node:http, since undici's fetch costs ~1 ms of CPU a request more, which 100 agents on a host pay.
 */
export type FetchLike = (
  url: string,
  init: { method: "POST" | "GET"; headers: Record<string, string>; body?: string; signal: AbortSignal },
) => Promise<FetchedResponse>;

export interface ClientOptions {
  readonly baseUrl: string;
  readonly publicKey: string;
  readonly privateKey: string;
  readonly region?: string;
  readonly projectId?: string;
  /** Per-attempt timeout; finite by default (30 s) so a dead server cannot hang the caller. */
  readonly timeoutMs?: number;
  readonly encoding?: Encoding;
  /** Also put `?Action=` in the URL, as the Go SDK does. */
  readonly actionInQuery?: boolean;
  readonly retry?: RetryOptions;
  /**
   * Send a fresh ClientToken with every create that takes one (default true), so retrying a create whose answer
   * was lost cannot create twice: the server answers the retry with the first call's answer. A create with a
   * token is retried like any other call; without one (false) it is not retried unless retry.retryUnsafeActions.
   * Servers that do not know ClientToken (UCloud) ignore it.
   */
  readonly clientTokens?: boolean;
  /** The HTTP call (default: the global fetch). */
  readonly fetch?: FetchLike;
}

/** Per-call overrides. */
export interface CallOptions {
  readonly retry?: RetryOptions;
  readonly timeoutMs?: number;
  /** Cancels the call, including any backoff wait; a cancelled call is never retried. */
  readonly signal?: AbortSignal;
  /** This call's ClientToken (a create): a given token (kept across your own retries), or false for none. */
  readonly clientToken?: string | false;
}

export interface RawResponse {
  readonly status: number;
  readonly requestId: string | undefined;
  readonly body: Record<string, unknown>;
}

export type Envelope = { Action: string; RetCode: number; Message?: string } & Record<string, unknown>;

export interface CallResult {
  readonly envelope: Envelope;
  readonly requestId: string | undefined;
  readonly attempts: number;
}

export class Client {
  readonly retryPolicy: RetryPolicy;

  constructor(readonly options: ClientOptions) {
    checkTimeout(options.timeoutMs);
    this.retryPolicy = retryPolicy(options.retry);
  }

  /** The signed parameters for a call (exposed for tests and for debugging signatures). */
  signedParams(
    action: string,
    params: Record<string, unknown>,
    encoding: Encoding | undefined = this.options.encoding,
  ): Record<string, ParamValue> {
    const o = this.options;
    const common = {
      Action: action,
      PublicKey: o.publicKey,
      ...(o.region && { Region: o.region }),
      ...(o.projectId && { ProjectId: o.projectId }),
    };
    const all: Record<string, ParamValue> =
      encoding === "json-nested"
        ? ({ ...common, ...definedOnly(params) } as Record<string, ParamValue>)
        : { ...common, ...flatten(rawFieldsAsText(action, params)) };
    return { ...all, Signature: sign(all, o.privateKey) };
  }

  /** One attempt: sends the call and returns whatever envelope came back, without judging RetCode. */
  async send(
    action: string,
    params: Record<string, unknown> = {},
    options: Omit<CallOptions, "retry"> = {},
  ): Promise<RawResponse> {
    const o = this.options;
    const timeoutMs = options.timeoutMs ?? o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    checkTimeout(timeoutMs);
    const signed = this.signedParams(action, params);
    const json = o.encoding === "json" || o.encoding === "json-nested";
    const body = json ? JSON.stringify(signed) : new URLSearchParams(toText(signed as Flat)).toString();
    const url = o.actionInQuery ? `${o.baseUrl}?Action=${encodeURIComponent(action)}` : o.baseUrl;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let res: FetchedResponse;
    let text: string;
    try {
      res = await (o.fetch ?? fetch)(url, {
        method: "POST",
        headers: { "Content-Type": json ? "application/json" : "application/x-www-form-urlencoded" },
        body,
        signal,
      });
      text = await res.text();
    } catch (cause) {
      throw fetchFailed(action, "request", cause, options.signal?.aborted === true, timeout.aborted, timeoutMs);
    }
    const requestId = answeredRequestId(action, res);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new TransportError(action, "response is not JSON", res.status, { cause, kind: "response", requestId });
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
      throw new TransportError(action, "response is not an object", res.status, { kind: "response", requestId });
    return { status: res.status, requestId, body: parsed as Record<string, unknown> };
  }

  /**
   * Opens the feed's Server-Sent Events stream (GET /feed with the signed query of `action`, DescribeFeedEvents):
   * resolves once the server has answered with the stream's headers, `timeoutMs` at most; the messages then run
   * until the server or `signal` ends them. One attempt, no retry: FeedFollower resumes by itself.
   */
  async openStream(
    action: string,
    params: Record<string, unknown>,
    options: { readonly signal: AbortSignal; readonly timeoutMs?: number },
  ): Promise<{ readonly requestId: string | undefined; readonly messages: AsyncIterable<SseMessage> }> {
    const o = this.options;
    const timeoutMs = options.timeoutMs ?? o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    checkTimeout(timeoutMs);
    const query = new URLSearchParams(toText(this.signedParams(action, params, "form") as Flat)).toString();
    const url = `${new URL("feed", o.baseUrl).href}?${query}`;
    // The timeout is for the answer's headers only: an abort signal passed to fetch would also end the body.
    const opening = new AbortController();
    const signal = AbortSignal.any([opening.signal, options.signal]);
    const timer = setTimeout(() => opening.abort(), timeoutMs);
    let res: FetchedResponse;
    try {
      res = await (o.fetch ?? fetch)(url, { method: "GET", headers: { Accept: "text/event-stream" }, signal });
    } catch (cause) {
      throw fetchFailed(action, "stream", cause, options.signal.aborted, opening.signal.aborted, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
    const streams = (res.headers.get("content-type") ?? "").startsWith("text/event-stream");
    // An answer that is not the stream is read to its end, so its connection is freed.
    if (res.status >= 400 || !streams) res.text().catch(() => {});
    const requestId = answeredRequestId(action, res);
    if (!streams) {
      throw new TransportError(action, "the answer is not an event stream", res.status, {
        kind: "response",
        requestId,
      });
    }
    const chunks = res.stream?.() ?? (res.body ? decodedChunks(res.body) : undefined);
    if (chunks === undefined) {
      throw new TransportError(action, "this fetch cannot stream a body", res.status, { kind: "response", requestId });
    }
    return { requestId, messages: sseMessages(chunks) };
  }

  /** Calls the action with retries; a RetCode ≠ 0 becomes a RetCodeError. Returns the envelope and its metadata. */
  async execute(action: string, params: Record<string, unknown> = {}, options: CallOptions = {}): Promise<CallResult> {
    const policy = options.retry === undefined ? this.retryPolicy : retryPolicy(this.options.retry, options.retry);
    const token = this.#clientToken(action, params, options);
    const sent = token === undefined ? params : { ...params, ClientToken: token };
    let attempts = 0;
    return withRetry(
      action,
      policy,
      async () => {
        attempts++;
        const { body, requestId, status } = await this.send(action, sent, options);
        const retCode = retCodeOf(body.RetCode);
        if (retCode === undefined)
          throw new TransportError(action, "envelope without a numeric RetCode", status, {
            kind: "response",
            requestId,
          });
        if (retCode !== 0) throw new RetCodeError(action, retCode, String(body.Message ?? ""), requestId);
        return { envelope: { ...body, RetCode: 0 } as Envelope, requestId, attempts };
      },
      options.signal,
      // Every try carries the same token, so a retry cannot create a second time.
      token !== undefined || typeof params.ClientToken === "string",
    );
  }

  /** The token this call adds: none when it has one, for a dry run, or when the action takes none. */
  #clientToken(action: string, params: Record<string, unknown>, options: CallOptions): string | undefined {
    if (params.ClientToken !== undefined || params.DryRun === true || options.clientToken === false) return undefined;
    if (findAction(action)?.clientToken !== true) return undefined;
    if (typeof options.clientToken === "string") return options.clientToken;
    return this.options.clientTokens === false ? undefined : globalThis.crypto.randomUUID();
  }

  /** Calls the action; a RetCode ≠ 0 becomes a RetCodeError. Untyped: for actions outside the catalogue too. */
  async call<T extends object = Record<string, unknown>>(
    action: string,
    params: Record<string, unknown> = {},
    options: CallOptions = {},
  ): Promise<Envelope & T> {
    return (await this.execute(action, params, options)).envelope as Envelope & T;
  }
}

/** A fetch that threw: cancelled by the caller, out of time, or the network. */
function fetchFailed(
  action: string,
  what: "request" | "stream",
  cause: unknown,
  cancelled: boolean,
  timedOut: boolean,
  timeoutMs: number,
): TransportError {
  const kind: TransportErrorKind = cancelled ? "aborted" : timedOut ? "timeout" : "network";
  const detail = kind === "timeout" ? `no answer within ${timeoutMs} ms` : (cause as Error).message;
  return new TransportError(action, `${kind === "network" ? `${what} failed` : kind}: ${detail}`, undefined, {
    cause,
    kind,
  });
}

/** The answer's request id; an HTTP status of 400 or more is a TransportError (honouring Retry-After). */
function answeredRequestId(action: string, res: FetchedResponse): string | undefined {
  const requestId = res.headers.get("x-ucloud-request-uuid") ?? undefined;
  if (res.status >= 400) {
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
    throw new TransportError(action, `HTTP ${res.status}`, res.status, { requestId, retryAfterMs });
  }
  return requestId;
}

async function* decodedChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<string, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield decoder.decode(value, { stream: true });
    }
  } finally {
    // Ends the body's connection when the reader stops early (a break, an abort).
    reader.cancel().catch(() => {});
  }
  return undefined;
}

/** JSON.stringify drops undefined members, so the signature must not see them either. */
function definedOnly(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
}

/**
 * Fields the catalogue marks `wireRaw` (AdminImportState's State) travel as one JSON text, not as flattened keys,
 * so the server sees every key of the document (a flat encoding would lose the distinction).
 */
function rawFieldsAsText(action: string, params: Record<string, unknown>): Record<string, unknown> {
  const fields = findAction(action)?.input.properties ?? {};
  const out = { ...params };
  for (const [name, schema] of Object.entries(fields)) {
    const value = out[name];
    if (schema.wireRaw === true && value !== undefined && typeof value !== "string") out[name] = JSON.stringify(value);
  }
  return out;
}

/** UCloud gateways sometimes send RetCode as a numeric string; the Go and Python SDKs accept that, so do we. */
function retCodeOf(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function checkTimeout(ms: number | undefined): void {
  if (ms !== undefined && !(Number.isFinite(ms) && ms > 0)) {
    throw new RangeError(`timeoutMs must be a finite number > 0, got ${ms}`);
  }
}

function toText(flat: Flat): Record<string, string> {
  return Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, String(v)]));
}
