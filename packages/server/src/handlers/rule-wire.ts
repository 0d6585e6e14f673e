// Rules between the wire (Rule.N.* fields) and the domain: request → RuleRequest, settled rule → store row.
import type { models } from "@sgplane/catalogue";
import type { RuleRequest, RuleSpec } from "../domain/rule-format.ts";
import type { RuleRow } from "../store/port.ts";

export function ruleRequestOf(rule: models.RuleInput): RuleRequest {
  return {
    direction: rule.Direction,
    protocolType: rule.ProtocolType,
    dstPort: rule.DstPort,
    ipRange: rule.IPRange,
    priority: rule.Priority,
    ruleAction: rule.RuleAction,
    remark: rule.Remark,
    ipVersion: rule.IPVersion,
  };
}

export function ruleRowOf(secGroupId: string, ruleId: string, rule: RuleSpec): RuleRow {
  return { ruleId, secGroupId, ...rule };
}
