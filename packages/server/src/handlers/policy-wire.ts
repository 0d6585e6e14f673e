// Compiled rules and decisions → the wire (DescribeResourcePolicy's rule items, CheckSecGroupPacket's reply), in the
// API's spelling.
import type { ActionOutput } from "@sgplane/catalogue";
import {
  type CompiledRule,
  type Decision,
  type DecisionList,
  type Direction,
  type MatchProtocol,
  SERVICE_NETWORK,
} from "@sgplane/policy";

type PolicyRuleInfo = ActionOutput<"DescribeResourcePolicy">["Ingress"]["Rules"][number];
type DecisionListInfo = ActionOutput<"DescribeResourcePolicy">["Ingress"];
export type CheckReply = ActionOutput<"CheckSecGroupPacket">;

const PROTOCOL_NAMES = {
  tcp: "TCP",
  udp: "UDP",
  icmp: "ICMP",
  icmpv6: "ICMPv6",
  all: "ALL",
} as const satisfies Record<MatchProtocol, PolicyRuleInfo["ProtocolType"]>;

/** TCP/UDP: ALL or the merged ranges (22,80-90); '' for protocols without ports. */
export function portsText(rule: CompiledRule): string {
  if (rule.protocol !== "tcp" && rule.protocol !== "udp") return "";
  if (rule.ports === undefined) return "ALL";
  return rule.ports.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)).join(",");
}

export function policyRuleInfo(rule: CompiledRule): PolicyRuleInfo {
  return {
    SecGroupId: rule.secGroupId,
    RuleId: rule.ruleId,
    GroupPriority: rule.groupPriority,
    RulePriority: rule.rulePriority,
    IPVersion: rule.family === 6 ? "IPv6" : "IPv4",
    ProtocolType: PROTOCOL_NAMES[rule.protocol],
    Ports: portsText(rule),
    IPRange: [...rule.cidrs, ...rule.remoteGroups].join(","),
    RuleAction: rule.verdict,
  };
}

export function decisionListInfo(list: DecisionList): DecisionListInfo {
  return { Rules: list.rules.map(policyRuleInfo), Default: list.defaultVerdict };
}

/** A rule as it matches, in a phrase: "TCP 22 from 0.0.0.0/0", "ALL to 10.0.0.0/8, members of secgroup-x". */
export function ruleSummary(rule: CompiledRule, direction: Direction): string {
  const ports = portsText(rule);
  const peers = [...rule.cidrs, ...rule.remoteGroups.map((g) => `members of ${g}`)].join(", ");
  const protocol = ports === "" ? PROTOCOL_NAMES[rule.protocol] : `${PROTOCOL_NAMES[rule.protocol]} ${ports}`;
  return `${protocol} ${direction === "Ingress" ? "from" : "to"} ${peers}`;
}

export function checkReply(
  decision: Decision,
  direction: Direction,
  peer: string,
  serviceNetworks: readonly string[] = [SERVICE_NETWORK],
): CheckReply {
  const { verdict, rule } = decision;
  if (decision.reason === "rule" && rule !== undefined) {
    const summary = ruleSummary(rule, direction);
    return {
      Verdict: verdict,
      Reason: "Rule",
      SecGroupId: rule.secGroupId,
      RuleId: rule.ruleId,
      GroupPriority: rule.groupPriority,
      RulePriority: rule.rulePriority,
      RuleSummary: summary,
      Explanation: `${verdict} by rule ${rule.rulePriority} of ${rule.secGroupId} (bound at priority ${rule.groupPriority}): ${summary}`,
    };
  }
  if (decision.reason === "service-network") {
    return {
      Verdict: verdict,
      Reason: "ServiceNetwork",
      Explanation: `${peer} is in the service network ${serviceNetworks.join(", ")}, which is never filtered`,
    };
  }
  return { Verdict: verdict, Reason: "Default", Explanation: `no rule matched: ${direction} defaults to ${verdict}` };
}

export function notFilteredReply(resourceId: string): CheckReply {
  return {
    Verdict: "Accept",
    Reason: "NotFiltered",
    Explanation: `${resourceId} is in Firewall mode: security groups do not filter it`,
  };
}
