// The server's side of DryRun and ClientToken (catalogue mutation-options.ts): what a dry run collects and answers,
// and the claim a create's ClientToken makes in the store.
import { createHash } from "node:crypto";
import type { ActionSpec, DryRunChange } from "@sgplane/catalogue";
import type { Access } from "./auth/authorize.ts";
import type { IdSource } from "./handlers/context.ts";
import type { ClientTokenClaim, DryRunEvent } from "./store/port.ts";

export const DEFAULT_CLIENT_TOKEN_TTL_MS = 24 * 3_600_000;

export interface DryRunState {
  readonly changes: DryRunEvent[];
  /** Every id drawn for the call: the objects created under them are provisional. */
  readonly drawn: Set<string>;
}

/** The ids a dry run's handler draws, remembered. */
export function dryRunIds(ids: IdSource, state: DryRunState): IdSource {
  const remember = (id: string): string => {
    state.drawn.add(id);
    return id;
  };
  return {
    secGroupId: () => remember(ids.secGroupId()),
    ruleId: () => remember(ids.ruleId()),
    firewallId: () => remember(ids.firewallId()),
    privateKey: () => ids.privateKey(),
    publicKey: (userName) => remember(ids.publicKey(userName)),
  };
}

/** The real call's answer, marked as a dry run's, with the changes it would make. */
export function dryRunOutput(answer: object, state: DryRunState): object {
  const changes: DryRunChange[] = state.changes.map((c) => ({
    Type: c.type,
    ObjectId: c.objectId,
    State: c.state as DryRunChange["State"],
    ...(state.drawn.has(c.objectId) && { Provisional: true }),
  }));
  return { ...answer, DryRun: true, Changes: changes };
}

interface TokenFacts {
  readonly spec?: ActionSpec | undefined;
  readonly access?: Access | undefined;
  readonly input?: unknown;
}

/** The claim of a create's ClientToken, when it sent one. */
export function tokenClaim(
  call: TokenFacts,
  nowMs: number,
  ttlMs = DEFAULT_CLIENT_TOKEN_TTL_MS,
): ClientTokenClaim | undefined {
  const { spec, access, input } = call;
  if (spec?.clientToken !== true || access === undefined || access.kind === "account") return undefined;
  const { ClientToken: token, DryRun: _dryRun, ...params } = input as { ClientToken?: string; DryRun?: boolean };
  if (token === undefined) return undefined;
  // Where a tenant call acts is part of the request: the same parameters in another project are another create.
  const where = access.kind === "tenant" ? [access.scope.region, access.scope.projectId] : [];
  const fingerprint = createHash("sha256")
    .update(JSON.stringify([spec.name, ...where, params]))
    .digest("base64url");
  const scope = access.kind === "tenant" ? `c${access.scope.companyId}` : "operator";
  return { scope, token, fingerprint, action: spec.name, nowMs, ttlMs };
}
