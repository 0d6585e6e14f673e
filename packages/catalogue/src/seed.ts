// The seed / state-export format of operator.md, as a strict schema (unknown keys are errors).
import { type Static, Type } from "@sinclair/typebox";
import {
  BindingPriority,
  Direction,
  DstPort,
  Enum,
  Id,
  IPRange,
  IPVersion,
  Name,
  NOT_BOUND_POLICIES,
  ProtocolType,
  Remark,
  RuleAction,
  RulePriority,
  SECGROUP_TYPES,
  SecurityMode,
  Text,
} from "./fields.ts";

const strict = { additionalProperties: false } as const;

export const CompanyId = Type.Integer({ description: "Numeric company id.", minimum: 1, maximum: 2147483647 });
export const ProjectIdField = Id("Project id, e.g. org-xxxxxxxx.");
export const RegionField = Text("Region short id, e.g. cn-bj2.", 32, { pattern: "^[a-z0-9-]{1,32}$" });
export const KeyString = Type.String({ description: "Key string.", minLength: 1, maxLength: 256 });
export const ResourceType = Text("Resource type: uhost, uni, upm, unatgw, ...", 32, { pattern: "^[a-z0-9]{1,32}$" });

export const KeyPair = Type.Object({ PublicKey: KeyString, PrivateKey: KeyString }, strict);

export const Quotas = Type.Object(
  {
    SecGroupsPerCompany: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100000, description: "Groups per company (default 50)." }),
    ),
    SecGroupsPerResource: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 5, description: "Groups per resource (default 5)." }),
    ),
    ResourcesPerSecGroup: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100000, description: "Resources per group (default 500)." }),
    ),
    RulesPerDirection: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1000, description: "Rules per direction per group (default 50)." }),
    ),
  },
  { ...strict, description: "Per-company limits." },
);

export const NotBoundPolicy = Enum(NOT_BOUND_POLICIES, {
  description: "Ignore: unbinding a pair that is not bound succeeds; Error: it fails with NotBound.",
});
export const Policies = Type.Object(
  { DisassociateNotBound: Type.Optional(NotBoundPolicy) },
  { ...strict, description: "Per-company policies." },
);

export const SeedProject = Type.Object(
  { ProjectId: ProjectIdField, Name, Default: Type.Optional(Type.Boolean()) },
  strict,
);

export const SeedUser = Type.Object(
  {
    Name: Text("User name.", 64, { minLength: 1 }),
    SubAccount: Type.Boolean({ description: "A sub-account must pass ProjectId and sees only its Projects." }),
    Projects: Type.Optional(Type.Array(ProjectIdField, { description: "Projects a sub-account is granted." })),
    Keys: Type.Array(KeyPair),
  },
  strict,
);

export const SeedVPC = Type.Object(
  { VPCId: Id("VPC id."), Region: RegionField, ProjectId: ProjectIdField, Name },
  strict,
);

export const SeedResource = Type.Object(
  {
    ResourceId: Id("Resource id."),
    ResourceType,
    Region: RegionField,
    ProjectId: ProjectIdField,
    VPCId: Id("VPC of the resource."),
    Name,
    SecurityMode,
    PrivateIp: Type.Optional(Text("Private IP.", 64)),
    Zone: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, description: "Numeric zone id." })),
    EIP: Type.Optional(Type.Array(Text("Public IP.", 64), { maxItems: 32 })),
    SuperResourceId: Type.Optional(Id("Parent resource (for a NIC: its host).")),
  },
  strict,
);

export const SeedRule = Type.Object(
  {
    RuleId: Type.Optional(Id("Rule id (generated when absent).")),
    Direction,
    ProtocolType,
    DstPort,
    IPRange,
    Priority: RulePriority,
    RuleAction,
    Remark: Type.Optional(Remark),
    IPVersion: Type.Optional(IPVersion),
  },
  strict,
);

export const SeedSecGroup = Type.Object(
  {
    SecGroupId: Id("Security group id."),
    Region: RegionField,
    ProjectId: ProjectIdField,
    VPCId: Id("VPC of the group."),
    Name,
    Remark: Type.Optional(Remark),
    Tag: Type.Optional(Text("Business group.", 64)),
    Type: Type.Optional(Text("Group type.", 32)),
    CreateTime: Type.Optional(Type.Integer({ minimum: 0 })),
    Rules: Type.Optional(Type.Array(SeedRule)),
  },
  strict,
);

export const SeedBinding = Type.Object(
  { ResourceId: Id("Resource id."), SecGroupId: Id("Security group id."), Priority: BindingPriority },
  strict,
);

export const SeedFirewall = Type.Object(
  {
    FWId: Id("Firewall id (a default firewall: the id its scope derives, as AdminExportState writes it)."),
    Region: RegionField,
    ProjectId: ProjectIdField,
    Name,
    Remark: Type.Optional(Remark),
    Tag: Type.Optional(Text("Business group.", 64)),
    Type: Type.Optional(Enum(SECGROUP_TYPES, { description: "Firewall type (default 'user defined')." })),
    CreateTime: Type.Optional(Type.Integer({ minimum: 0 })),
    Rules: Type.Array(Text("A rule, PROTOCOL|PORT|CIDR|ACTION|PRIORITY[|remark], as the API takes it.", 512), {
      maxItems: 100,
    }),
    Resources: Type.Optional(
      Type.Array(Id("A Firewall-mode resource of the same project and region it is granted to."), {
        description: "Resources the firewall is granted to (each has one firewall at most).",
      }),
    ),
  },
  strict,
);

export const SeedCompany = Type.Object(
  {
    CompanyId,
    Name: Text("Company name.", 64, { minLength: 1 }),
    Projects: Type.Array(SeedProject, { minItems: 1 }),
    Users: Type.Optional(Type.Array(SeedUser)),
    Quotas: Type.Optional(Quotas),
    Policies: Type.Optional(Policies),
    VPCs: Type.Optional(Type.Array(SeedVPC)),
    Resources: Type.Optional(Type.Array(SeedResource)),
    SecGroups: Type.Optional(Type.Array(SeedSecGroup)),
    Bindings: Type.Optional(Type.Array(SeedBinding)),
    Firewalls: Type.Optional(Type.Array(SeedFirewall)),
  },
  strict,
);

export const SeedFile = Type.Object(
  {
    Regions: Type.Optional(Type.Array(RegionField, { minItems: 1 })),
    OperatorKeys: Type.Optional(Type.Array(KeyPair)),
    Companies: Type.Optional(Type.Array(SeedCompany)),
  },
  { ...strict, description: "The seed file / AdminExportState format." },
);

export type SeedFile = Static<typeof SeedFile>;
export type SeedCompany = Static<typeof SeedCompany>;
export type SeedResource = Static<typeof SeedResource>;
export type SeedSecGroup = Static<typeof SeedSecGroup>;
export type SeedRule = Static<typeof SeedRule>;
export type SeedBinding = Static<typeof SeedBinding>;
export type SeedFirewall = Static<typeof SeedFirewall>;
export type SeedUser = Static<typeof SeedUser>;
export type SeedVPC = Static<typeof SeedVPC>;
export type SeedProject = Static<typeof SeedProject>;
export type Quotas = Static<typeof Quotas>;
export type Policies = Static<typeof Policies>;
