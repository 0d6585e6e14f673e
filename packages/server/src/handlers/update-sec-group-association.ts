// UpdateSecGroupAssociation (§3.11): on one resource, unbind old groups and bind new ones as one change.

import { checkUpdateAssociationShape, planUpdateAssociation } from "../domain/associate.ts";
import type { PriorityEntry } from "../domain/binding-model.ts";
import type { Handler } from "./context.ts";
import { applyBindingPlan, companyOf, loadBindingWorld, lockRows } from "./tenant-load.ts";

export const updateSecGroupAssociation: Handler<"UpdateSecGroupAssociation"> = async (input, ctx) => {
  const { ResourceId: resourceId, OldSecGroupId: oldIds } = input;
  const entries: PriorityEntry[] = input.NewPrioritySecGroup.map((p) => ({
    secGroupId: p.SecGroupId,
    priority: p.Priority,
  }));
  checkUpdateAssociationShape(oldIds, entries);
  const secGroupIds = [...oldIds, ...entries.map((e) => e.secGroupId)];
  return ctx.store.write(async (tx) => {
    // The company row is not locked for binding changes: read it before the locks, one round trip less under them.
    const company = await companyOf(tx, ctx.scope);
    // The resource only: the groups are pinned by the world's read and locked last, for the quota.
    await lockRows(tx, { resourceIds: [resourceId] });
    const world = await loadBindingWorld(tx, ctx.scope, company, { secGroupIds, resourceIds: [resourceId] }, "bind");
    await applyBindingPlan(tx, world, planUpdateAssociation(world, resourceId, oldIds, entries));
    return {};
  });
};
