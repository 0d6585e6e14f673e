// The DisassociateSecGroup algorithm of §3.12: batch shape, unknown ids, what to unbind, the keep-one-group rule.
import { ApiError } from "@sgplane/catalogue";
import {
  type BindingPlan,
  type BindingWorld,
  boundPairs,
  checkKeepsOneGroup,
  joinIds,
  type Pair,
  pairKey,
  requireKnown,
} from "./binding-model.ts";

export type NotBoundPolicy = "Ignore" | "Error";

export interface DisassociateRequest {
  readonly secGroupIds: readonly string[];
  readonly resourceIds: readonly string[];
  readonly force: boolean;
}

/** Steps 2–3: at least one side given (220), at most one side batched (230). */
export function checkDisassociateShape(request: DisassociateRequest): void {
  const { secGroupIds, resourceIds } = request;
  if (secGroupIds.length === 0 && resourceIds.length === 0) {
    throw new ApiError("MissingParams", { name: "SecGroupId/ResourceId" });
  }
  if (secGroupIds.length > 1 && resourceIds.length > 1) {
    const reason = "only one of SecGroupId and ResourceId may list more than one id";
    throw new ApiError("InvalidParams", { name: "SecGroupId/ResourceId", reason });
  }
}

/**
 * Steps 2–6. `world.bindings` must hold every binding of every named resource and of every resource bound to a
 * named group, so the keep-one-group rule sees each affected resource whole.
 */
export function planDisassociate(
  world: BindingWorld,
  request: DisassociateRequest,
  notBoundPolicy: NotBoundPolicy,
): BindingPlan {
  checkDisassociateShape(request);
  const { secGroupIds, resourceIds } = request;
  requireKnown(world, secGroupIds, resourceIds);
  const groups = new Set(secGroupIds);
  const resources = new Set(resourceIds);
  const matches = (p: Pair) =>
    (groups.size === 0 || groups.has(p.secGroupId)) && (resources.size === 0 || resources.has(p.resourceId));
  const remove: Pair[] = world.bindings
    .filter(matches)
    .map(({ resourceId, secGroupId }) => ({ resourceId, secGroupId }));
  if (groups.size > 0 && resources.size > 0 && notBoundPolicy === "Error") rejectNotBound(world, request);
  const plan = { remove, put: [] };
  checkKeepsOneGroup(world, plan, request.force);
  return plan;
}

/** Strict policy: every named pair must be bound; the batched side of the unbound pairs is named. */
function rejectNotBound(world: BindingWorld, request: DisassociateRequest): void {
  const bound = boundPairs(world);
  const unbound = request.resourceIds.flatMap((resourceId) =>
    request.secGroupIds.map((secGroupId) => ({ resourceId, secGroupId })).filter((pair) => !bound.has(pairKey(pair))),
  );
  if (unbound.length === 0) return;
  throw new ApiError("NotBound", {
    secGroupId: joinIds(unbound.map((p) => p.secGroupId)),
    resourceId: joinIds(unbound.map((p) => p.resourceId)),
  });
}
