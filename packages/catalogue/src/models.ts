// Response models of the family (secgroup-api.md §3.17) and request sub-objects, as schemas with derived types.
import { type Static, Type } from "@sinclair/typebox";
import {
  BindingPriority,
  Direction,
  DstPort,
  Id,
  IPRange,
  IPVersion,
  ProtocolType,
  Remark,
  RuleAction,
  RulePriority,
} from "./fields.ts";

const S = (description: string) => Type.String({ description });
const I = (description: string) => Type.Integer({ description });

export const SecGroupRuleInfo = Type.Object(
  {
    RuleId: S("Rule id (UUID)."),
    Direction: S("Ingress or Egress."),
    IPRange: S("Source (Ingress) or destination (Egress) addresses."),
    Priority: I("Rule priority 1-200."),
    ProtocolType: S("TCP, UDP, ICMP, ICMPv6 or ALL."),
    DstPort: S("Destination ports."),
    RuleAction: S("Accept or Drop."),
    Remark: S("Remark."),
    IPVersion: S("IPv4 or IPv6."),
  },
  { description: "One rule of a security group." },
);

export const SecGroupInfo = Type.Object(
  {
    SecGroupId: S("Security group id."),
    Name: S("Name."),
    VPCId: S("VPC of the group."),
    Account: I("Numeric id of the owning account (the company id)."),
    Tag: S("Business group (default 'Default')."),
    Remark: S("Remark."),
    Type: S("'user defined', 'recommend web' or 'recommend non web'."),
    CreateTime: I("Creation time, Unix seconds."),
    Rule: Type.Array(SecGroupRuleInfo, { description: "Rules, Ingress first, then by Priority." }),
  },
  { description: "A security group with its rules." },
);

export const SecGroupResourceInfo = Type.Object(
  {
    Zone: I("Numeric zone id of the resource (0 when unknown)."),
    Name: S("Resource name."),
    PrivateIp: S("Private IP of the resource."),
    ResourceId: S("Resource id."),
    ResourceType: S("Resource type (uhost, uni, upm, unatgw, ...)."),
    SubResourceId: S("NIC the binding is on ('' when bound directly)."),
    SubResourceName: S("Name of that NIC."),
    SubResourceType: S("Type of that NIC ('uni' or '')."),
    Tag: S("Business group of the resource."),
  },
  { description: "A resource bound to a security group." },
);

export const BindingSecGroupInfo = Type.Object(
  {
    SecGroupId: S("Security group id."),
    Name: S("Group name."),
    VPCId: S("Group VPC."),
    Priority: I("Binding priority 1-5."),
  },
  { description: "A group bound to a resource, with its binding priority." },
);

export const SecGroupSimpleInfo = Type.Object(
  { SecGroupId: S("Security group id."), Name: S("Group name.") },
  { description: "A group, by id and name." },
);

export const ResourceSecgroupInfo = Type.Object(
  {
    ResourceId: S("NIC id."),
    Count: I("Number of groups bound to the NIC."),
    SecGroupInfo: Type.Array(SecGroupSimpleInfo, { description: "Groups bound to the NIC." }),
  },
  { description: "The groups of one NIC of a resource." },
);

export const ResourceExInfo = Type.Object(
  {
    SuperResourceId: S("Parent resource id ('' when none)."),
    SuperResourceName: S("Parent resource name."),
    ResourceName: S("Resource name."),
    IP: Type.Array(Type.String(), { description: "Private IPs." }),
    EIP: Type.Array(Type.String(), { description: "Public IPs." }),
    Uni: Type.Array(ResourceSecgroupInfo, { description: "Per-NIC bindings." }),
  },
  { description: "Extra information about a resource." },
);

export const ResourceSecgroupInfoEx = Type.Object(
  {
    ResourceId: S("Resource id."),
    ResourceName: S("Resource name."),
    Count: I("Number of groups bound to the resource itself."),
    SecGroupInfo: Type.Array(BindingSecGroupInfo, { description: "Bound groups, by Priority." }),
    PermitAssociate: Type.Boolean({ description: "Whether groups may be bound (SecGroup mode)." }),
    ExInfo: ResourceExInfo,
  },
  { description: "A resource with the groups bound to it." },
);

export const PrioritySecGroup = Type.Object(
  { SecGroupId: Id("Security group id."), Priority: BindingPriority },
  { description: "A group and its binding priority." },
);

const ruleFields = {
  Direction,
  ProtocolType,
  // Optional on the wire: ICMP/ALL rules may leave it empty and Go drops empty strings; the domain requires it
  // for TCP/UDP (220 Rule.N.DstPort).
  DstPort: Type.Optional(DstPort),
  IPRange,
  Priority: RulePriority,
  RuleAction,
  Remark: Type.Optional(Remark),
  IPVersion: Type.Optional(IPVersion),
};

export const RuleInput = Type.Object(ruleFields, { description: "A rule to create (§3.1)." });
export const RuleUpdateInput = Type.Object(
  { RuleId: Id("Rule to replace."), ...ruleFields },
  { description: "A rule to replace, in full (§3.1)." },
);

export type SecGroupInfo = Static<typeof SecGroupInfo>;
export type SecGroupRuleInfo = Static<typeof SecGroupRuleInfo>;
export type SecGroupResourceInfo = Static<typeof SecGroupResourceInfo>;
export type ResourceSecgroupInfoEx = Static<typeof ResourceSecgroupInfoEx>;
export type BindingSecGroupInfo = Static<typeof BindingSecGroupInfo>;
export type RuleInput = Static<typeof RuleInput>;
export type RuleUpdateInput = Static<typeof RuleUpdateInput>;
export type PrioritySecGroup = Static<typeof PrioritySecGroup>;

// UNet firewall family (issue 20): the older "security group" the Terraform provider manages.

export const FirewallRuleSet = Type.Object(
  {
    SrcIP: S("Source address or CIDR block (IPv4)."),
    Priority: S("HIGH, MEDIUM or LOW."),
    ProtocolType: S("TCP, UDP, ICMP or GRE."),
    DstPort: S("Destination port or from-to range ('' for ICMP and GRE)."),
    RuleAction: S("ACCEPT or DROP."),
    Remark: S("Remark of the rule ('' when none)."),
  },
  { description: "One rule of a firewall, as written." },
);

export const FirewallDataSet = Type.Object(
  {
    FWId: S("Firewall id."),
    GroupId: S("Legacy group id (deprecated by UCloud): the FWId."),
    Name: S("Name."),
    Tag: S("Business group (default 'Default')."),
    Remark: S("Remark."),
    ResourceCount: I("Number of resources the firewall is granted to."),
    CreateTime: I("Creation time, Unix seconds (0 for a project's default firewalls)."),
    Type: S("'user defined', 'recommend web' or 'recommend non web'."),
    Rule: Type.Array(FirewallRuleSet, { description: "Rules, in the order they were written." }),
  },
  { description: "A firewall with its rules." },
);

export const FirewallResourceSet = Type.Object(
  {
    Zone: I("Numeric zone id (0 when unknown)."),
    Name: S("Resource name."),
    PrivateIP: S("Private IP ('' when unknown)."),
    Remark: S("Remark ('': sgplane keeps none for resources)."),
    ResourceID: S("Resource the firewall is granted to."),
    ResourceType: S("Its type (uhost, ulb, unatgw, uni, ...)."),
    Status: I("Always 1 (sgplane keeps no resource state)."),
    Tag: S("Business group ('Default')."),
    SubResourceId: S("'' (a NIC is granted as a resource of its own)."),
    SubResourceName: S("''."),
    SubResourceType: S("''."),
  },
  { description: "A resource a firewall is granted to." },
);

export type FirewallDataSet = Static<typeof FirewallDataSet>;
export type FirewallRuleSet = Static<typeof FirewallRuleSet>;
export type FirewallResourceSet = Static<typeof FirewallResourceSet>;
