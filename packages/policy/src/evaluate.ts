// The evaluator: the verdict a decision list gives one packet, and the rule that gave it. It reads the compiler's
// output only, so it answers what the agent's ruleset does (the differential test holds the two together).
import { blockContains, canonicalAddress } from "./addresses.ts";
import {
  type CompiledRule,
  type Decision,
  type DecisionList,
  type MembersOf,
  type Packet,
  SERVICE_NETWORK,
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
  const peer = canonicalAddress(packet.peer);
  if (peer === undefined) throw new TypeError(`evaluatePacket: '${packet.peer}' is not an IP address`);
  const service = options.serviceNetworks ?? [SERVICE_NETWORK];
  if (service.some((cidr) => blockContains(cidr, peer.address)))
    return { verdict: "Accept", reason: "service-network" };
  const rule = list.rules.find((candidate) => ruleMatches(candidate, packet, peer, membersOf));
  if (rule !== undefined) return { verdict: rule.verdict, reason: "rule", rule };
  return { verdict: list.defaultVerdict, reason: "default" };
}

function ruleMatches(
  rule: CompiledRule,
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
