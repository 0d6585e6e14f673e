// DeleteSecGroupRule (§3.8): delete listed rules of one group; any id not in that group fails the whole call.

import { requireNonEmpty } from "../domain/request-shape.ts";
import { requireRulesOf } from "../domain/rule-set.ts";
import type { Handler } from "./context.ts";
import { lockRows, requireSecGroup } from "./tenant-load.ts";

export const deleteSecGroupRule: Handler<"DeleteSecGroupRule"> = async (input, ctx) => {
  requireNonEmpty(input.RuleId, "RuleId");
  const secGroupId = input.SecGroupId;
  return ctx.store.write(async (tx) => {
    await lockRows(tx, { secGroupIds: [secGroupId] });
    await requireSecGroup(tx, ctx.scope, secGroupId);
    requireRulesOf(secGroupId, input.RuleId, new Set((await tx.rulesOf([secGroupId])).map((r) => r.ruleId)));
    await tx.deleteRules(input.RuleId);
    return {};
  });
};
