// Store rows → the response models of §3.17, with exact JSON types (ints as numbers, lists always present).
import type { models } from "@sgplane/spec";
import { compareRules } from "../domain/rule-set.ts";
import type { RuleRow, SecGroupRow } from "../store/port.ts";

export function ruleInfo(rule: RuleRow): models.SecGroupRuleInfo {
  return {
    RuleId: rule.ruleId,
    Direction: rule.direction,
    IPRange: rule.ipRange,
    Priority: rule.priority,
    ProtocolType: rule.protocolType,
    DstPort: rule.dstPort,
    RuleAction: rule.ruleAction,
    Remark: rule.remark,
    IPVersion: rule.ipVersion,
  };
}

export function secGroupInfo(group: SecGroupRow, rules: readonly RuleRow[]): models.SecGroupInfo {
  return {
    SecGroupId: group.secGroupId,
    Name: group.name,
    VPCId: group.vpcId,
    Account: group.companyId,
    Tag: group.tag,
    Remark: group.remark,
    Type: group.type,
    CreateTime: group.createTime,
    Rule: [...rules].sort(compareRules).map(ruleInfo),
  };
}

/** Rules grouped by their group id, for rendering many groups from one query. */
export function rulesByGroup(rules: readonly RuleRow[]): Map<string, RuleRow[]> {
  const byGroup = new Map<string, RuleRow[]>();
  for (const rule of rules) {
    const list = byGroup.get(rule.secGroupId);
    if (list === undefined) byGroup.set(rule.secGroupId, [rule]);
    else list.push(rule);
  }
  return byGroup;
}
