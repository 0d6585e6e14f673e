// DisassociateSecGroup (§3.12, the seed action): unbind by groups, by resources, or by pairs, all or nothing.
import type { BindingWorld } from "../domain/binding-model.ts";
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
    const whole = resourceIds.length > 0 ? undefined : await lockWholeGroups(tx, ctx.scope, secGroupIds);
    if (whole === undefined) await lockRows(tx, { resourceIds });
    const affected = whole?.resourceIds ?? resourceIds;
    const world = await loadBindingWorld(tx, ctx.scope, company, { secGroupIds, resourceIds: affected }, "unbind");
    if (whole !== undefined) requireEveryBindingSeen(world, whole.loads);
    await applyBindingPlan(tx, world, planDisassociate(world, request, company.notBoundPolicy));
    return {};
  });
};

/**
 * Locks the resources bound to these groups (those in scope), then the groups, which stops any new binding to them
 * from committing; returns those resources and each group's binding count under its lock. A binding may have
 * committed between the listing and the lock; then the count exceeds the bindings of the listed resources, and the
 * caller runs again (StoreError "conflict"), so the unbind leaves no binding of the group that it did not see.
 */
async function lockWholeGroups(
  tx: WriteTx,
  scope: Scope,
  secGroupIds: readonly string[],
): Promise<{ resourceIds: readonly string[]; loads: ReadonlyMap<string, number> }> {
  const inScope = (await tx.secGroupsByIds(scope, secGroupIds)).map((g) => g.secGroupId);
  if (inScope.length === 0) return { resourceIds: [], loads: new Map() };
  const resourceIds = await tx.resourceIdsBoundTo(inScope);
  await lockRows(tx, { resourceIds });
  return { resourceIds, loads: await tx.lockSecGroupLoads(inScope) };
}

/** The bindings of these groups read under the locks must be all of them (see lockWholeGroups). */
function requireEveryBindingSeen(world: BindingWorld, loads: ReadonlyMap<string, number>): void {
  const seen = world.bindings.filter((b) => loads.has(b.secGroupId)).length;
  const bound = [...loads.values()].reduce((a, b) => a + b, 0);
  if (seen !== bound)
    throw new StoreError("conflict", `security groups ${[...loads.keys()].join(",")} were bound meanwhile`);
}
