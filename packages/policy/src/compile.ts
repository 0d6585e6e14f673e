// The policy compiler (enforcement.md §1–3): a resource's bindings and their groups' rules as one ordered decision
// list per direction. The server's evaluator and the agent's nftables renderer both read its output, and nothing
// else decides what a packet gets.
import { minimalBlocks, parseBlock } from "./addresses.ts";
import type {
  CompiledRule,
  DecisionList,
  DecisionLists,
  Direction,
  Family,
  MatchProtocol,
  PolicyWorld,
  RuleInput,
} from "./model.ts";
import { parsePortList } from "./ports.ts";

const DEFAULT_VERDICT = { Ingress: "Drop", Egress: "Accept" } as const;

export function compileDecisionLists(world: PolicyWorld): DecisionLists {
  return { ingress: compileDirection(world, "Ingress"), egress: compileDirection(world, "Egress") };
}

export function compileDirection(world: PolicyWorld, direction: Direction): DecisionList {
  const bindings = [...world.bindings].sort((a, b) => a.Priority - b.Priority);
  const rules: CompiledRule[] = [];
  for (const binding of bindings) {
    const own = world
      .rulesOf(binding.SecGroupId)
      .filter((rule) => rule.Direction.toLowerCase() === direction.toLowerCase())
      .sort((a, b) => a.Priority - b.Priority);
    for (const rule of own) {
      const compiled = compileRule(rule, binding.Priority);
      if (compiled !== undefined) rules.push(compiled);
    }
  }
  return { direction, rules, defaultVerdict: DEFAULT_VERDICT[direction] };
}

/** One rule as it matches packets; undefined when it can match none (no address of its family, an ICMP of the other). */
export function compileRule(rule: RuleInput, groupPriority: number): CompiledRule | undefined {
  const family: Family = rule.IPVersion.toLowerCase() === "ipv6" ? 6 : 4;
  const protocol = matchProtocol(rule.ProtocolType, family);
  if (protocol === undefined) return undefined;
  const cidrs: string[] = [];
  const remoteGroups: string[] = [];
  for (const item of rule.IPRange.split(",").map((part) => part.trim())) {
    if (item === rule.SecGroupId) {
      if (!remoteGroups.includes(item)) remoteGroups.push(item);
      continue;
    }
    const block = parseBlock(item);
    if (block !== undefined && block.family === family) cidrs.push(block.cidr);
  }
  if (cidrs.length === 0 && remoteGroups.length === 0) return undefined;
  const base = {
    secGroupId: rule.SecGroupId,
    ruleId: rule.RuleId,
    groupPriority,
    rulePriority: rule.Priority,
    family,
    protocol,
    cidrs: minimalBlocks(cidrs),
    remoteGroups,
    verdict: rule.RuleAction.toLowerCase() === "drop" ? ("Drop" as const) : ("Accept" as const),
  };
  if (protocol !== "tcp" && protocol !== "udp") return base;
  const ports = parsePortList(rule.DstPort);
  if (ports === undefined) return base;
  return ports.length === 0 ? undefined : { ...base, ports };
}

function matchProtocol(protocolType: string, family: Family): MatchProtocol | undefined {
  switch (protocolType.toUpperCase()) {
    case "TCP":
      return "tcp";
    case "UDP":
      return "udp";
    case "ALL":
      return "all";
    // ICMP is ICMPv4 and ICMPv6 is ICMPv6: in a rule of the other IP version they match nothing.
    case "ICMP":
      return family === 4 ? "icmp" : undefined;
    case "ICMPV6":
      return family === 6 ? "icmpv6" : undefined;
    default:
      return undefined;
  }
}
