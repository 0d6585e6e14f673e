// Wire models of the change feed and the audit trail: each object's state (the same in events and snapshots),
// the event, the snapshot and the audit record.
import { type Static, Type } from "@sinclair/typebox";

const S = (description: string) => Type.String({ description });
const I = (description: string) => Type.Integer({ description });
const B = (description: string) => Type.Boolean({ description });
const Strings = (description: string) => Type.Array(Type.String(), { description });

export const SecGroupState = Type.Object(
  {
    SecGroupId: S("Security group id."),
    Name: S("Name."),
    Remark: S("Remark."),
    Tag: S("Business group."),
    Type: S("'user defined', 'recommend web' or 'recommend non web'."),
    VPCId: S("VPC of the group."),
    CreateTime: I("Creation time, Unix seconds."),
    CompanyId: I("Owning company."),
    ProjectId: S("Project."),
    Region: S("Region."),
  },
  { description: "A security group (its rules are objects of their own)." },
);

export const RuleState = Type.Object(
  {
    RuleId: S("Rule id."),
    SecGroupId: S("The group the rule belongs to."),
    Direction: S("Ingress or Egress."),
    ProtocolType: S("TCP, UDP, ICMP, ICMPv6 or ALL."),
    DstPort: S("Destination ports."),
    IPRange: S("Addresses the rule matches."),
    Priority: I("Rule priority 1-200."),
    RuleAction: S("Accept or Drop."),
    Remark: S("Remark."),
    IPVersion: S("IPv4 or IPv6."),
  },
  { description: "One rule of a security group." },
);

export const BindingState = Type.Object(
  {
    ResourceId: S("Resource id."),
    SecGroupId: S("Security group id."),
    Priority: I("Binding priority 1-5 (smaller is evaluated first)."),
  },
  { description: "A group bound to a resource." },
);

export const ResourceState = Type.Object(
  {
    ResourceId: S("Resource id."),
    ResourceType: S("uhost, uni, upm, ..."),
    Name: S("Name."),
    VPCId: S("VPC."),
    SecurityMode: S("SecGroup or Firewall."),
    PrivateIp: S("Private IP ('' when unknown)."),
    EIP: Strings("Public IPs."),
    Zone: I("Zone (0 when unknown)."),
    SuperResourceId: S("Parent resource ('' when none)."),
    CompanyId: I("Owning company."),
    ProjectId: S("Project."),
    Region: S("Region."),
  },
  { description: "A resource of the inventory." },
);

export const CompanyState = Type.Object(
  {
    CompanyId: I("Company id."),
    Name: S("Name."),
    SecGroupsPerCompany: I("Quota: groups per company."),
    SecGroupsPerResource: I("Quota: groups per resource."),
    ResourcesPerSecGroup: I("Quota: resources per group."),
    RulesPerDirection: I("Quota: rules per direction of a group."),
    DisassociateNotBound: S("Policy for unbinding a pair that is not bound: Ignore or Error."),
  },
  { description: "A company with its quotas and policies." },
);

export const ProjectState = Type.Object(
  {
    ProjectId: S("Project id."),
    CompanyId: I("Owning company."),
    Name: S("Name."),
    Default: B("The company's default project."),
  },
  { description: "A project." },
);

export const UserState = Type.Object(
  {
    CompanyId: I("Owning company."),
    UserName: S("User name."),
    SubAccount: B("A sub-account (sees only its Projects)."),
    Projects: Strings("Projects a sub-account is granted."),
  },
  { description: "A user of a company." },
);

export const KeyState = Type.Object(
  {
    PublicKey: S("Public key (the private key never leaves the store)."),
    CompanyId: I("Owning company."),
    UserName: S("The user the key belongs to."),
  },
  { description: "A key pair, by its public key." },
);

export const VPCState = Type.Object(
  {
    VPCId: S("VPC id."),
    CompanyId: I("Owning company."),
    ProjectId: S("Project."),
    Region: S("Region."),
    Name: S("Name."),
  },
  { description: "A VPC." },
);

export const FirewallState = Type.Object(
  {
    FWId: S("Firewall id."),
    Name: S("Name."),
    Tag: S("Business group."),
    Remark: S("Remark."),
    Type: S("'user defined', 'recommend web' or 'recommend non web'."),
    CreateTime: I("Creation time, Unix seconds (0 for a default firewall)."),
    Rules: Strings("Its rules, each as PROTOCOL|PORT|CIDR|ACTION|PRIORITY[|remark], in order."),
    CompanyId: I("Owning company."),
    ProjectId: S("Project."),
    Region: S("Region."),
  },
  {
    description:
      "A UNet firewall with its rules (a default firewall appears once a write first touched it: docs/actions.md).",
  },
);

export const FirewallGrantState = Type.Object(
  {
    ResourceId: S("Resource id (the grant's ObjectId: a resource has at most one)."),
    FWId: S("The firewall granted to it."),
  },
  { description: "The firewall granted to a firewall-mode resource." },
);

export const RegionsState = Type.Object({ Regions: Strings("The configured regions, in order.") });
export const OperatorKeyState = Type.Object({ PublicKey: S("An operator's public key.") });

export type SecGroupState = Static<typeof SecGroupState>;
export type RuleState = Static<typeof RuleState>;
export type BindingState = Static<typeof BindingState>;
export type ResourceState = Static<typeof ResourceState>;
export type CompanyState = Static<typeof CompanyState>;
export type ProjectState = Static<typeof ProjectState>;
export type UserState = Static<typeof UserState>;
export type KeyState = Static<typeof KeyState>;
export type VPCState = Static<typeof VPCState>;
export type RegionsState = Static<typeof RegionsState>;
export type FirewallState = Static<typeof FirewallState>;
export type FirewallGrantState = Static<typeof FirewallGrantState>;
export type OperatorKeyState = Static<typeof OperatorKeyState>;

/** Any object's state, as an event carries it (which one: the event's Kind). */
export type ObjectState =
  | SecGroupState
  | RuleState
  | BindingState
  | ResourceState
  | CompanyState
  | ProjectState
  | UserState
  | KeyState
  | VPCState
  | RegionsState
  | OperatorKeyState
  | FirewallState
  | FirewallGrantState;

export const FeedEvent = Type.Object(
  {
    Position: I(
      "Place in the feed: a change comes after every change it waited for or that was answered before it was sent.",
    ),
    Cursor: S("Resume point just after this event (After=Cursor; SSE Last-Event-ID)."),
    Time: I("Commit time, Unix milliseconds."),
    Type: S("What happened, e.g. BindingRemoved (docs/feed.md lists every type)."),
    Kind: S(
      "The kind of object: SecGroup, Rule, Binding, Resource, Company, Project, User, Key, VPC, Firewall, FirewallGrant, ...",
    ),
    Change: S("Created, Updated or Deleted."),
    ObjectId: S("The object's id (a binding: ResourceId/SecGroupId)."),
    CompanyId: Type.Optional(I("Company of the object (absent for global objects).")),
    ProjectId: Type.Optional(S("Project of the object (absent for company-level objects).")),
    Region: Type.Optional(S("Region of the object (absent where it has none).")),
    RequestId: S("The request that made the change (its X-UCloud-Request-UUID)."),
    Action: S("The action of that request."),
    State: Type.Unsafe<ObjectState>({
      type: "object",
      description: "The object after the change; for a Deleted change, the object before it.",
    }),
  },
  { description: "One change to one object." },
);
export type FeedEvent = Static<typeof FeedEvent>;

export const FeedSnapshot = {
  Cursor: S("Follow from here (DescribeFeedEvents After=Cursor): every event up to it is in this snapshot."),
  Position: I("The feed position the snapshot was taken at."),
  Regions: Type.Optional(Strings("The configured regions (operator key only).")),
  OperatorKeys: Type.Optional(Type.Array(OperatorKeyState, { description: "Operator keys (operator key only)." })),
  Companies: Type.Array(CompanyState, { description: "Companies (your own, for a main-account key)." }),
  Projects: Type.Array(ProjectState, { description: "Projects." }),
  Users: Type.Array(UserState, { description: "Users (not shown to sub-accounts)." }),
  Keys: Type.Array(KeyState, { description: "Keys, by public key (not shown to sub-accounts)." }),
  VPCs: Type.Array(VPCState, { description: "VPCs." }),
  Resources: Type.Array(ResourceState, { description: "Resources." }),
  SecGroups: Type.Array(SecGroupState, { description: "Security groups." }),
  Rules: Type.Array(RuleState, { description: "Rules of those groups." }),
  Bindings: Type.Array(BindingState, { description: "Bindings of those groups." }),
  Firewalls: Type.Array(FirewallState, { description: "Stored firewalls (default ones once written)." }),
  FirewallGrants: Type.Array(FirewallGrantState, { description: "Which firewall each resource has." }),
};

export const AuditRecord = Type.Object(
  {
    Id: I(
      "Record id, in the order records were written (a read or refusal is written up to 100 ms after its answer, in a batch; a change with its change).",
    ),
    Time: I("When the call was answered, Unix milliseconds."),
    RequestId: S("X-UCloud-Request-UUID of the call."),
    Action: S("The Action as requested ('' when none was given)."),
    PublicKey: S("The PublicKey the call presented ('' when none)."),
    Authenticated: B("The signature checked out."),
    Operator: B("The key is an operator key."),
    CompanyId: Type.Optional(I("Company of the key (also for a refused signature of a known key).")),
    UserName: S("User of the key ('' when unknown)."),
    SubAccount: B("The key is a sub-account's."),
    SourceIp: S("Address the call came from."),
    UserAgent: S("User-Agent header ('' when none)."),
    Region: S("Region parameter ('' when none)."),
    ProjectId: S("Project the call acted in, or the ProjectId it sent ('' when none)."),
    Params: Type.Record(Type.String(), Type.Unknown(), {
      description: "The parameters as sent, without Signature and without any private key.",
    }),
    RetCode: I("The answer's RetCode."),
    Message: S("The answer's Message ('' on success)."),
    Mutating: B("The action changes state (false: a read)."),
    DryRun: B("A DryRun call: it was checked and answered, and changed nothing."),
    EventCount: I("Feed events the call produced."),
    FirstPosition: Type.Optional(I("Position of its first feed event (while the feed retains it).")),
    LastPosition: Type.Optional(I("Position of its last feed event.")),
  },
  { description: "One API call, accepted or refused." },
);
export type AuditRecord = Static<typeof AuditRecord>;
