// AssociateSecGroupDynamic (§3.10): bind one group at priority 1 on each resource, shifting others down.
import { checkDynamicShape, planAssociateDynamic } from "../domain/associate.ts";
import type { Handler } from "./context.ts";
import { applyBindingPlan, companyOf, loadBindingWorld, lockRows } from "./tenant-load.ts";

export const associateSecGroupDynamic: Handler<"AssociateSecGroupDynamic"> = async (input, ctx) => {
  const { ResourceId: resourceIds, SecGroupId: secGroupId } = input;
  checkDynamicShape(resourceIds);
  return ctx.store.write(async (tx) => {
    await lockRows(tx, { secGroupIds: [secGroupId], resourceIds });
    const company = await companyOf(tx, ctx.scope);
    const world = await loadBindingWorld(tx, ctx.scope, company, { secGroupIds: [secGroupId], resourceIds });
    await applyBindingPlan(tx, planAssociateDynamic(world, resourceIds, secGroupId));
    return {};
  });
};
