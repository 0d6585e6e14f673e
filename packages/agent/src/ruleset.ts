// The host's desired ruleset: a chain per group and direction (its rules in priority order), a chain per firewall
// (its inbound list, as the policy compiler orders it), a chain per resource and direction (always-allowed traffic,
// then a jump to each bound group by binding priority, or to its firewall, then the default), an address set per
// remote group, and the interface maps that send packets to a resource's chains. The first matching rule ends the
// walk, so the chains give exactly the policy compiler's decision lists. Group and firewall chains and sets are
// cached and rebuilt only when a change made them stale: a single binding or grant change renders a few lines.
import {
  type CompiledFirewallRule,
  type CompiledRule,
  canonicalAddress,
  compileDirection,
  compileFirewall,
  type Direction,
  groupAddresses,
  parseBlock,
  SERVICE_NETWORK,
} from "@sgplane/policy";
import { firewallChain, groupChain, memberSet, resourceChain } from "./nft-names.ts";
import type { Stale, World } from "./world.ts";

export interface HostEntry {
  readonly resourceId: string;
  /** The host-side interface of the resource (its tap / veth). */
  readonly ifname: string;
}

export interface SetSpec {
  readonly family: 4 | 6;
  readonly elements: readonly string[];
}

export interface Ruleset {
  /** Regular chains: name → rule lines. */
  readonly chains: ReadonlyMap<string, readonly string[]>;
  readonly sets: ReadonlyMap<string, SetSpec>;
  /** Interface → the chain of packets going to the resource (its ingress). */
  readonly ingress: ReadonlyMap<string, string>;
  /** Interface → the chain of packets coming from the resource (its egress). */
  readonly egress: ReadonlyMap<string, string>;
}

export const emptyRuleset = (): Ruleset => ({
  chains: new Map(),
  sets: new Map(),
  ingress: new Map(),
  egress: new Map(),
});

export interface RulesetOptions {
  /** Never filtered, either way (default: UCloud's service network, 100.64.0.0/10). */
  readonly serviceNetworks?: readonly string[];
}

interface GroupChains {
  readonly ingress: readonly string[];
  readonly egress: readonly string[];
  /** The member sets its rules name. */
  readonly sets: ReadonlySet<string>;
}

// Neighbour discovery keeps IPv6 working at all; like Neutron, it is allowed before any rule.
const NDP = "icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept";

export class RulesetBuilder {
  readonly #groups = new Map<string, GroupChains>();
  readonly #firewalls = new Map<string, readonly string[]>();
  readonly #sets = new Map<string, SetSpec>();
  /**
   * Per resource, its chains and what they were made for (the bound groups in order, or the firewall granted): reused
   * while that stays.
   */
  readonly #resourceChains = new Map<string, { madeFor: string; ingress: string[]; egress: string[] }>();
  readonly #service: { ingress: string[]; egress: string[] };

  constructor(
    readonly host: readonly HostEntry[],
    options: RulesetOptions = {},
  ) {
    const blocks = (options.serviceNetworks ?? [SERVICE_NETWORK]).map((cidr) => {
      const block = parseBlock(cidr);
      if (block === undefined) throw new Error(`service network '${cidr}' is not a CIDR`);
      return block;
    });
    const line = (field: "saddr" | "daddr") =>
      blocks.map((b) => `${b.family === 4 ? "ip" : "ip6"} ${field} ${b.cidr} accept comment "service network"`);
    this.#service = { ingress: line("saddr"), egress: line("daddr") };
  }

  /** The whole desired ruleset; only what `stale` names (everything, for "all") is computed again. */
  build(world: World, stale: Stale | "all"): Ruleset {
    if (stale === "all") {
      this.#groups.clear();
      this.#firewalls.clear();
      this.#sets.clear();
      this.#resourceChains.clear();
    } else {
      for (const id of stale.rules) this.#groups.delete(id);
      for (const id of stale.firewalls) this.#firewalls.delete(id);
      for (const id of stale.members) {
        this.#sets.delete(memberSet(id, 4));
        this.#sets.delete(memberSet(id, 6));
      }
    }
    const chains = new Map<string, readonly string[]>();
    const sets = new Map<string, SetSpec>();
    const ingress = new Map<string, string>();
    const egress = new Map<string, string>();
    for (const { resourceId, ifname } of this.host) {
      const resource = world.resource(resourceId);
      const inChain = resourceChain(resourceId, "in");
      const outChain = resourceChain(resourceId, "out");
      if (resource?.SecurityMode === "Firewall") {
        const fwId = world.firewallOf(resourceId);
        const own = this.#resourceOwn(resourceId, `firewall ${fwId ?? ""}`, () => ({
          ingress: [
            ...this.#service.ingress,
            NDP,
            ...(fwId === undefined ? [] : [`jump ${firewallChain(fwId)}`]),
            `drop comment "default: ingress"`,
          ],
          // A UNet firewall names sources only: it filters nothing outbound.
          egress: [`accept comment "firewall mode: egress"`],
        }));
        chains.set(inChain, own.ingress);
        chains.set(outChain, own.egress);
        if (fwId !== undefined) chains.set(firewallChain(fwId), this.#firewall(world, fwId));
      } else {
        // An unknown resource (deregistered since) is filtered with no group: its interface stays closed to new
        // inbound connections rather than open.
        if (resource !== undefined && resource.SecurityMode !== "SecGroup") continue;
        const bindings = resource === undefined ? [] : world.bindingsOf(resourceId);
        const own = this.#resourceOwn(resourceId, bindings.map((b) => b.SecGroupId).join(" "), () => ({
          ingress: [
            ...this.#service.ingress,
            NDP,
            ...bindings.map((b) => `jump ${groupChain(b.SecGroupId, "in")}`),
            `drop comment "default: ingress"`,
          ],
          egress: [
            ...this.#service.egress,
            NDP,
            ...bindings.map((b) => `jump ${groupChain(b.SecGroupId, "out")}`),
            `accept comment "default: egress"`,
          ],
        }));
        chains.set(inChain, own.ingress);
        chains.set(outChain, own.egress);
        for (const { SecGroupId } of bindings) {
          const group = this.#group(world, SecGroupId);
          chains.set(groupChain(SecGroupId, "in"), group.ingress);
          chains.set(groupChain(SecGroupId, "out"), group.egress);
          for (const name of group.sets) sets.set(name, this.#set(world, name, SecGroupId));
        }
      }
      ingress.set(ifname, inChain);
      egress.set(ifname, outChain);
    }
    return { chains, sets, ingress, egress };
  }

  /** The resource's chains: the same arrays while what they were made for stays, so the diff passes over them. */
  #resourceOwn(
    resourceId: string,
    madeFor: string,
    make: () => { ingress: string[]; egress: string[] },
  ): { ingress: string[]; egress: string[] } {
    const cached = this.#resourceChains.get(resourceId);
    if (cached?.madeFor === madeFor) return cached;
    const own = { madeFor, ...make() };
    this.#resourceChains.set(resourceId, own);
    return own;
  }

  /** A firewall's inbound list as one chain; a firewall not seen (yet) has no rule, so its resources' default drops. */
  #firewall(world: World, fwId: string): readonly string[] {
    const cached = this.#firewalls.get(fwId);
    if (cached !== undefined) return cached;
    const firewall = world.firewall(fwId);
    const list = compileFirewall(firewall === undefined ? undefined : { FWId: fwId, Rules: firewall.Rules });
    const lines = list.rules.flatMap((rule) => ruleLines(rule, "Ingress"));
    this.#firewalls.set(fwId, lines);
    return lines;
  }

  #group(world: World, secGroupId: string): GroupChains {
    const cached = this.#groups.get(secGroupId);
    if (cached !== undefined) return cached;
    const sets = new Set<string>();
    const lines = (direction: Direction) =>
      compileDirection(
        { bindings: [{ SecGroupId: secGroupId, Priority: 1 }], rulesOf: (id) => world.rulesOf(id) },
        direction,
      ).rules.flatMap((rule) => ruleLines(rule, direction, sets));
    const group = { ingress: lines("Ingress"), egress: lines("Egress"), sets };
    this.#groups.set(secGroupId, group);
    return group;
  }

  #set(world: World, name: string, secGroupId: string): SetSpec {
    const cached = this.#sets.get(name);
    if (cached !== undefined) return cached;
    const family = name.startsWith("rg4_") ? 4 : 6;
    const spec = { family, elements: groupAddresses(world, secGroupId, family) } as const;
    this.#sets.set(name, spec);
    return spec;
  }
}

/**
 * Rules with few addresses and ports become one plain rule per (address block, port range): nft 1.0.x slows down
 * with every anonymous set in a table (each later change loads them all), so a set is used only where the plain
 * rules would be many. Every rule of one compiled rule has the same verdict, so their order among themselves is free.
 */
const EXPAND_UP_TO = 16;

/** One compiled rule as nftables rule lines (its address blocks, then its remote-group sets). */
export function ruleLines(
  rule: CompiledRule | CompiledFirewallRule,
  direction: Direction,
  sets?: Set<string>,
): string[] {
  const ip = rule.family === 4 ? "ip" : "ip6";
  const field = direction === "Ingress" ? "saddr" : "daddr";
  const origin = "fwId" in rule ? `${rule.fwId} rule ${rule.index}` : `${rule.secGroupId} ${rule.ruleId}`;
  const tail = `${rule.verdict === "Accept" ? "accept" : "drop"} comment "${origin}"`;
  const everything = rule.cidrs.some((cidr) => cidr.endsWith("/0"));
  const addresses: string[] = [];
  if (everything) addresses.push(`meta nfproto ipv${rule.family}`);
  else if (rule.cidrs.length > 0)
    addresses.push(...itemsOrSet(rule.cidrs.map(hostForm), `${ip} ${field} `, EXPAND_UP_TO));
  for (const group of rule.remoteGroups) {
    const name = memberSet(group, rule.family);
    sets?.add(name);
    addresses.push(`${ip} ${field} @${name}`);
  }
  const protocols = protocolMatches(rule, Math.max(1, Math.floor(EXPAND_UP_TO / Math.max(1, addresses.length))));
  return addresses.flatMap((address) =>
    protocols.map((match) => [address, match, tail].filter((part) => part !== "").join(" ")),
  );
}

function protocolMatches(rule: CompiledRule | CompiledFirewallRule, budget: number): string[] {
  switch (rule.protocol) {
    case "tcp":
    case "udp": {
      if (rule.ports === undefined) return [`meta l4proto ${rule.protocol}`];
      const ports = rule.ports.map((p) => (p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`));
      return itemsOrSet(ports, `${rule.protocol} dport `, budget);
    }
    case "icmp":
      return ["meta l4proto icmp"];
    case "icmpv6":
      return ["meta l4proto ipv6-icmp"];
    case "gre":
      return ["meta l4proto gre"];
    case "all":
      return [""];
  }
}

/** One match per item while they are few, else one match on an anonymous set of them. */
function itemsOrSet(items: readonly string[], prefix: string, limit: number): string[] {
  return items.length <= limit ? items.map((item) => `${prefix}${item}`) : [`${prefix}{ ${items.join(", ")} }`];
}

/** 198.18.1.2/32 as 198.18.1.2: how nftables lists it back. */
function hostForm(cidr: string): string {
  const [address, prefix] = cidr.split("/");
  const host = canonicalAddress(address ?? "");
  return host !== undefined && Number(prefix) === (host.family === 4 ? 32 : 128) ? host.address : cidr;
}
