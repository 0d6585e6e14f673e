// The UNet Firewall family (unet-api docs; the Go SDK's services/unet): what the official Terraform provider's
// ucloud_security_group and data.ucloud_security_groups call. Rules travel as strings, parsed by the server.
import { Type } from "@sinclair/typebox";
import { defineAction } from "../action-spec.ts";
import { Id, Limit, Offset, Text } from "../fields.ts";
import { FirewallDataSet, FirewallResourceSet } from "../models.ts";

const RULE_FORMAT =
  "PROTOCOL|PORT|CIDR|ACTION|PRIORITY[|remark]: TCP, UDP, ICMP or GRE | a port or from-to range 1-65535 (empty " +
  "for ICMP/GRE) | an IPv4 address or CIDR | ACCEPT or DROP | HIGH, MEDIUM or LOW | a remark of at most 64 characters";

/** Rule.N: the whole rule set, each rule one string (checked by the server: 230 naming Rule.N and the problem). */
const Rules = Type.Array(Text(`A rule: ${RULE_FORMAT}.`, 512), {
  description: "The rules, Rule.0, Rule.1, ... (at least one, at most 100).",
  maxItems: 100,
});

const FWId = Id("Firewall id.");
const ResourceType = Text("Resource type (uhost, ulb, unatgw, upm, uni, ...), compared case-insensitively.", 32);

const ruleNotes = [
  `Each rule: ${RULE_FORMAT}.`,
  "Decision: PROTOCOL, ACTION and PRIORITY are matched case-insensitively and stored and read in upper case; PORT, CIDR and the remark are stored and read back exactly as written (the Terraform provider lower-cases what it reads and compares it with its configuration).",
  "Decision: PORT is one port or a from-to range within 1-65535, without leading zeros; no lists, no ALL, no port 0 (UCloud's doc example 'TCP|0-56636' is refused). ICMP and GRE take an empty PORT, as the provider sends them; a port there is refused.",
  "Decision: CIDR is an IPv4 address or CIDR block (host bits may be set, as in UCloud's example 192.168.1.1/22); IPv6 is refused (the provider validates IPv4 only).",
  "Decision: the remark is optional (the provider sends five fields); everything after the fifth '|' is the remark, '|' included, at most 64 characters.",
  "Decision: 1 to 100 rules, kept in the order sent; repeated rules are kept. A bad rule answers 230 naming Rule.N (its position) and what is wrong; no rule is stored.",
  "Decision: what the rules do (docs/enforcement.md, Firewall mode; enforced by sgplane agent, explained by CheckSecGroupPacket): they filter inbound packets of the Firewall-mode resources the firewall is granted to, by source; HIGH before MEDIUM before LOW, and inside one priority DROP before ACCEPT (UCloud gives no order there, so the verdict does not depend on the order of Rule.N), then Rule.N order; the first rule that matches decides, and a packet no rule matches is dropped (UCloud: everything not listed is refused). Outbound is never filtered. UCloud filters Internet traffic to EIPs only; sgplane filters every new inbound connection, private peers included, and IPv6 inbound meets no rule (rules are IPv4), so it is dropped. Established connections survive a change.",
];

const firewallNotes = [
  "Decision: every project has, in every region, two default firewalls, 'recommend web' (TCP 22, 3389, 80, 443 and ICMP from anywhere) and 'recommend non web' (TCP 22, 3389 and ICMP), as UCloud accounts do. Their ids are derived from the scope, they are listed first (web, then non web), their CreateTime is 0, and they cannot be deleted (4358). A read never writes: they are shown as defined until a write first needs their row (GrantFirewall, UpdateFirewall, UpdateFirewallAttribute), which stores them as defined, then applies its change.",
  "Decision: a missing FWId answers 54002 (the Terraform provider reads 54002 or an empty DataSet as 'not there'). With ResourceId, the answer is the resource's firewall, or an empty DataSet when the resource is unknown in scope, in SecGroup mode, of another ResourceType, or has none (a Firewall-mode resource registered through the seed or admin actions starts without one); ResourceType without ResourceId is 220.",
  "Decision: GroupId (deprecated by UCloud) repeats the FWId; ResourceCount counts the resources the firewall is granted to; paging is Offset (default 0) and Limit (default 20, 0 means 20, no cap), TotalCount counting before paging.",
];

export const CreateFirewall = defineAction({
  name: "CreateFirewall",
  clientToken: true,
  summary: "Create a firewall (UNet) with its rules.",
  mutates: true,
  retrySafe: false,
  input: {
    Name: Text("Firewall name.", 64, { minLength: 1 }),
    Rule: Rules,
    Tag: Type.Optional(Text("Business group (default 'Default').", 64)),
    Remark: Type.Optional(Text("Remark (default '').", 256)),
  },
  output: { FWId: Type.String({ description: "The new firewall's id." }) },
  errors: [],
  notes: [...ruleNotes, "Decision: no firewall quota; the new firewall is 'user defined', Tag defaults to 'Default'."],
});

export const DescribeFirewall = defineAction({
  name: "DescribeFirewall",
  summary: "List firewalls with their rules: one by FWId, the one granted to a resource, or all, paged.",
  mutates: false,
  input: {
    FWId: Type.Optional(Id("Only this firewall (54002 when it does not exist).")),
    ResourceType: Type.Optional(ResourceType),
    ResourceId: Type.Optional(Id("Only the firewall granted to this resource (none: an empty DataSet).")),
    Offset: Type.Optional(Offset),
    Limit: Type.Optional(Limit),
  },
  output: {
    DataSet: Type.Array(FirewallDataSet, { description: "The firewalls: the two defaults first, then by creation." }),
    TotalCount: Type.Integer({ description: "Matches before paging." }),
  },
  errors: ["FirewallNotFound"],
  notes: firewallNotes,
});

export const UpdateFirewall = defineAction({
  name: "UpdateFirewall",
  summary: "Replace the whole rule set of a firewall.",
  mutates: true,
  input: { FWId, Rule: Rules },
  output: { FWId: Type.String({ description: "The firewall's id." }) },
  errors: ["FirewallNotFound"],
  notes: [
    ...ruleNotes,
    "The new rules replace every old one (UCloud: send them all); a default firewall's rules may be changed too.",
  ],
});

export const UpdateFirewallAttribute = defineAction({
  name: "UpdateFirewallAttribute",
  summary: "Change the name, tag or remark of a firewall.",
  mutates: true,
  input: {
    FWId,
    Name: Type.Optional(Text("New name (empty: unchanged).", 64)),
    Tag: Type.Optional(Text("New business group (empty: unchanged).", 64)),
    Remark: Type.Optional(Text("New remark (empty: unchanged).", 256)),
  },
  output: {},
  errors: ["FirewallNotFound"],
  notes: ["At least one of Name, Tag, Remark must be given, else 220 Missing params [Name]."],
});

export const DeleteFirewall = defineAction({
  name: "DeleteFirewall",
  summary: "Delete a firewall; one still granted to a resource, or a default one, cannot be deleted.",
  mutates: true,
  input: { FWId },
  output: {},
  errors: ["FirewallNotFound", "FirewallInUse", "DefaultFirewallUndeletable"],
  notes: [
    "Decision: the codes are UCloud's documented UNet ones: 4361 while granted to any resource (like a bound group), 4358 for a default firewall; 54002 when unknown.",
  ],
});

export const GrantFirewall = defineAction({
  name: "GrantFirewall",
  summary: "Apply a firewall to a firewall-mode resource, replacing the one it had.",
  mutates: true,
  input: { FWId, ResourceType, ResourceId: Id("Resource to apply it to.") },
  output: {},
  errors: ["FirewallNotFound", "ResourceNotFound", "FirewallNotPermitted"],
  notes: [
    "Decision: one resource, one mode. A Firewall-mode resource has at most one firewall, and granting another replaces it; a SecGroup-mode resource takes none (58213; SwitchToSecGroup moves a resource the other way, and AssociateSecGroup on a Firewall-mode resource is 58210). The database holds the rule: a grant's key includes the resource's mode.",
    "Decision: ResourceType must be the resource's own type, compared case-insensitively (230 otherwise); an unknown resource is 8039, an unknown firewall 54002 (checked first).",
    "Decision: the grant takes effect on the host at once (sgplane agent re-renders that resource only); a Firewall-mode resource with no firewall granted is closed to new inbound connections and open outbound (docs/enforcement.md, Firewall mode).",
  ],
});

export const DescribeFirewallResource = defineAction({
  name: "DescribeFirewallResource",
  summary: "List the resources a firewall is granted to, paged.",
  mutates: false,
  input: { FWId, Offset: Type.Optional(Offset), Limit: Type.Optional(Limit) },
  output: {
    ResourceSet: Type.Array(FirewallResourceSet, { description: "The resources, in the order they were granted." }),
    TotalCount: Type.Integer({ description: "Resources the firewall is granted to." }),
  },
  errors: ["FirewallNotFound"],
});

export const DisassociateFirewall = defineAction({
  name: "DisassociateFirewall",
  summary: "Take a firewall off a load balancer (ULB only, as UCloud documents).",
  mutates: true,
  input: { FWId, ResourceId: Id("The ULB to take it off."), ResourceType },
  output: {},
  errors: ["FirewallNotFound", "ResourceNotFound", "FirewallNotGranted", "FirewallRequired"],
  notes: [
    "Decision: UCloud documents it for ULB only, so any other resource type answers 58215 (grant another firewall, or SwitchToSecGroup); a ULB without that firewall answers 58214.",
  ],
});
