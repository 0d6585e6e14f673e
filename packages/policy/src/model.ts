// The vocabulary of enforcement (docs/enforcement.md): what the compiler reads, what it produces, what a packet is.

export type Direction = "Ingress" | "Egress";
export type Verdict = "Accept" | "Drop";
export type Family = 4 | 6;
/** The protocols a compiled rule can match: the API's ProtocolType, lower-cased as nftables spells them. */
export type MatchProtocol = "tcp" | "udp" | "icmp" | "icmpv6" | "all";

/** A stored rule, in the API's spelling (DescribeSecGroup, the feed's Rule state). */
export interface RuleInput {
  readonly RuleId: string;
  readonly SecGroupId: string;
  readonly Direction: string;
  readonly ProtocolType: string;
  readonly DstPort: string;
  readonly IPRange: string;
  readonly Priority: number;
  readonly RuleAction: string;
  readonly IPVersion: string;
}

/** One group bound to the resource being compiled. */
export interface BindingInput {
  readonly SecGroupId: string;
  readonly Priority: number;
}

/** What the compiler needs to know of the world around one resource. */
export interface PolicyWorld {
  /** The resource's bindings, in any order. */
  readonly bindings: readonly BindingInput[];
  /** Every rule of a group, in any order (both directions). */
  rulesOf(secGroupId: string): readonly RuleInput[];
}

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** What a compiled rule matches and what it does, whether a group's rule or a firewall's. */
export interface Match {
  readonly family: Family;
  /** gre only in a firewall rule (security-group rules have no GRE protocol; their ALL matches it). */
  readonly protocol: MatchProtocol | "gre";
  /** TCP/UDP: the destination ports, sorted and merged; undefined: every port (or a protocol without ports). */
  readonly ports?: readonly PortRange[];
  /** Address blocks of the rule's family, as network/prefix, none inside another (nftables refuses overlaps). */
  readonly cidrs: readonly string[];
  /** Groups whose members' current addresses the rule also matches (none for a firewall rule). */
  readonly remoteGroups: readonly string[];
  readonly verdict: Verdict;
}

/** One rule of a decision list, ready to match: only what can match packets of its own family is left. */
export interface CompiledRule extends Match {
  readonly secGroupId: string;
  readonly ruleId: string;
  readonly groupPriority: number;
  readonly rulePriority: number;
  readonly protocol: MatchProtocol;
  /** Groups whose members' current addresses the rule also matches (the API allows only the rule's own group). */
  readonly remoteGroups: readonly string[];
}

/** One direction of one resource: the first rule that matches decides, else the default. */
export interface DecisionList {
  readonly direction: Direction;
  readonly rules: readonly CompiledRule[];
  readonly defaultVerdict: Verdict;
}

export interface DecisionLists {
  readonly ingress: DecisionList;
  readonly egress: DecisionList;
}

/** UCloud's service network: never blocked (enforcement.md §1.6). */
export const SERVICE_NETWORK = "100.64.0.0/10";

/** A packet as the evaluator is asked about it, seen from the resource. */
export interface Packet {
  readonly direction: Direction;
  /** TCP, UDP, ICMP (v4), ICMPv6 or GRE. */
  readonly protocol: "TCP" | "UDP" | "ICMP" | "ICMPv6" | "GRE";
  /** TCP/UDP destination port (in the packet's direction); ignored for ICMP. */
  readonly port?: number;
  /** The other end: the source of an ingress packet, the destination of an egress one. */
  readonly peer: string;
}

export type DecisionReason = "rule" | "default" | "service-network";

export interface Decision {
  readonly verdict: Verdict;
  readonly reason: DecisionReason;
  /** The rule that decided, when reason is "rule". */
  readonly rule?: CompiledRule;
}

/** Addresses of the resources bound to a group, of one family, canonical (see addresses.ts). */
export type MembersOf = (secGroupId: string, family: Family) => readonly string[];
