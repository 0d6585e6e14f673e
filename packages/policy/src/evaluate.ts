// The evaluator: the verdict a decision list gives one packet, and the rule that gave it. It reads the compiler's
// output only, so it answers what the agent's ruleset does (the differential test holds the two together).
import { blockContains, canonicalAddress } from "./addresses.ts";
import type { CompiledFirewallRule, FirewallList } from "./firewall.ts";
import {
  type Decision,
  type DecisionList,
  type DecisionReason,
  type Match,
  type MembersOf,
  type Packet,
  SERVICE_NETWORK,
  type Verdict,
} from "./model.ts";
import { portsContain } from "./ports.ts";

export interface EvaluateOptions {
  /** Peers never filtered (default: UCloud's service network 100.64.0.0/10). */
  readonly serviceNetworks?: readonly string[];
}

export function evaluatePacket(
  list: DecisionList,
  packet: Packet,
  membersOf: MembersOf,
  options: EvaluateOptions = {},
): Decision {
  const peer = peerOf(packet, options);
  if (peer === "service") return { verdict: "Accept", reason: "service-network" };
  const rule = list.rules.find((candidate) => ruleMatches(candidate, packet, peer, membersOf));
  if (rule !== undefined) return { verdict: rule.verdict, reason: "rule", rule };
  return { verdict: list.defaultVerdict, reason: "default" };
}

export interface FirewallDecision {
  readonly verdict: Verdict;
  readonly reason: DecisionReason;
  /** The rule that decided, when reason is "rule". */
  readonly rule?: CompiledFirewallRule;
}

/** A firewall-mode resource: inbound by its firewall's list, outbound always accepted (reason "default"). */
export function evaluateFirewallPacket(
  list: FirewallList,
  packet: Packet,
  options: EvaluateOptions = {},
): FirewallDecision {
  const peer = peerOf(packet, options);
  if (peer === "service") return { verdict: "Accept", reason: "service-network" };
  if (packet.direction === "Egress") return { verdict: "Accept", reason: "default" };
  const rule = list.rules.find((candidate) => ruleMatches(candidate, packet, peer, () => []));
  if (rule !== undefined) return { verdict: rule.verdict, reason: "rule", rule };
  return { verdict: list.defaultVerdict, reason: "default" };
}

function peerOf(packet: Packet, options: EvaluateOptions): { family: 4 | 6; address: string } | "service" {
  const peer = canonicalAddress(packet.peer);
  if (peer === undefined) throw new TypeError(`evaluatePacket: '${packet.peer}' is not an IP address`);
  const service = options.serviceNetworks ?? [SERVICE_NETWORK];
  return service.some((cidr) => blockContains(cidr, peer.address)) ? "service" : peer;
}

function ruleMatches(
  rule: Match,
  packet: Packet,
  peer: { family: 4 | 6; address: string },
  membersOf: MembersOf,
): boolean {
  if (rule.family !== peer.family) return false;
  const protocol = packet.protocol.toLowerCase();
  if (rule.protocol !== "all" && rule.protocol !== protocol) return false;
  if ((protocol === "tcp" || protocol === "udp") && !portsContain(rule.ports, packet.port ?? 0)) return false;
  if (rule.cidrs.some((cidr) => blockContains(cidr, peer.address))) return true;
  return rule.remoteGroups.some((group) => membersOf(group, peer.family).includes(peer.address));
}
