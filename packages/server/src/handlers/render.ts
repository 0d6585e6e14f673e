// Store rows → the response models of §3.17, with exact JSON types (ints as numbers, lists always present).
import type { models } from "@sgplane/catalogue";
import { compareRules } from "../domain/rule-set.ts";
import { withRememberedJson } from "../protocol/encode-envelope.ts";
import type { RuleRow, SecGroupRow, SecGroupWithRules } from "../store/port.ts";

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

const rendered = new WeakMap<SecGroupWithRules, models.SecGroupInfo>();

/**
 * secGroupInfo of a store unit, rendered once per unit object: the store hands out the same object for as long as
 * the group is unchanged (SecGroupCache), so repeated reads of a group reuse its rendering and its JSON text
 * (encodeEnvelope). Not to be mutated.
 */
export function renderSecGroup(unit: SecGroupWithRules): models.SecGroupInfo {
  let info = rendered.get(unit);
  if (info === undefined) {
    info = withRememberedJson(secGroupInfo(unit.group, unit.rules));
    rendered.set(unit, info);
  }
  return info;
}
