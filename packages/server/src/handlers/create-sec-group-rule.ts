// CreateSecGroupRule (§3.6): add rules to a group, checked as the group's whole final rule set.

import { requireNonEmpty } from "../domain/request-shape.ts";
import { normalizeRules } from "../domain/rule-format.ts";
import { checkRuleSet } from "../domain/rule-set.ts";
import type { Handler } from "./context.ts";
import { ruleRequestOf, ruleRowOf } from "./rule-wire.ts";
import { companyOf, lockRows, requireSecGroup } from "./tenant-load.ts";

export const createSecGroupRule: Handler<"CreateSecGroupRule"> = async (input, ctx) => {
  requireNonEmpty(input.Rule, "Rule");
  const secGroupId = input.SecGroupId;
  const specs = normalizeRules(input.Rule.map(ruleRequestOf), secGroupId);
  return ctx.store.write(async (tx) => {
    await lockRows(tx, { secGroupIds: [secGroupId] });
    await requireSecGroup(tx, ctx.scope, secGroupId);
    const company = await companyOf(tx, ctx.scope);
    const existing = await tx.rulesOf([secGroupId]);
    checkRuleSet(secGroupId, [...existing, ...specs], company.quotas.RulesPerDirection);
    const rows = specs.map((spec) => ruleRowOf(secGroupId, ctx.ids.ruleId(), spec));
    await tx.insertRules(rows);
    return { RuleId: rows.map((r) => r.ruleId) };
  });
};
