// The request path as one ordered list (design.md): decode → authenticate → route → authorize → validate → handle → encode.
import { type ActionName, ApiError, findAction } from "@sgplane/catalogue";
import { authenticate } from "./auth/authenticate.ts";
import { authorize } from "./auth/authorize.ts";
import type { PrincipalCache } from "./auth/principal-cache.ts";
import type { RateLimiter } from "./auth/rate-limit.ts";
import type { BaseContext, Clock, HandlerTable, IdSource } from "./handlers/context.ts";
import { decodeInput } from "./protocol/decode-input.ts";
import { type Envelope, failureEnvelope, successEnvelope } from "./protocol/envelope.ts";
import type { InputLimits } from "./protocol/limits.ts";
import { bagText, parseRequest } from "./protocol/parse-request.ts";
import type { Store } from "./store/port.ts";

export interface ApiRequest {
  readonly query: string;
  readonly contentType: string;
  readonly body: string;
}

export interface ApiOutcome {
  readonly envelope: Envelope;
  /** The requested Action when it is a catalogue action (a bounded label for metrics). */
  readonly action: ActionName | undefined;
  readonly publicKey: string | undefined;
  /** A non-catalogue failure: the caller logs it; the client only sees RetCode 150. */
  readonly unexpected?: unknown;
}

export interface PipelineDeps {
  readonly store: Store;
  readonly principals: PrincipalCache;
  readonly handlers: HandlerTable;
  readonly clock: Clock;
  readonly ids: IdSource;
  /** Global input limits (default DEFAULT_INPUT_LIMITS). */
  readonly inputLimits?: InputLimits;
  /** Per-PublicKey rate limit, taken after authentication; none means unlimited. */
  readonly rateLimiter?: RateLimiter;
}

export async function handleApiRequest(req: ApiRequest, deps: PipelineDeps): Promise<ApiOutcome> {
  let actionText: string | undefined;
  let action: ActionName | undefined;
  let publicKey: string | undefined;
  try {
    const bag = parseRequest(req.query, req.contentType, req.body, deps.inputLimits);
    actionText = bagText(bag, "Action");
    publicKey = bagText(bag, "PublicKey");
    if (actionText === undefined) throw new ApiError("MissingAction", {});
    const principal = await authenticate(bag, (pk) => deps.principals.lookup(pk));
    if (deps.rateLimiter?.take(principal.key.publicKey) === false) {
      throw new ApiError("Throttled", { publicKey: principal.key.publicKey });
    }
    const spec = findAction(actionText);
    if (spec === undefined) throw new ApiError("ActionNotFound", { action: actionText });
    action = spec.name as ActionName;
    const scope = authorize(spec, bag, principal);
    const input = decodeInput(spec.input, bag);
    const { key } = principal;
    const ctx: BaseContext = { store: deps.store, clock: deps.clock, ids: deps.ids, key, ...(scope && { scope }) };
    const handler = deps.handlers[action] as (input: unknown, ctx: BaseContext) => Promise<object>;
    const output = await handler(input, ctx);
    // Admin writes may change keys, projects or regions: forget what this server remembered of them.
    if (spec.scope === "operator" && spec.mutates) deps.principals.clear();
    return { envelope: successEnvelope(actionText, output), action, publicKey };
  } catch (error) {
    const unexpected = error instanceof ApiError ? undefined : { unexpected: error };
    return { envelope: failureEnvelope(actionText, error), action, publicKey, ...unexpected };
  }
}
