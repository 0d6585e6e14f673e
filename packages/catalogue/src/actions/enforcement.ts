// The server-side evaluator (docs/enforcement.md): what a resource's groups, or its UNet firewall, do to one packet,
// and the decision lists they compile to. sgplane extensions: UCloud's API has neither.
import { Type } from "@sinclair/typebox";
import { defineAction } from "../action-spec.ts";
import {
  DIRECTIONS,
  Enum,
  Id,
  IP_VERSIONS,
  PACKET_PROTOCOLS,
  PROTOCOLS,
  RULE_ACTIONS,
  SECURITY_MODES,
  Text,
} from "../fields.ts";

const EXTENSION =
  "A sgplane extension, not in UCloud's API. It reads the same compiler the agent renders a host's nftables from " +
  "(docs/enforcement.md): the resource's bindings by binding priority, inside each group the rules of the " +
  "direction by rule priority, one list; the first rule that matches decides, and with none Ingress is dropped " +
  "and Egress accepted.";

const ALWAYS = "Peers in 100.64.0.0/10 (UCloud's service network) are always accepted, in either mode.";

const FIREWALL_MODE =
  "A resource in Firewall mode is filtered by the UNet firewall granted to it instead: inbound only, its rules " +
  "HIGH before MEDIUM before LOW, inside one priority DROP before ACCEPT, then in the order DescribeFirewall lists " +
  "them; the first rule that matches decides, and with none the packet is dropped. Outbound is always accepted. " +
  "With no firewall granted, every new inbound connection is dropped. Firewall rules are IPv4: inbound IPv6 is " +
  "dropped (docs/enforcement.md, Firewall mode).";

const REMOTE =
  "A rule whose IPRange names its own group matches the current addresses (private IP and EIPs) of every resource " +
  "bound to that group, as they are when the call is answered.";

const S = (description: string) => Type.String({ description });
const I = (description: string) => Type.Integer({ description });
const Verdict = (description: string) => Enum(RULE_ACTIONS, { description });

export const CheckSecGroupPacket = defineAction({
  name: "CheckSecGroupPacket",
  summary: "Say whether a resource's security groups (or firewall) accept or drop one packet, and which rule decides.",
  mutates: false,
  input: {
    ResourceId: Id("The resource the packet goes to (Ingress) or comes from (Egress)."),
    Direction: Enum(DIRECTIONS, { description: "Ingress: a packet to the resource; Egress: a packet from it." }),
    ProtocolType: Enum(PACKET_PROTOCOLS, {
      description: "TCP, UDP, ICMP (IPv4), ICMPv6 or GRE (security-group rules match GRE by ALL only).",
    }),
    Port: Type.Optional(
      Type.Integer({
        description: "Destination port of the packet: required for TCP and UDP, ignored for ICMP, ICMPv6 and GRE.",
        minimum: 1,
        maximum: 65535,
      }),
    ),
    PeerIp: Text(
      "The other end, one IPv4 or IPv6 address: the source of an Ingress packet, the destination of an Egress one.",
      64,
    ),
  },
  output: {
    Verdict: Verdict("Accept or Drop: what the packet gets."),
    Reason: Enum(["Rule", "Default", "ServiceNetwork"], {
      description:
        "Rule: a rule matched; Default: none did (the direction's default); ServiceNetwork: the peer is in " +
        "100.64.0.0/10, never filtered.",
    }),
    SecurityMode: Enum(SECURITY_MODES, {
      description:
        "What filters the resource: SecGroup, its security groups; Firewall, the UNet firewall granted to it.",
    }),
    SecGroupId: Type.Optional(S("Reason Rule, SecGroup mode: the group of the rule that decided.")),
    RuleId: Type.Optional(S("Reason Rule, SecGroup mode: the rule that decided.")),
    GroupPriority: Type.Optional(I("Reason Rule, SecGroup mode: the priority the group is bound at on the resource.")),
    RulePriority: Type.Optional(I("Reason Rule, SecGroup mode: the rule's priority in its group.")),
    FWId: Type.Optional(S("Firewall mode: the firewall granted to the resource (absent when none is).")),
    RuleIndex: Type.Optional(
      I(
        "Reason Rule, Firewall mode: the rule's place in the firewall's Rule list, 0 first, as DescribeFirewall lists it.",
      ),
    ),
    FirewallRule: Type.Optional(
      S("Reason Rule, Firewall mode: the rule as stored, PROTOCOL|PORT|CIDR|ACTION|PRIORITY[|remark]."),
    ),
    RuleSummary: Type.Optional(S("Reason Rule: the rule as it matches, e.g. TCP 22 from 0.0.0.0/0.")),
    Explanation: S("The answer as one sentence, e.g. Drop by rule 5 of secgroup-x (bound at priority 1): …"),
  },
  errors: ["ResourceNotFound"],
  notes: [
    EXTENSION,
    ALWAYS,
    FIREWALL_MODE,
    REMOTE,
    "Port is required for TCP and UDP (220) and ignored for ICMP, ICMPv6 and GRE, which have none. PeerIp is one " +
      "address, not a block; ICMP needs an IPv4 peer and ICMPv6 an IPv6 one (230 PeerIp otherwise).",
    "The answer is for the first packet of a connection: replies of an accepted connection pass in the other " +
      "direction whatever the rules say (the agent tracks connections).",
  ],
});

const PolicyRule = Type.Object(
  {
    SecGroupId: S("The group the rule belongs to."),
    RuleId: S("Rule id."),
    GroupPriority: I("The priority the group is bound at on the resource."),
    RulePriority: I("The rule's priority in its group."),
    IPVersion: Enum(IP_VERSIONS, { description: "IPv4 or IPv6: the packets it can match." }),
    ProtocolType: Enum(PROTOCOLS, { description: "TCP, UDP, ICMP, ICMPv6 or ALL." }),
    Ports: S("TCP/UDP: ALL, or the destination ports sorted and merged (22,80-90); '' for other protocols."),
    IPRange: S(
      "What the peer must be: address blocks of the rule's IP version as network/prefix (none inside another), " +
        "and the group's own id for its members' addresses; comma-separated.",
    ),
    RuleAction: Verdict("Accept or Drop."),
  },
  { description: "One rule of a decision list, as it matches packets." },
);

const DecisionList = (direction: string) =>
  Type.Object(
    {
      Rules: Type.Array(PolicyRule, {
        description:
          "The rules in evaluation order (group priority, then rule priority); rules that can match no packet " +
          "(no address of their IP version, an ICMP rule of the other version, no valid port) are left out.",
      }),
      Default: Verdict("What a packet that no rule matches gets."),
    },
    { description: `${direction}: the ordered rules (Rules) and the verdict when none matches (Default).` },
  );

const FirewallRuleItem = Type.Object(
  {
    Index: I("The rule's place in the firewall's Rule list, 0 first (DescribeFirewall's order)."),
    Rule: S("The rule as stored: PROTOCOL|PORT|CIDR|ACTION|PRIORITY[|remark]."),
    Priority: Enum(["HIGH", "MEDIUM", "LOW"], { description: "HIGH, MEDIUM or LOW." }),
    ProtocolType: Enum(["TCP", "UDP", "ICMP", "GRE"], { description: "TCP, UDP, ICMP or GRE." }),
    Ports: S("TCP/UDP: the destination ports (22, 8000-8080); '' for ICMP and GRE."),
    SrcIP: S("The source block, as network/prefix."),
    RuleAction: Verdict("Accept or Drop."),
  },
  { description: "One firewall rule, as it matches inbound packets." },
);

const FirewallList = Type.Object(
  {
    FWId: Type.Optional(S("The firewall granted (absent when none is: every new inbound connection is dropped).")),
    Rules: Type.Array(FirewallRuleItem, {
      description: "Inbound, in evaluation order: HIGH, MEDIUM, LOW; inside one priority DROP first, then list order.",
    }),
    Default: Verdict("What an inbound packet that no rule matches gets: Drop. Outbound is always accepted."),
  },
  { description: "Firewall mode: the inbound list of the firewall granted to the resource." },
);

export const DescribeResourcePolicy = defineAction({
  name: "DescribeResourcePolicy",
  summary:
    "Show the decision lists a resource's security groups (or firewall) compile to: ordered rules and default, per direction.",
  mutates: false,
  input: { ResourceId: Id("The resource.") },
  output: {
    Filtered: Type.Boolean({
      description:
        "false: the resource is in Firewall mode, its security groups do not filter it (Ingress and Egress are " +
        "empty lists that accept); its firewall does (Firewall).",
    }),
    SecurityMode: Enum(SECURITY_MODES, { description: "SecGroup or Firewall: what filters the resource." }),
    Firewall: Type.Optional(FirewallList),
    ServiceNetwork: S(
      "Peers never filtered in either direction, comma-separated: UCloud's service network 100.64.0.0/10 unless the server is started with --service-network.",
    ),
    Ingress: DecisionList("Packets to the resource, matched by source"),
    Egress: DecisionList("Packets from the resource, matched by destination"),
  },
  errors: ["ResourceNotFound"],
  notes: [
    EXTENSION,
    ALWAYS,
    REMOTE,
    "Ingress and Egress are each { Rules: [{ SecGroupId, RuleId, GroupPriority, RulePriority, IPVersion, " +
      "ProtocolType, Ports, IPRange, RuleAction }], Default }. CheckSecGroupPacket answers one packet against them.",
    FIREWALL_MODE,
    "In Firewall mode, Firewall is { FWId, Rules: [{ Index, Rule, Priority, ProtocolType, Ports, SrcIP, " +
      "RuleAction }], Default }: the inbound list in evaluation order.",
  ],
});
