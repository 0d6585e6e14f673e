// Loading shared by the tenant handlers: locks in one global order, rows in scope or 8039, the binding world.
import { ApiError } from "@sgplane/catalogue";
import {
  type BindingPlan,
  type BindingWorld,
  boundPairs,
  groupGains,
  pairKey,
  requireAllSecGroups,
} from "../domain/binding-model.ts";
import { StoreError } from "../store/errors.ts";
import type { CompanyRow, ReadTx, ResourceRow, Scope, SecGroupRow, WriteTx } from "../store/port.ts";

const sortedUnique = (ids: readonly string[]): string[] => [...new Set(ids)].sort();

/**
 * Every writer takes its locks in one order, resources before groups (the store puts each set in id order), so two
 * requests never wait on each other in opposite orders (PostgreSQL deadlocks). See docs/architecture.md,
 * "Concurrency".
 */
export async function lockRows(
  tx: WriteTx,
  rows: { secGroupIds?: readonly string[]; resourceIds?: readonly string[] },
): Promise<void> {
  if (rows.resourceIds !== undefined && rows.resourceIds.length > 0) await tx.lockResources(rows.resourceIds);
  if (rows.secGroupIds !== undefined && rows.secGroupIds.length > 0) await tx.lockSecGroups(rows.secGroupIds);
}

export async function companyOf(tx: ReadTx, scope: Scope): Promise<CompanyRow> {
  const company = await tx.company(scope.companyId);
  // Authentication resolved the key to this company moments ago, so its absence is a server fault.
  if (company === undefined) throw new ApiError("InternalError", {});
  return company;
}

/** The groups, by id, all in the caller's scope; 8039 names every id that is not. */
export async function requireSecGroups(
  tx: ReadTx,
  scope: Scope,
  ids: readonly string[],
): Promise<Map<string, SecGroupRow>> {
  const found = new Map((await tx.secGroupsByIds(scope, ids)).map((g) => [g.secGroupId, g]));
  requireAllSecGroups(ids, found);
  return found;
}

export async function requireSecGroup(tx: ReadTx, scope: Scope, id: string): Promise<SecGroupRow> {
  const [group] = await tx.secGroupsByIds(scope, [id]);
  if (group === undefined) throw new ApiError("SecGroupNotFound", { ids: id });
  return group;
}

export async function requireResource(tx: ReadTx, scope: Scope, id: string): Promise<ResourceRow> {
  const [resource] = await tx.resourcesByIds(scope, [id]);
  if (resource === undefined) throw new ApiError("ResourceNotFound", { ids: id });
  return resource;
}

/**
 * What a binding planner needs: the named groups and resources found in scope (the planner reports the missing
 * ones), every binding of those resources, and the current load of those groups. A writer that may bind (`bind`)
 * pins the groups (WriteTx.secGroupsToBind) and reads their loads; one that only unbinds needs neither.
 */
export async function loadBindingWorld(
  tx: WriteTx,
  scope: Scope,
  company: CompanyRow,
  ids: { secGroupIds: readonly string[]; resourceIds: readonly string[] },
  purpose: "bind" | "unbind",
): Promise<BindingWorld> {
  const secGroupIds = sortedUnique(ids.secGroupIds);
  const named = secGroupIds.length > 0;
  const pinned = named && purpose === "bind" ? await tx.secGroupsToBind(scope, secGroupIds) : undefined;
  const groups = pinned?.map((g) => g.group) ?? (named ? await tx.secGroupsByIds(scope, secGroupIds) : []);
  const { resources, bindings } =
    ids.resourceIds.length > 0
      ? await tx.resourceRefsWithBindings(scope, sortedUnique(ids.resourceIds))
      : { resources: [], bindings: [] };
  return {
    groups: new Map(groups.map((g) => [g.secGroupId, g])),
    resources: new Map(resources.map((r) => [r.resourceId, r])),
    bindings,
    groupLoad: new Map(pinned?.map(({ group, load }) => [group.secGroupId, load])),
    quotas: {
      secGroupsPerResource: company.quotas.SecGroupsPerResource,
      resourcesPerSecGroup: company.quotas.ResourcesPerSecGroup,
    },
  };
}

/**
 * Removals first, then inserts and moves as one set, all inside the caller's transaction. Then, as the last step
 * before commit, the ResourcesPerSecGroup quota once more, under the group locks: the planner checked loads read
 * before writing, which a concurrent writer (PostgreSQL) may have raised since. If one did, this run lost the race:
 * it is run again from the start (StoreError "conflict"), and the planner then sees the full group and says 58206.
 */
export async function applyBindingPlan(tx: WriteTx, world: BindingWorld, plan: BindingPlan): Promise<void> {
  if (plan.remove.length > 0) await tx.deleteBindings(plan.remove);
  if (plan.put.length === 0) return;
  // The world's bindings were read under the resources' locks: pairs not among them are new, and go in without
  // putBindings reading them again. Moves first (putBindings' order: re-inserted rows before new ones).
  const bound = boundPairs(world);
  const moves = plan.put.filter((b) => bound.has(pairKey(b)));
  if (moves.length > 0) await tx.putBindings(moves);
  if (moves.length < plan.put.length) await tx.insertBindings(plan.put.filter((b) => !bound.has(pairKey(b))));
  const gained = [...groupGains(world, plan).keys()];
  if (gained.length === 0) return;
  const loads = await tx.lockSecGroupLoads(gained);
  const full = gained.filter((id) => (loads.get(id) ?? 0) > world.quotas.resourcesPerSecGroup);
  if (full.length > 0) throw new StoreError("conflict", `security groups ${full.join(",")} filled up meanwhile`);
}
