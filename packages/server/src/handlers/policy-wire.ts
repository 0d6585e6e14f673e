// Compiled rules and decisions → the wire (DescribeResourcePolicy's rule items, CheckSecGroupPacket's reply), in the
// API's spelling.
import type { ActionOutput } from "@sgplane/catalogue";
import {
  type CompiledFirewallRule,
  type CompiledRule,
  type Decision,
  type DecisionList,
  type Direction,
  type FirewallDecision,
  type FirewallList,
  type MatchProtocol,
  type Packet,
  SERVICE_NETWORK,
} from "@sgplane/policy";

type PolicyRuleInfo = ActionOutput<"DescribeResourcePolicy">["Ingress"]["Rules"][number];
type DecisionListInfo = ActionOutput<"DescribeResourcePolicy">["Ingress"];
export type CheckReply = ActionOutput<"CheckSecGroupPacket">;
type FirewallListInfo = NonNullable<ActionOutput<"DescribeResourcePolicy">["Firewall"]>;

const PROTOCOL_NAMES = {
  tcp: "TCP",
  udp: "UDP",
  icmp: "ICMP",
  icmpv6: "ICMPv6",
  all: "ALL",
} as const satisfies Record<MatchProtocol, PolicyRuleInfo["ProtocolType"]>;

const FIREWALL_PROTOCOL_NAMES = { tcp: "TCP", udp: "UDP", icmp: "ICMP", gre: "GRE" } as const;

/** TCP/UDP: ALL or the merged ranges (22,80-90); '' for protocols without ports. */
export function portsText(rule: CompiledRule | CompiledFirewallRule): string {
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

/** A firewall rule as it matches: "TCP 22 from 0.0.0.0/0". */
export function firewallRuleSummary(rule: CompiledFirewallRule): string {
  const ports = portsText(rule);
  const protocol = FIREWALL_PROTOCOL_NAMES[rule.protocol];
  return `${ports === "" ? protocol : `${protocol} ${ports}`} from ${rule.cidrs.join(", ")}`;
}

export function firewallListInfo(list: FirewallList): FirewallListInfo {
  return {
    ...(list.fwId !== undefined && { FWId: list.fwId }),
    Rules: list.rules.map((rule) => ({
      Index: rule.index,
      Rule: rule.text,
      Priority: rule.priority,
      ProtocolType: FIREWALL_PROTOCOL_NAMES[rule.protocol],
      Ports: portsText(rule),
      SrcIP: rule.cidrs.join(","),
      RuleAction: rule.verdict,
    })),
    Default: list.defaultVerdict,
  };
}

export function firewallCheckReply(
  decision: FirewallDecision,
  list: FirewallList,
  packet: Packet,
  serviceNetworks: readonly string[] = [SERVICE_NETWORK],
): CheckReply {
  const mode = { SecurityMode: "Firewall" as const, ...(list.fwId !== undefined && { FWId: list.fwId }) };
  const { verdict, rule } = decision;
  if (decision.reason === "rule" && rule !== undefined) {
    const summary = firewallRuleSummary(rule);
    return {
      Verdict: verdict,
      Reason: "Rule",
      ...mode,
      RuleIndex: rule.index,
      FirewallRule: rule.text,
      RuleSummary: summary,
      Explanation: `${verdict} by rule ${rule.index} (${rule.priority}) of firewall ${rule.fwId}: ${summary}`,
    };
  }
  if (decision.reason === "service-network") {
    return {
      Verdict: verdict,
      Reason: "ServiceNetwork",
      ...mode,
      Explanation: `${packet.peer} is in the service network ${serviceNetworks.join(", ")}, which is never filtered`,
    };
  }
  const why =
    packet.direction === "Egress"
      ? "a firewall filters inbound packets only: Egress is accepted"
      : list.fwId === undefined
        ? "no firewall is granted: Ingress defaults to Drop"
        : `no rule of firewall ${list.fwId} matched: Ingress defaults to Drop`;
  return { Verdict: verdict, Reason: "Default", ...mode, Explanation: why };
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
      SecurityMode: "SecGroup",
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
      SecurityMode: "SecGroup",
      Explanation: `${peer} is in the service network ${serviceNetworks.join(", ")}, which is never filtered`,
    };
  }
  return {
    Verdict: verdict,
    Reason: "Default",
    SecurityMode: "SecGroup",
    Explanation: `no rule matched: ${direction} defaults to ${verdict}`,
  };
}
