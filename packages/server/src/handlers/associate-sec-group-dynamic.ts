// AssociateSecGroupDynamic (§3.10): bind one group at priority 1 on each resource, shifting others down.
import { checkDynamicShape, planAssociateDynamic } from "../domain/associate.ts";
import type { Handler } from "./context.ts";
import { applyBindingPlan, companyOf, loadBindingWorld, lockRows } from "./tenant-load.ts";

export const associateSecGroupDynamic: Handler<"AssociateSecGroupDynamic"> = async (input, ctx) => {
  const { ResourceId: resourceIds, SecGroupId: secGroupId } = input;
  checkDynamicShape(resourceIds);
  return ctx.store.write(async (tx) => {
    // The company row is not locked for binding changes: read it before the locks, one round trip less under them.
    const company = await companyOf(tx, ctx.scope);
    // Resources only: the group is pinned by the world's read and locked last, for the quota (applyBindingPlan).
    await lockRows(tx, { resourceIds });
    const world = await loadBindingWorld(tx, ctx.scope, company, { secGroupIds: [secGroupId], resourceIds }, "bind");
    await applyBindingPlan(tx, world, planAssociateDynamic(world, resourceIds, secGroupId));
    return {};
  });
};
