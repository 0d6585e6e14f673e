// DisassociateSecGroup (§3.12, the seed action): unbind by groups, by resources, or by pairs, all or nothing.
import { checkDisassociateShape, type DisassociateRequest, planDisassociate } from "../domain/disassociate.ts";
import type { Handler } from "./context.ts";
import { applyBindingPlan, companyOf, loadBindingWorld, lockRows, lockRowsAndBoundGroups } from "./tenant-load.ts";

export const disassociateSecGroup: Handler<"DisassociateSecGroup"> = async (input, ctx) => {
  const request: DisassociateRequest = {
    secGroupIds: input.SecGroupId ?? [],
    resourceIds: input.ResourceId ?? [],
    force: input.Force ?? false,
  };
  checkDisassociateShape(request);
  const { secGroupIds, resourceIds } = request;
  return ctx.store.write(async (tx) => {
    // The company row is not locked for binding changes: read it before the locks, one round trip less under them.
    const company = await companyOf(tx, ctx.scope);
    await lockRows(tx, { secGroupIds });
    // Unbinding a whole group (no ResourceId) touches every resource bound to it; those resources are locked
    // before their bindings are read, so two requests cannot each take a different "last but one" group off one
    // resource. With ResourceId given, only the named resources can change.
    let affected: readonly string[] = resourceIds;
    if (resourceIds.length === 0) {
      const scopedGroups = (await tx.secGroupsByIds(ctx.scope, secGroupIds)).map((g) => g.secGroupId);
      affected = scopedGroups.length > 0 ? await tx.resourceIdsBoundTo(scopedGroups) : [];
    }
    // By resources alone, every group of theirs may lose a binding: lock those groups first (lock order).
    if (secGroupIds.length === 0) await lockRowsAndBoundGroups(tx, { resourceIds: affected });
    else await lockRows(tx, { resourceIds: affected });
    const world = await loadBindingWorld(tx, ctx.scope, company, { secGroupIds, resourceIds: affected });
    await applyBindingPlan(tx, planDisassociate(world, request, company.notBoundPolicy));
    return {};
  });
};
