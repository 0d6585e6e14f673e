// Create / Describe / Update / Delete SecGroup and CopySecGroup (§3.2–3.5, §3.16).
import { Type } from "@sinclair/typebox";
import { defineAction } from "../action-spec.ts";
import { Enum, Id, IdList, Limit, Offset, RECOMMENDATIONS, Remark, Text } from "../fields.ts";
import { SecGroupInfo } from "../models.ts";

export const CreateSecGroup = defineAction({
  name: "CreateSecGroup",
  clientToken: true,
  summary: "Create a security group in a VPC, optionally from a rule template.",
  mutates: true,
  retrySafe: false,
  input: {
    VPCID: Id("VPC the group belongs to (the key VPCId is accepted too)."),
    Name: Type.String({ description: "Group name, at most 64 characters.", minLength: 1, maxLength: 64 }),
    SecGroupRecommendation: Type.Optional(
      Enum(RECOMMENDATIONS, { description: "Rule template: web (common ports open) or noweb (no rules)." }),
    ),
    Tag: Type.Optional(Text("Business group (default 'Default').", 64)),
    Remark: Type.Optional(Remark),
  },
  output: { SecGroupId: Type.String({ description: "The new group's id." }) },
  errors: ["VPCNotFound", "SecGroupQuotaExceeded"],
});

export const DeleteSecGroup = defineAction({
  name: "DeleteSecGroup",
  summary: "Delete security groups (all or nothing); a group still bound to a resource cannot be deleted.",
  mutates: true,
  input: { SecGroupId: IdList("Groups to delete.") },
  output: {},
  errors: ["SecGroupNotFound", "SecGroupInUse"],
});

export const UpdateSecGroup = defineAction({
  name: "UpdateSecGroup",
  summary: "Change the name, remark or tag of one or more security groups.",
  mutates: true,
  input: {
    SecGroupId: IdList("Groups to change (one id, SecGroupId.N, or a JSON array)."),
    Name: Type.Optional(Text("New name (empty: unchanged).", 64)),
    Remark: Type.Optional(Text("New remark (empty: unchanged).", 256)),
    Tag: Type.Optional(Text("New business group (empty: unchanged).", 64)),
  },
  output: {},
  errors: ["SecGroupNotFound"],
  notes: ["At least one of Name, Remark, Tag must be given, else 220 Missing params [Name]."],
});

export const DescribeSecGroup = defineAction({
  name: "DescribeSecGroup",
  summary: "List security groups with their rules; by ids, or paged, optionally filtered by VPC.",
  mutates: false,
  input: {
    SecGroupId: Type.Optional(IdList("Groups to show; unknown ids are skipped; paging is ignored when given.")),
    VPCId: Type.Optional(Id("Only groups of this VPC.")),
    Offset: Type.Optional(Offset),
    Limit: Type.Optional(Limit),
    BusinessId: Type.Optional(Text("Ignored.", 256)),
  },
  output: {
    DataSet: Type.Array(SecGroupInfo, { description: "The groups, in creation order." }),
    TotalCount: Type.Integer({ description: "Matches before paging." }),
  },
  errors: [],
});

export const CopySecGroup = defineAction({
  name: "CopySecGroup",
  clientToken: true,
  summary: "Copy a security group and its rules into another region/project/VPC of the same company.",
  mutates: true,
  retrySafe: false,
  requiresProjectId: true,
  input: {
    SecGroupId: Id("Source group."),
    DstRegion: Text("Destination region.", 32, { minLength: 1 }),
    DstProjectId: Id("Destination project."),
    DstVPCId: Id("Destination VPC."),
    DstName: Type.Optional(Text("Name of the copy (default: the source name).", 64)),
    DstRemark: Type.Optional(Remark),
  },
  output: {
    SecGroupId: Type.String({ description: "The new group." }),
    RuleID: Type.Array(Type.String(), { description: "Ids of the copied rules, in source order." }),
  },
  errors: ["SecGroupNotFound", "VPCNotFound", "ProjectNotFound", "PermissionDenied", "SecGroupQuotaExceeded"],
});
