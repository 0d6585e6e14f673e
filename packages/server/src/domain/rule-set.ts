// Checks on the final rule set of one group (unique priority per direction, per-direction quota) and rule order.
import { ApiError } from "@sgplane/catalogue";
import type { Direction } from "./rule-format.ts";

interface RankedRule {
  readonly direction: Direction;
  readonly priority: number;
}

const DIRECTIONS: readonly Direction[] = ["Ingress", "Egress"];

/** Raises 58203 / 58202 when the rules a group would end with break a limit; checked on the whole final state. */
export function checkRuleSet(secGroupId: string, rules: readonly RankedRule[], rulesPerDirection: number): void {
  for (const direction of DIRECTIONS) {
    const seen = new Set<number>();
    for (const rule of rules) {
      if (rule.direction !== direction) continue;
      if (seen.has(rule.priority)) {
        throw new ApiError("RulePriorityConflict", { priority: rule.priority, secGroupId, direction });
      }
      seen.add(rule.priority);
    }
    if (seen.size > rulesPerDirection) {
      throw new ApiError("RuleQuotaExceeded", { direction, limit: rulesPerDirection, secGroupId });
    }
  }
}

/** Display order of §3.5: Ingress before Egress, then by priority. */
export function compareRules(a: RankedRule, b: RankedRule): number {
  if (a.direction !== b.direction) return a.direction === "Ingress" ? -1 : 1;
  return a.priority - b.priority;
}

/** 8039 naming every listed rule id that is not a rule of this group. */
export function requireRulesOf(
  secGroupId: string,
  ruleIds: readonly string[],
  groupRuleIds: ReadonlySet<string>,
): void {
  const unknown = [...new Set(ruleIds.filter((id) => !groupRuleIds.has(id)))];
  if (unknown.length > 0) throw new ApiError("RuleNotFound", { ids: unknown.join(","), secGroupId });
}

/** 230 when one request replaces the same rule twice (the outcome would depend on list order). */
export function checkDistinctRuleIds(ruleIds: readonly string[]): void {
  const seen = new Set<string>();
  ruleIds.forEach((id, n) => {
    if (seen.has(id))
      throw new ApiError("InvalidParams", { name: `Rule.${n}.RuleId`, reason: `rule ${id} is listed twice` });
    seen.add(id);
  });
}
