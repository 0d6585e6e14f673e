// UpdateSecGroupRule (§3.7): replace listed rules in full; the group's resulting rule set must stay valid.
import { requireNonEmpty } from "../domain/request-shape.ts";
import { normalizeRule } from "../domain/rule-format.ts";
import { checkDistinctRuleIds, checkRuleSet, requireRulesOf } from "../domain/rule-set.ts";
import type { Handler } from "./context.ts";
import { ruleRequestOf, ruleRowOf } from "./rule-wire.ts";
import { companyOf, lockRows, requireSecGroup } from "./tenant-load.ts";

export const updateSecGroupRule: Handler<"UpdateSecGroupRule"> = async (input, ctx) => {
  requireNonEmpty(input.Rule, "Rule");
  const secGroupId = input.SecGroupId;
  const ruleIds = input.Rule.map((rule) => rule.RuleId);
  checkDistinctRuleIds(ruleIds);
  const rows = input.Rule.map((rule, n) =>
    ruleRowOf(secGroupId, rule.RuleId, normalizeRule(ruleRequestOf(rule), n, secGroupId)),
  );
  return ctx.store.write(async (tx) => {
    await lockRows(tx, { secGroupIds: [secGroupId] });
    await requireSecGroup(tx, ctx.scope, secGroupId);
    const existing = await tx.rulesOf([secGroupId]);
    requireRulesOf(secGroupId, ruleIds, new Set(existing.map((r) => r.ruleId)));
    const company = await companyOf(tx, ctx.scope);
    const replaced = new Set(ruleIds);
    const untouched = existing.filter((r) => !replaced.has(r.ruleId));
    checkRuleSet(secGroupId, [...untouched, ...rows], company.quotas.RulesPerDirection);
    await tx.replaceRules(rows);
    return {};
  });
};
