// SwitchToSecGroup (§3.15): put a resource (and the NICs named for it) into SecGroup mode and bind their groups.
import {
  checkSwitchShape,
  parsePrioritySecGroups,
  parseUniToPrioritySecGroup,
  planSwitchToSecGroup,
  type SwitchTarget,
} from "../domain/switch-to-sec-group.ts";
import type { Handler } from "./context.ts";
import { applyBindingPlan, companyOf, loadBindingWorld, lockRows } from "./tenant-load.ts";

export const switchToSecGroup: Handler<"SwitchToSecGroup"> = async (input, ctx) => {
  const resourceId = input.ResourceId;
  // IsRemoveFirewall has no effect: one resource, one mode, so switching always drops the firewall grant
  // (WriteTx.updateResource does, for every resource it moves to SecGroup mode).
  const targets: SwitchTarget[] = [
    { resourceId, entries: parsePrioritySecGroups(input.PrioritySecGroup) },
    ...parseUniToPrioritySecGroup(input.UniToPrioritySecGroup),
  ];
  checkSwitchShape(targets);
  const secGroupIds = targets.flatMap((t) => t.entries.map((e) => e.secGroupId));
  const nicIds = targets.slice(1).map((t) => t.resourceId);
  return ctx.store.write(async (tx) => {
    // The company row is not locked for binding changes: read it before the locks, one round trip less under them.
    const company = await companyOf(tx, ctx.scope);
    // The resources only: the groups are pinned by the world's read and locked last, for the quota.
    await lockRows(tx, { resourceIds: [resourceId, ...nicIds] });
    // Only NICs of this resource may be switched with it; any other id is reported as unknown.
    const children = new Set((await tx.childResources([resourceId])).map((r) => r.resourceId));
    const world = await loadBindingWorld(
      tx,
      ctx.scope,
      company,
      {
        secGroupIds,
        resourceIds: [resourceId, ...nicIds.filter((id) => children.has(id))],
      },
      "bind",
    );
    const plan = planSwitchToSecGroup(world, targets);
    // The resource itself always switches (its groups may all sit on NICs); a NIC only when it gains groups.
    const switched = new Set([resourceId, ...targets.filter((t) => t.entries.length > 0).map((t) => t.resourceId)]);
    for (const id of switched) await tx.updateResource(id, { securityMode: "SecGroup" });
    await applyBindingPlan(tx, world, plan);
    return {};
  });
};
