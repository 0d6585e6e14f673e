// The request path as one ordered list (design.md): decode → authenticate → route → authorize → validate → handle →
// encode; and every call's audit record (with the change it made, or queued when it made none).
import { randomUUID } from "node:crypto";
import { type ActionName, type ActionSpec, ApiError, findAction } from "@sgplane/catalogue";
import { auditEntry, type CallFacts } from "./audit/audit-entry.ts";
import type { AuditRecorder } from "./audit/audit-recorder.ts";
import { authenticate } from "./auth/authenticate.ts";
import { type Access, authorize } from "./auth/authorize.ts";
import type { PrincipalCache } from "./auth/principal-cache.ts";
import type { RateLimiter } from "./auth/rate-limit.ts";
import type { FeedHub } from "./feed/hub.ts";
import type { AccountContext, BaseContext, Clock, HandlerTable, IdSource, TenantContext } from "./handlers/context.ts";
import { type DryRunState, dryRunIds, dryRunOutput, tokenClaim } from "./mutation-options.ts";
import { decodeInput } from "./protocol/decode-input.ts";
import { type Envelope, failureEnvelope, successEnvelope } from "./protocol/envelope.ts";
import type { InputLimits } from "./protocol/limits.ts";
import { bagText, type ParamBag, parseRequest, sniffAction } from "./protocol/parse-request.ts";
import type { KeyRecord, Store } from "./store/port.ts";

export interface ApiRequest {
  readonly query: string;
  readonly contentType: string;
  readonly body: string;
  /** The X-UCloud-Request-UUID of the reply (a fresh one when absent: unit tests). */
  readonly requestId?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  /** A signal aborted when the client goes away (made on first use: most requests never wait for anything). */
  readonly clientGone?: () => AbortSignal;
}

export interface ApiOutcome {
  readonly envelope: Envelope;
  /** The requested Action when it is a catalogue action (a bounded label for metrics). */
  readonly action: ActionName | undefined;
  readonly publicKey: string | undefined;
  /** A non-catalogue failure: the caller logs it; the client only sees RetCode 150. */
  readonly unexpected?: unknown;
}

/** Which calls get an audit record: none, changes and refusals, or every call. */
export interface AuditSettings {
  readonly recorder: AuditRecorder | undefined;
  readonly reads: boolean;
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
  readonly feed?: FeedHub;
  readonly audit?: AuditSettings;
  /** Peers never filtered, for the evaluator (--service-network). */
  readonly serviceNetworks?: readonly string[];
  /** Told of a non-catalogue failure outside the request/reply path (a feed stream): to be logged. */
  readonly onUnexpected?: (error: unknown, requestId: string) => void;
  /** How long a ClientToken names its create (--client-token-ttl; default 24 h). */
  readonly clientTokenTtlMs?: number;
}

/** What is known of a call as it goes down the path: the audit record is made of it. */
export interface Call {
  bag?: ParamBag | undefined;
  actionText?: string | undefined;
  publicKey?: string | undefined;
  key?: KeyRecord | undefined;
  authenticated: boolean;
  spec?: ActionSpec | undefined;
  access?: Access | undefined;
  /** Its audit record went in with its change. */
  recorded: boolean;
  /** A DryRun of a mutating action: what its rolled-back transaction did. */
  dryRun?: DryRunState | undefined;
  /** The decoded input (a ClientToken's fingerprint is taken of it). */
  input?: unknown;
}

/** A request that has passed every check up to its handler. */
export interface AcceptedRequest<A extends ActionName = ActionName> {
  readonly action: A;
  readonly input: unknown;
  readonly ctx: BaseContext;
}

export async function handleApiRequest(request: ApiRequest, deps: PipelineDeps): Promise<ApiOutcome> {
  const req = { ...request, requestId: request.requestId ?? randomUUID() };
  const call: Call = { authenticated: false, recorded: false };
  let outcome: ApiOutcome;
  try {
    const accepted = await acceptRequest(req, deps, call);
    const { action, ctx } = accepted;
    const handler = deps.handlers[action] as (input: unknown, ctx: BaseContext) => Promise<object>;
    const answer = await handler(accepted.input, ctx);
    const output = call.dryRun === undefined ? answer : dryRunOutput(answer, call.dryRun);
    // Admin writes may change keys, projects or regions: forget what this server remembered of them.
    if (call.spec?.scope === "operator" && call.spec.mutates && call.dryRun === undefined) deps.principals.clear();
    outcome = { envelope: successEnvelope(call.actionText ?? action, output), action, publicKey: call.publicKey };
  } catch (error) {
    const unexpected = error instanceof ApiError ? undefined : { unexpected: error };
    outcome = {
      envelope: failureEnvelope(call.actionText, error),
      action: call.spec?.name as ActionName | undefined,
      publicKey: call.publicKey,
      ...unexpected,
    };
  }
  recordCall(req, deps, call, outcome.envelope);
  return outcome;
}

/**
 * Parse, authenticate, rate-limit, route, authorize and validate a request, filling `call` as it goes (for the
 * audit record, whichever step refuses). Also the way in for the streaming feed (http/feed-stream.ts).
 */
export async function acceptRequest(
  req: ApiRequest & { requestId: string },
  deps: PipelineDeps,
  call: Call,
): Promise<AcceptedRequest> {
  let bag: ParamBag;
  try {
    bag = parseRequest(req.query, req.contentType, req.body, deps.inputLimits);
  } catch (error) {
    // Refused while the bag was built (a global limit): the reply still names the Action the request did.
    call.actionText = sniffAction(req.query, req.contentType, req.body);
    throw error;
  }
  call.bag = bag;
  call.actionText = bagText(bag, "Action");
  call.publicKey = bagText(bag, "PublicKey");
  if (call.actionText === undefined) throw new ApiError("MissingAction", {});
  const principal = await authenticate(bag, async (pk) => {
    const found = await deps.principals.lookup(pk);
    call.key = found?.key;
    return found;
  });
  call.authenticated = true;
  if (deps.rateLimiter?.take(principal.key.publicKey) === false) {
    throw new ApiError("Throttled", { publicKey: principal.key.publicKey });
  }
  const spec = findAction(call.actionText);
  if (spec === undefined) throw new ApiError("ActionNotFound", { action: call.actionText });
  call.spec = spec;
  const action = spec.name as ActionName;
  const access = authorize(spec, bag, principal);
  call.access = access;
  // Known before decoding, so a dry run refused by validation is recorded as a dry run too.
  if (spec.mutates && asksDryRun(bag)) call.dryRun = { changes: [], drawn: new Set() };
  const input = decodeInput(spec.input, bag);
  call.input = input;
  const base = {
    store: spec.mutates ? recordingStore(deps, req, call) : deps.store,
    clock: deps.clock,
    ids: call.dryRun === undefined ? deps.ids : dryRunIds(deps.ids, call.dryRun),
    key: principal.key,
    auditing: deps.audit?.recorder !== undefined,
    ...(deps.feed !== undefined && { feed: deps.feed }),
    ...(deps.serviceNetworks !== undefined && { serviceNetworks: deps.serviceNetworks }),
    ...(req.clientGone !== undefined && { clientGone: req.clientGone }),
  };
  const ctx: TenantContext | AccountContext | BaseContext =
    access.kind === "tenant"
      ? { ...base, scope: access.scope }
      : access.kind === "account"
        ? { ...base, view: access.view }
        : base;
  return { action, input, ctx };
}

/** DryRun=true as decodeInput reads a boolean (true/1, any case). */
function asksDryRun(bag: ParamBag): boolean {
  const text = bagText(bag, "DryRun")?.trim().toLowerCase();
  return text === "true" || text === "1";
}

/**
 * The store as a mutating handler sees it: its write is tagged with the request (every feed event names it) and,
 * when it succeeds, carries the call's audit record (RetCode 0) into the same transaction.
 */
function recordingStore(deps: PipelineDeps, req: ApiRequest & { requestId: string }, call: Call): Store {
  const store = deps.store;
  const audited = deps.audit?.recorder !== undefined;
  return {
    engine: store.engine,
    feedEnabled: store.feedEnabled,
    read: (fn) => store.read(fn),
    readAtFeedHead: (fn) => store.readAtFeedHead(fn),
    onFeedAdvance: (listener) => store.onFeedAdvance(listener),
    feedSettled: () => store.feedSettled(),
    ping: () => store.ping(),
    close: () => store.close(),
    async write(fn, meta) {
      const dryRun = call.dryRun;
      // A dry run's record cannot go in with its change (it is rolled back): it is queued like a refusal's.
      const audit =
        audited && !call.recorded && dryRun === undefined ? auditEntry(facts(req, call, deps.clock), 0, "") : undefined;
      const scope = call.access?.kind === "tenant" ? call.access.scope : undefined;
      const clientToken = tokenClaim(call, deps.clock.nowMs(), deps.clientTokenTtlMs);
      const value = await store.write(fn, {
        requestId: req.requestId,
        action: call.spec?.name ?? "",
        ...(scope !== undefined && { scope }),
        ...(audit !== undefined && { audit }),
        ...(clientToken !== undefined && { clientToken }),
        ...(dryRun !== undefined && { dryRun: (changes) => dryRun.changes.push(...changes) }),
        ...meta,
      });
      if (audit !== undefined) call.recorded = true;
      return value;
    },
  };
}

function facts(req: ApiRequest & { requestId: string }, call: Call, clock: Clock): CallFacts {
  const bag = call.bag;
  const scope = call.access?.kind === "tenant" ? call.access.scope : undefined;
  return {
    requestId: req.requestId,
    timeMs: clock.nowMs(),
    sourceIp: req.sourceIp ?? "",
    userAgent: req.userAgent ?? "",
    bag,
    action: call.actionText,
    publicKey: call.publicKey,
    key: call.key,
    authenticated: call.authenticated,
    region: scope?.region ?? (bag === undefined ? undefined : bagText(bag, "Region")),
    projectId: scope?.projectId ?? (bag === undefined ? undefined : bagText(bag, "ProjectId")),
    mutating: call.spec?.mutates ?? true,
    ...(call.dryRun !== undefined && { dryRun: true }),
  };
}

/** The outcome of a request refused before it reached the pipeline (a body over the limit), recorded like any. */
export function refuseRequest(
  request: ApiRequest,
  deps: PipelineDeps,
  action: string | undefined,
  error: ApiError,
): ApiOutcome {
  const req = { ...request, requestId: request.requestId ?? randomUUID() };
  const envelope = failureEnvelope(action, error);
  recordCall(req, deps, { authenticated: false, recorded: false, actionText: action }, envelope);
  return { envelope, action: findAction(action ?? "")?.name as ActionName | undefined, publicKey: undefined };
}

/**
 * Queues the call's audit record unless it went in with its change, or it is an accepted read and reads are not
 * audited (a refused read stays: probing for other tenants' objects is what an operator looks for).
 */
export function recordCall(
  req: ApiRequest & { requestId: string },
  deps: PipelineDeps,
  call: Call,
  envelope: Envelope,
): void {
  const audit = deps.audit;
  if (audit?.recorder === undefined || call.recorded) return;
  if (call.spec !== undefined && !call.spec.mutates && !audit.reads && envelope.RetCode === 0) return;
  audit.recorder.record(auditEntry(facts(req, call, deps.clock), envelope.RetCode, envelope.Message ?? ""));
}
