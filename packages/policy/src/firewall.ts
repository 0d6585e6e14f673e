// The UNet firewall's rule model (docs/enforcement.md, "Firewall mode"): the firewall granted to a resource as one
// ordered inbound list. HIGH before MEDIUM before LOW; inside one priority DROP before ACCEPT (UCloud documents no
// order there, so the verdict must not depend on the order rules were listed), then the order of the list. No rule
// matches: dropped. Outbound is never filtered (a firewall rule names a source only). The evaluator and the agent's
// nftables renderer both read this list.
import { parseBlock } from "./addresses.ts";
import { type FirewallPriority, parseFirewallRule } from "./firewall-rule.ts";
import type { Match, PortRange } from "./model.ts";
import { parsePortList } from "./ports.ts";

/** A firewall as the feed and DescribeFirewall carry it: its rules as wire strings, in order. */
export interface FirewallInput {
  readonly FWId: string;
  readonly Rules: readonly string[];
}

export interface CompiledFirewallRule extends Match {
  readonly fwId: string;
  /** The rule's place in the firewall's list (DescribeFirewall's order, 0 first). */
  readonly index: number;
  /** The rule as stored: PROTOCOL|PORT|CIDR|ACTION|PRIORITY[|remark]. */
  readonly text: string;
  readonly priority: FirewallPriority;
  readonly protocol: "tcp" | "udp" | "icmp" | "gre";
  readonly remoteGroups: readonly [];
}

/** A firewall-mode resource's inbound list: the first rule that matches decides, else Drop. */
export interface FirewallList {
  /** The firewall granted; undefined when none is (then no rule, and every new inbound connection is dropped). */
  readonly fwId?: string;
  readonly rules: readonly CompiledFirewallRule[];
  readonly defaultVerdict: "Drop";
}

const RANK: Readonly<Record<FirewallPriority, number>> = { HIGH: 0, MEDIUM: 1, LOW: 2 };

export function compileFirewall(firewall: FirewallInput | undefined): FirewallList {
  if (firewall === undefined) return { rules: [], defaultVerdict: "Drop" };
  const rules = firewall.Rules.flatMap((text, index) => {
    const rule = compileFirewallRule(firewall.FWId, text, index);
    return rule === undefined ? [] : [rule];
  });
  rules.sort(
    (a, b) =>
      RANK[a.priority] - RANK[b.priority] ||
      Number(a.verdict === "Accept") - Number(b.verdict === "Accept") ||
      a.index - b.index,
  );
  return { fwId: firewall.FWId, rules, defaultVerdict: "Drop" };
}

/** One stored rule as it matches packets; undefined for a string the parser refuses (the API never stores one). */
export function compileFirewallRule(fwId: string, text: string, index: number): CompiledFirewallRule | undefined {
  const rule = parseFirewallRule(text);
  if ("problem" in rule) return undefined;
  const block = parseBlock(rule.cidr);
  if (block === undefined) return undefined;
  let ports: PortRange[] | undefined;
  if (rule.protocol === "TCP" || rule.protocol === "UDP") {
    ports = parsePortList(rule.port);
    if (ports?.length === 0) return undefined;
  }
  return {
    fwId,
    index,
    text,
    priority: rule.priority,
    family: block.family,
    protocol:
      rule.protocol === "TCP" ? "tcp" : rule.protocol === "UDP" ? "udp" : rule.protocol === "ICMP" ? "icmp" : "gre",
    ...(ports !== undefined && { ports }),
    cidrs: [block.cidr],
    remoteGroups: [],
    verdict: rule.action === "DROP" ? "Drop" : "Accept",
  };
}
