// Binding plans for AssociateSecGroup (§3.9), AssociateSecGroupDynamic (§3.10) and UpdateSecGroupAssociation (§3.11).
import { ApiError } from "@sgplane/catalogue";
import {
  type Binding,
  type BindingPlan,
  type BindingWorld,
  checkBindTargets,
  checkFinalState,
  checkKeepsOneGroup,
  checkPriorityList,
  groupByResource,
  type Pair,
  type PriorityEntry,
  requireKnown,
  requireOneResourceType,
  withoutNoOps,
} from "./binding-model.ts";
import { requireNonEmpty } from "./request-shape.ts";

export const DYNAMIC_MAX_RESOURCES = 20;

/** Request-shape checks of AssociateSecGroup, run before anything is loaded (220 / 230). */
export function checkAssociateShape(resourceIds: readonly string[], entries: readonly PriorityEntry[]): void {
  requireNonEmpty(resourceIds, "ResourceId");
  requireNonEmpty(entries, "PrioritySecGroup");
  if (resourceIds.length > 1 && entries.length > 1) {
    const reason = "resources and groups cannot both be batched";
    throw new ApiError("InvalidParams", { name: "ResourceId/PrioritySecGroup", reason });
  }
  checkPriorityList(entries, "PrioritySecGroup");
}

/** Binds every resource to every listed group at the listed priority; re-binding a bound group moves it. */
export function planAssociate(
  world: BindingWorld,
  resourceIds: readonly string[],
  entries: readonly PriorityEntry[],
): BindingPlan {
  checkAssociateShape(resourceIds, entries);
  requireKnown(
    world,
    entries.map((e) => e.secGroupId),
    resourceIds,
  );
  requireOneResourceType(world, resourceIds);
  const put = resourceIds.flatMap((resourceId) => entries.map((e) => ({ resourceId, ...e })));
  checkBindTargets(world, put, true);
  const plan = withoutNoOps(world, { remove: [], put });
  checkFinalState(world, plan);
  return plan;
}

/** Request-shape checks of AssociateSecGroupDynamic (220 / 230). */
export function checkDynamicShape(resourceIds: readonly string[]): void {
  requireNonEmpty(resourceIds, "ResourceId");
  if (resourceIds.length > DYNAMIC_MAX_RESOURCES) {
    const reason = `at most ${DYNAMIC_MAX_RESOURCES} resources per call, got ${resourceIds.length}`;
    throw new ApiError("InvalidParams", { name: "ResourceId", reason });
  }
}

/** Binds the group at priority 1 on each resource not yet bound to it, pushing holders down to the first free slot. */
export function planAssociateDynamic(
  world: BindingWorld,
  resourceIds: readonly string[],
  secGroupId: string,
): BindingPlan {
  checkDynamicShape(resourceIds);
  requireKnown(world, [secGroupId], resourceIds);
  requireOneResourceType(world, resourceIds);
  const current = groupByResource(world.bindings);
  const targets = resourceIds.filter((id) => !current.get(id)?.some((b) => b.secGroupId === secGroupId));
  checkBindTargets(
    world,
    targets.map((resourceId) => ({ resourceId, secGroupId })),
    true,
  );
  const limit = world.quotas.secGroupsPerResource;
  const full = targets.filter((id) => (current.get(id)?.length ?? 0) >= limit);
  if (full.length > 0) throw new ApiError("ResourceSecGroupQuotaExceeded", { resourceId: full.join(","), limit });
  const put = targets.flatMap((resourceId) => cascade(current.get(resourceId) ?? [], resourceId, secGroupId));
  const plan = { remove: [], put };
  checkFinalState(world, plan);
  return plan;
}

/** The new group takes 1; the holder of 1 moves to 2, and so on until a slot that was free. */
function cascade(bindings: readonly Binding[], resourceId: string, secGroupId: string): Binding[] {
  const byPriority = new Map(bindings.map((b) => [b.priority, b]));
  const moves: Binding[] = [{ resourceId, secGroupId, priority: 1 }];
  for (let priority = 1; byPriority.has(priority); priority++) {
    const holder = byPriority.get(priority);
    if (holder) moves.push({ ...holder, priority: priority + 1 });
  }
  return moves;
}

/** Request-shape checks of UpdateSecGroupAssociation (220 / 230). */
export function checkUpdateAssociationShape(
  oldSecGroupIds: readonly string[],
  entries: readonly PriorityEntry[],
): void {
  requireNonEmpty(oldSecGroupIds, "OldSecGroupId");
  requireNonEmpty(entries, "NewPrioritySecGroup");
  checkPriorityList(entries, "NewPrioritySecGroup");
}

/** On one resource: unbind the old groups (those bound), then bind the new ones; validated as one final state. */
export function planUpdateAssociation(
  world: BindingWorld,
  resourceId: string,
  oldSecGroupIds: readonly string[],
  entries: readonly PriorityEntry[],
): BindingPlan {
  checkUpdateAssociationShape(oldSecGroupIds, entries);
  requireKnown(world, [...oldSecGroupIds, ...entries.map((e) => e.secGroupId)], [resourceId]);
  const bound = new Set((groupByResource(world.bindings).get(resourceId) ?? []).map((b) => b.secGroupId));
  const rebound = new Set(entries.map((e) => e.secGroupId));
  // An old group that is also listed as new is re-prioritised rather than dropped and re-added.
  const remove: Pair[] = oldSecGroupIds
    .filter((id) => bound.has(id) && !rebound.has(id))
    .map((secGroupId) => ({ resourceId, secGroupId }));
  const put = entries.map((e) => ({ resourceId, ...e }));
  checkBindTargets(world, put, true);
  const plan = withoutNoOps(world, { remove, put });
  checkFinalState(world, plan);
  checkKeepsOneGroup(world, plan, false);
  return plan;
}
