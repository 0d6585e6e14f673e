// DisassociateSecGroup (§3.12, the seed action): unbind by groups, by resources, or by pairs, all or nothing.
import { checkDisassociateShape, type DisassociateRequest, planDisassociate } from "../domain/disassociate.ts";
import { StoreError } from "../store/errors.ts";
import type { Scope, WriteTx } from "../store/port.ts";
import type { Handler } from "./context.ts";
import { applyBindingPlan, companyOf, loadBindingWorld, lockRows } from "./tenant-load.ts";

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
    // Unbinding takes no group lock but the resources': they alone carry the rules an unbind can break. A whole
    // group's unbind (no ResourceId) touches every resource bound to it; those are locked before their bindings
    // are read, so two requests cannot each take a different "last but one" group off one resource.
    let affected = resourceIds;
    if (resourceIds.length > 0) await lockRows(tx, { resourceIds });
    else affected = await lockWholeGroups(tx, ctx.scope, secGroupIds);
    const world = await loadBindingWorld(tx, ctx.scope, company, { secGroupIds, resourceIds: affected }, "unbind");
    await applyBindingPlan(tx, world, planDisassociate(world, request, company.notBoundPolicy));
    return {};
  });
};

/**
 * Locks the resources bound to these groups (those in scope), then the groups, and returns those resources. A writer
 * adding a binding to a group locks the group before it commits, so none can commit one from here on; but one may
 * have committed since the resources were listed. Then the list is stale and the transaction runs again (StoreError
 * "conflict"), so the unbind leaves no binding of the group that it did not see, as if it had run alone.
 */
async function lockWholeGroups(tx: WriteTx, scope: Scope, secGroupIds: readonly string[]): Promise<readonly string[]> {
  const inScope = (await tx.secGroupsByIds(scope, secGroupIds)).map((g) => g.secGroupId);
  if (inScope.length === 0) return [];
  const listed = await tx.resourceIdsBoundTo(inScope);
  await lockRows(tx, { resourceIds: listed, secGroupIds: inScope });
  const now = new Set(await tx.resourceIdsBoundTo(inScope));
  if (now.size !== listed.length || listed.some((id) => !now.has(id))) {
    throw new StoreError("conflict", `security groups ${inScope.join(",")} were bound meanwhile`);
  }
  return listed;
}
