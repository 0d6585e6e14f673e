// Loading shared by the tenant handlers: locks in one global order, rows in scope or 8039, the binding world.
import { ApiError } from "@sgplane/spec";
import { type BindingPlan, type BindingWorld, requireAllSecGroups } from "../domain/binding-model.ts";
import type { CompanyRow, ReadTx, ResourceRow, Scope, SecGroupRow, WriteTx } from "../store/port.ts";

const sortedUnique = (ids: readonly string[]): string[] => [...new Set(ids)].sort();

/**
 * Every writer locks groups before resources, each set in id order, so two requests never wait on each other in
 * opposite orders (PostgreSQL deadlocks).
 */
export async function lockRows(
  tx: WriteTx,
  rows: { secGroupIds?: readonly string[]; resourceIds?: readonly string[] },
): Promise<void> {
  const groups = sortedUnique(rows.secGroupIds ?? []);
  const resources = sortedUnique(rows.resourceIds ?? []);
  if (groups.length > 0) await tx.lockSecGroups(groups);
  if (resources.length > 0) await tx.lockResources(resources);
}

/**
 * lockRows, plus the groups these resources are bound to now. Unbinding changes the group's row (its binding count,
 * kept by a trigger), so a writer that may unbind groups it was not asked about locks them too, before the
 * resources, keeping the one lock order. (A group bound in between is locked late by the trigger: at worst a
 * deadlock that PostgreSQL detects and the store retries.)
 */
export async function lockRowsAndBoundGroups(
  tx: WriteTx,
  rows: { secGroupIds?: readonly string[]; resourceIds: readonly string[] },
): Promise<void> {
  const bound = rows.resourceIds.length > 0 ? await tx.bindingsOfResources(sortedUnique(rows.resourceIds)) : [];
  await lockRows(tx, {
    secGroupIds: [...(rows.secGroupIds ?? []), ...bound.map((b) => b.secGroupId)],
    resourceIds: rows.resourceIds,
  });
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
 * ones), every binding of those resources, and the current load of those groups.
 */
export async function loadBindingWorld(
  tx: ReadTx,
  scope: Scope,
  company: CompanyRow,
  ids: { secGroupIds: readonly string[]; resourceIds: readonly string[] },
): Promise<BindingWorld> {
  const groups =
    ids.secGroupIds.length > 0 ? await tx.secGroupsWithLoadByIds(scope, sortedUnique(ids.secGroupIds)) : [];
  const { resources, bindings } =
    ids.resourceIds.length > 0
      ? await tx.resourceRefsWithBindings(scope, sortedUnique(ids.resourceIds))
      : { resources: [], bindings: [] };
  return {
    groups: new Map(groups.map(({ group }) => [group.secGroupId, group])),
    resources: new Map(resources.map((r) => [r.resourceId, r])),
    bindings,
    groupLoad: new Map(groups.map(({ group, load }) => [group.secGroupId, load])),
    quotas: {
      secGroupsPerResource: company.quotas.SecGroupsPerResource,
      resourcesPerSecGroup: company.quotas.ResourcesPerSecGroup,
    },
  };
}

/** Removals first, then inserts and moves as one set, all inside the caller's transaction. */
export async function applyBindingPlan(tx: WriteTx, plan: BindingPlan): Promise<void> {
  if (plan.remove.length > 0) await tx.deleteBindings(plan.remove);
  if (plan.put.length > 0) await tx.putBindings(plan.put);
}
