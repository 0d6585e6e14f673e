// AssociateSecGroup (§3.9): bind resources to groups at explicit priorities, all or nothing.
import { checkAssociateShape, planAssociate } from "../domain/associate.ts";
import type { PriorityEntry } from "../domain/binding-model.ts";
import type { Handler } from "./context.ts";
import { applyBindingPlan, companyOf, loadBindingWorld, lockRows } from "./tenant-load.ts";

export const associateSecGroup: Handler<"AssociateSecGroup"> = async (input, ctx) => {
  const resourceIds = input.ResourceId;
  const entries: PriorityEntry[] = input.PrioritySecGroup.map((p) => ({
    secGroupId: p.SecGroupId,
    priority: p.Priority,
  }));
  checkAssociateShape(resourceIds, entries);
  const secGroupIds = entries.map((e) => e.secGroupId);
  return ctx.store.write(async (tx) => {
    // The company row is not locked for binding changes: read it before the locks, one round trip less under them.
    const company = await companyOf(tx, ctx.scope);
    // Resources only: the groups are pinned by the world's read and locked last, for the quota (applyBindingPlan).
    await lockRows(tx, { resourceIds });
    const world = await loadBindingWorld(tx, ctx.scope, company, { secGroupIds, resourceIds }, "bind");
    await applyBindingPlan(tx, world, planAssociate(world, resourceIds, entries));
    return {};
  });
};
