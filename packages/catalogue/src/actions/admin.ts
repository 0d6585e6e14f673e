// Operator-only admin actions (operator.md): how the world (companies, keys, VPCs, resources) gets in and out.
import { type Static, Type } from "@sinclair/typebox";
import { defineAction } from "../action-spec.ts";
import { Enum, Id, IdList, Name, NOT_BOUND_POLICIES, SecurityMode, Text } from "../fields.ts";
import { CompanyId, KeyPair, ProjectIdField, Quotas, RegionField, ResourceType, SeedFile } from "../seed.ts";

const admin = { scope: "operator", mutates: true } as const;
const NOT_BOUND = Enum(NOT_BOUND_POLICIES, { description: "Policy for unbinding a pair that is not bound." });

export const AdminCreateCompany = defineAction({
  ...admin,
  name: "AdminCreateCompany",
  clientToken: true,
  summary: "Create (or update) a company with its default project.",
  input: {
    CompanyId,
    Name: Text("Company name.", 64, { minLength: 1 }),
    ProjectId: ProjectIdField,
    ProjectName: Type.Optional(Text("Default project name (default 'Default').", 64)),
  },
  output: {},
  errors: [],
});

export const AdminCreateProject = defineAction({
  ...admin,
  name: "AdminCreateProject",
  clientToken: true,
  summary: "Create (or rename) a project of a company.",
  input: {
    CompanyId,
    ProjectId: ProjectIdField,
    Name,
    Default: Type.Optional(Type.Boolean({ description: "Make it the company's default project." })),
  },
  output: {},
  errors: ["CompanyNotFound", "PermissionDenied"],
});

export const AdminCreateKey = defineAction({
  ...admin,
  name: "AdminCreateKey",
  // Without Keys it draws a new key pair: a blind retry would make a second one.
  retrySafe: false,
  clientToken: true,
  summary: "Create a user (if new) and a key pair for it; the private key is generated when not given.",
  input: {
    CompanyId,
    UserName: Text("User the key belongs to (created if new).", 64, { minLength: 1 }),
    SubAccount: Type.Optional(Type.Boolean({ description: "The user is a sub-account (default false)." })),
    Projects: Type.Optional(IdList("Projects a sub-account is granted.")),
    // Not PublicKey/PrivateKey: those names are the caller's own credentials on the wire.
    Keys: Type.Optional(
      Type.Array(KeyPair, { description: "Key pairs to add (default: one generated pair).", maxItems: 10 }),
    ),
  },
  output: { Keys: Type.Array(KeyPair, { description: "The user's new key pairs." }) },
  errors: ["CompanyNotFound", "ProjectNotFound", "PermissionDenied"],
});

export const AdminCreateVPC = defineAction({
  ...admin,
  name: "AdminCreateVPC",
  clientToken: true,
  summary: "Register (or rename) a VPC of a company.",
  input: { CompanyId, VPCId: Id("VPC id."), Region: RegionField, ProjectId: ProjectIdField, Name },
  output: {},
  errors: ["CompanyNotFound", "ProjectNotFound", "PermissionDenied"],
});

export const AdminRegisterResource = defineAction({
  ...admin,
  name: "AdminRegisterResource",
  clientToken: true,
  summary: "Register (or replace) a resource in the inventory.",
  input: {
    CompanyId,
    ResourceId: Id("Resource id."),
    ResourceType,
    Region: RegionField,
    ProjectId: ProjectIdField,
    VPCId: Id("VPC of the resource."),
    Name,
    SecurityMode,
    PrivateIp: Type.Optional(Text("Private IP.", 64)),
    Zone: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647 })),
    EIP: Type.Optional(Type.Array(Text("Public IP.", 64), { maxItems: 32 })),
    SuperResourceId: Type.Optional(Id("Parent resource.")),
  },
  output: {},
  errors: ["CompanyNotFound", "ProjectNotFound", "VPCNotFound", "PermissionDenied"],
});

export const AdminUpdateResource = defineAction({
  ...admin,
  name: "AdminUpdateResource",
  summary: "Change a resource's name, IP, zone or SecurityMode.",
  input: {
    ResourceId: Id("Resource id."),
    Name: Type.Optional(Name),
    SecurityMode: Type.Optional(SecurityMode),
    PrivateIp: Type.Optional(Text("Private IP.", 64)),
    Zone: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647 })),
  },
  output: {},
  errors: ["ResourceNotFound"],
});

export const AdminDeregisterResource = defineAction({
  ...admin,
  name: "AdminDeregisterResource",
  summary: "Remove a resource from the inventory; while it is bound this needs Force (which unbinds it).",
  input: { ResourceId: Id("Resource id."), Force: Type.Optional(Type.Boolean()) },
  output: {},
  errors: ["ResourceNotFound", "ResourceStillBound"],
});

export const AdminSetQuota = defineAction({
  ...admin,
  name: "AdminSetQuota",
  summary: "Set a company's quotas and policies (absent fields keep their value).",
  input: {
    CompanyId,
    ...Quotas.properties,
    DisassociateNotBound: Type.Optional(NOT_BOUND),
  },
  output: {},
  errors: ["CompanyNotFound"],
});

export const AdminExportState = defineAction({
  ...admin,
  mutates: false,
  name: "AdminExportState",
  summary: "Export the whole state (or one company) in the seed format.",
  input: { CompanyId: Type.Optional(CompanyId) },
  output: { State: SeedFile },
  errors: ["CompanyNotFound"],
});

export const AdminImportState = defineAction({
  ...admin,
  name: "AdminImportState",
  summary: "Load a state in the seed format (idempotent upsert, all or nothing).",
  // Passed through undecoded so the seed validator sees every key (unknown keys are errors there).
  input: { State: Type.Unsafe<Static<typeof SeedFile>>({ ...SeedFile, wireRaw: true }) },
  output: {},
  errors: ["SeedInvalid"],
});

export const AdminReset = defineAction({
  ...admin,
  name: "AdminReset",
  summary: "Delete every company and everything in it (operator keys from the configuration stay).",
  input: {},
  output: {},
  errors: [],
});
