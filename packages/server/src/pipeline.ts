// The request path as one ordered list (design.md): decode → authenticate → route → authorize → validate → handle → encode.
import { type ActionName, ApiError, findAction } from "@sgplane/spec";
import { authenticate } from "./auth/authenticate.ts";
import { authorize } from "./auth/authorize.ts";
import type { BaseContext, Clock, HandlerTable, IdSource } from "./handlers/context.ts";
import { decodeInput } from "./protocol/decode-input.ts";
import { type Envelope, failureEnvelope, successEnvelope } from "./protocol/envelope.ts";
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
  readonly handlers: HandlerTable;
  readonly clock: Clock;
  readonly ids: IdSource;
}

export async function handleApiRequest(req: ApiRequest, deps: PipelineDeps): Promise<ApiOutcome> {
  let actionText: string | undefined;
  let action: ActionName | undefined;
  let publicKey: string | undefined;
  try {
    const bag = parseRequest(req.query, req.contentType, req.body);
    actionText = bagText(bag, "Action");
    publicKey = bagText(bag, "PublicKey");
    if (actionText === undefined) throw new ApiError("MissingAction", {});
    const key = await authenticate(bag, (pk) => deps.store.read((tx) => tx.findKey(pk)));
    const spec = findAction(actionText);
    if (spec === undefined) throw new ApiError("ActionNotFound", { action: actionText });
    action = spec.name as ActionName;
    const scope = await deps.store.read((tx) => authorize(spec, bag, key, tx));
    const input = decodeInput(spec.input, bag);
    const ctx: BaseContext = { store: deps.store, clock: deps.clock, ids: deps.ids, key, ...(scope && { scope }) };
    const handler = deps.handlers[action] as (input: unknown, ctx: BaseContext) => Promise<object>;
    const output = await handler(input, ctx);
    return { envelope: successEnvelope(actionText, output), action, publicKey };
  } catch (error) {
    const unexpected = error instanceof ApiError ? undefined : { unexpected: error };
    return { envelope: failureEnvelope(actionText, error), action, publicKey, ...unexpected };
  }
}
