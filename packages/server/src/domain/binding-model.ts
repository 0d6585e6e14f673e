// The binding world a planner sees, the plan it returns, and the checks every binding change shares.
import { ApiError } from "@sgplane/catalogue";

export interface GroupRef {
  readonly secGroupId: string;
  readonly vpcId: string;
}

export interface ResourceRef {
  readonly resourceId: string;
  readonly vpcId: string;
  readonly resourceType: string;
  readonly securityMode: "SecGroup" | "Firewall";
}

export interface Binding {
  readonly resourceId: string;
  readonly secGroupId: string;
  readonly priority: number;
}

export type Pair = Pick<Binding, "resourceId" | "secGroupId">;

export interface PriorityEntry {
  readonly secGroupId: string;
  readonly priority: number;
}

export interface BindingQuotas {
  readonly secGroupsPerResource: number;
  readonly resourcesPerSecGroup: number;
}

/** What a planner is given: the rows a request names, as loaded in its transaction. */
export interface BindingWorld {
  readonly groups: ReadonlyMap<string, GroupRef>;
  readonly resources: ReadonlyMap<string, ResourceRef>;
  /** Every current binding of every resource the request may change (and of every group it unbinds wholesale). */
  readonly bindings: readonly Binding[];
  /**
   * How many resources each group that may gain bindings is bound to, as read before the plan (where writers run
   * side by side, possibly already out of date: the writer checks the count again after writing, under a lock).
   */
  readonly groupLoad: ReadonlyMap<string, number>;
  readonly quotas: BindingQuotas;
}

/** Applied as: delete `remove`, then put `put` (insert or re-prioritise), all in one transaction. */
export interface BindingPlan {
  readonly remove: readonly Pair[];
  readonly put: readonly Binding[];
}

export const pairKey = (p: Pair): string => `${p.resourceId}\u0000${p.secGroupId}`;

const boundPairsOf = new WeakMap<BindingWorld, ReadonlySet<string>>();

/**
 * The world's bound pairs (pairKey), built once per world: the planner, its quota check and the writer that applies
 * the plan all look pairs up in the same read-only bindings (1,000 pairs for a rebind of 500 resources).
 */
export function boundPairs(world: BindingWorld): ReadonlySet<string> {
  let bound = boundPairsOf.get(world);
  if (bound === undefined) {
    bound = new Set(world.bindings.map(pairKey));
    boundPairsOf.set(world, bound);
  }
  return bound;
}

export const joinIds = (ids: Iterable<string>): string => [...new Set(ids)].join(",");

/** 8039 naming every requested group that was not found in scope (another company's looks exactly the same). */
export function requireAllSecGroups(ids: readonly string[], found: { has(id: string): boolean }): void {
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) throw new ApiError("SecGroupNotFound", { ids: joinIds(missing) });
}

/** 8039 naming every requested resource that was not found in scope. */
export function requireAllResources(ids: readonly string[], found: { has(id: string): boolean }): void {
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) throw new ApiError("ResourceNotFound", { ids: joinIds(missing) });
}

/** Groups are checked before resources, so a request naming both kinds of unknown id reports the groups. */
export function requireKnown(
  world: BindingWorld,
  secGroupIds: readonly string[],
  resourceIds: readonly string[],
): void {
  requireAllSecGroups(secGroupIds, world.groups);
  requireAllResources(resourceIds, world.resources);
}

/** Raises 230 when a priority list names a group or a priority twice (a request must say one thing per slot). */
export function checkPriorityList(entries: readonly PriorityEntry[], listName: string): void {
  const groups = new Map<string, number>();
  const priorities = new Map<number, string>();
  entries.forEach((entry, n) => {
    if (groups.has(entry.secGroupId)) {
      const reason = `SecGroupId ${entry.secGroupId} is listed twice`;
      throw new ApiError("InvalidParams", { name: `${listName}.${n}.SecGroupId`, reason });
    }
    const holder = priorities.get(entry.priority);
    if (holder !== undefined) {
      const reason = `priority ${entry.priority} is given to both ${holder} and ${entry.secGroupId}`;
      throw new ApiError("InvalidParams", { name: `${listName}.${n}.Priority`, reason });
    }
    groups.set(entry.secGroupId, n);
    priorities.set(entry.priority, entry.secGroupId);
  });
}

/** UCloud binds one resource type per call; a batch mixing hosts and NICs is refused (230). */
export function requireOneResourceType(world: BindingWorld, resourceIds: readonly string[]): void {
  const byType = new Map<string, string[]>();
  for (const id of resourceIds) {
    const type = world.resources.get(id)?.resourceType ?? "";
    byType.set(type, [...(byType.get(type) ?? []), id]);
  }
  if (byType.size <= 1) return;
  const reason = `mixed resource types: ${[...byType].map(([type, ids]) => `${type} (${ids.join(",")})`).join(", ")}`;
  throw new ApiError("InvalidParams", { name: "ResourceId", reason });
}

/** 58210 for resources not in SecGroup mode, then 58209 for pairs across VPCs; every offender is named. */
export function checkBindTargets(world: BindingWorld, pairs: readonly Pair[], requirePermit: boolean): void {
  if (requirePermit) {
    const refused = pairs.filter((p) => world.resources.get(p.resourceId)?.securityMode !== "SecGroup");
    if (refused.length > 0) {
      throw new ApiError("AssociateNotPermitted", { resourceId: joinIds(refused.map((p) => p.resourceId)) });
    }
  }
  const crossing = pairs.filter(
    (p) => world.resources.get(p.resourceId)?.vpcId !== world.groups.get(p.secGroupId)?.vpcId,
  );
  if (crossing.length > 0) {
    throw new ApiError("VPCMismatch", {
      resourceId: joinIds(crossing.map((p) => p.resourceId)),
      vpcId: joinIds(crossing.map((p) => world.groups.get(p.secGroupId)?.vpcId ?? "")),
      secGroupId: joinIds(crossing.map((p) => p.secGroupId)),
    });
  }
}

/** The bindings that would exist after the plan, for the resources in `bindings`. */
export function applyPlan(bindings: readonly Binding[], plan: BindingPlan): Binding[] {
  const next = new Map(bindings.map((b) => [pairKey(b), b]));
  for (const pair of plan.remove) next.delete(pairKey(pair));
  for (const binding of plan.put) next.set(pairKey(binding), binding);
  return [...next.values()];
}

export function groupByResource(bindings: readonly Binding[]): Map<string, Binding[]> {
  const byResource = new Map<string, Binding[]>();
  for (const b of bindings) byResource.set(b.resourceId, [...(byResource.get(b.resourceId) ?? []), b]);
  return byResource;
}

/** Drops puts that change nothing, so an identical re-bind is a no-op. */
export function withoutNoOps(world: BindingWorld, plan: BindingPlan): BindingPlan {
  const current = new Map(world.bindings.map((b) => [pairKey(b), b.priority]));
  return { remove: plan.remove, put: plan.put.filter((b) => current.get(pairKey(b)) !== b.priority) };
}

/** Checks the state the plan leads to: 58204 groups per resource, 58205 priorities, 58206 resources per group. */
export function checkFinalState(world: BindingWorld, plan: BindingPlan): void {
  const touched = new Set(plan.put.map((b) => b.resourceId));
  const before = groupByResource(world.bindings);
  const after = groupByResource(applyPlan(world.bindings, plan));
  const limit = world.quotas.secGroupsPerResource;
  const crowded = [...touched].filter((id) => {
    const count = after.get(id)?.length ?? 0;
    return count > limit && count > (before.get(id)?.length ?? 0);
  });
  if (crowded.length > 0) throw new ApiError("ResourceSecGroupQuotaExceeded", { resourceId: joinIds(crowded), limit });
  const putKeys = new Set(plan.put.map(pairKey));
  for (const resourceId of touched) checkPriorities(resourceId, after.get(resourceId) ?? [], putKeys);
  checkGroupLoad(world, plan);
}

function checkPriorities(resourceId: string, bindings: readonly Binding[], putKeys: ReadonlySet<string>): void {
  const holders = new Map<number, Binding>();
  for (const b of bindings) {
    const other = holders.get(b.priority);
    if (other === undefined) {
      holders.set(b.priority, b);
      continue;
    }
    // Name the group that already held the slot, not the one the request is moving in.
    const incumbent = putKeys.has(pairKey(other)) ? b : other;
    throw new ApiError("BindingPriorityConflict", {
      resourceId,
      priority: b.priority,
      secGroupId: incumbent.secGroupId,
    });
  }
}

/** How many bindings each group gains from the plan, net of what it loses; only the groups that gain. */
export function groupGains(world: BindingWorld, plan: BindingPlan): Map<string, number> {
  const bound = boundPairs(world);
  const delta = new Map<string, number>();
  const removed = new Set<string>();
  for (const pair of plan.remove) {
    if (!bound.has(pairKey(pair))) continue;
    removed.add(pairKey(pair));
    delta.set(pair.secGroupId, (delta.get(pair.secGroupId) ?? 0) - 1);
  }
  for (const b of plan.put) {
    if (bound.has(pairKey(b)) && !removed.has(pairKey(b))) continue;
    delta.set(b.secGroupId, (delta.get(b.secGroupId) ?? 0) + 1);
  }
  for (const [id, d] of delta) if (d <= 0) delta.delete(id);
  return delta;
}

function checkGroupLoad(world: BindingWorld, plan: BindingPlan): void {
  const limit = world.quotas.resourcesPerSecGroup;
  const full = [...groupGains(world, plan)].filter(([id, d]) => (world.groupLoad.get(id) ?? 0) + d > limit);
  if (full.length > 0) {
    throw new ApiError("SecGroupBindingQuotaExceeded", { secGroupId: joinIds(full.map(([id]) => id)), limit });
  }
}

/**
 * 58208 unless forced: a SecGroup-mode resource that has a group must keep one.
 * `affected` are the resources the plan removes bindings from.
 */
export function checkKeepsOneGroup(world: BindingWorld, plan: BindingPlan, force: boolean): void {
  if (force) return;
  const before = groupByResource(world.bindings);
  const after = groupByResource(applyPlan(world.bindings, plan));
  const affected = new Set(plan.remove.map((p) => p.resourceId));
  const emptied = [...affected].filter(
    (id) =>
      world.resources.get(id)?.securityMode !== "Firewall" &&
      (before.get(id)?.length ?? 0) > 0 &&
      (after.get(id)?.length ?? 0) === 0,
  );
  if (emptied.length > 0) throw new ApiError("LastSecGroupOfResource", { resourceIds: joinIds(emptied) });
}
