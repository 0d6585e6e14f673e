// DescribeSecGroupResource and DescribeResourceSecGroup (§3.13–3.14).
import { Type } from "@sinclair/typebox";
import { defineAction } from "../action-spec.ts";
import { Id, IdList, Limit, Offset, Text } from "../fields.ts";
import { ResourceSecgroupInfoEx, SecGroupResourceInfo } from "../models.ts";

export const DescribeSecGroupResource = defineAction({
  name: "DescribeSecGroupResource",
  summary: "List the resources bound to a group (or to every group in scope), paged.",
  mutates: false,
  input: {
    SecGroupId: Type.Optional(Id("The group (SecGroupId.0 accepted); absent: bindings of every group.")),
    VPCId: Type.Optional(Id("Ignored (appears in UCloud's doc example).")),
    Offset: Type.Optional(Offset),
    Limit: Type.Optional(Limit),
  },
  output: {
    DataSet: Type.Array(SecGroupResourceInfo, { description: "Bound resources, in bind order." }),
    TotalCount: Type.Integer({ description: "All bindings matched." }),
  },
  errors: ["SecGroupNotFound"],
});

export const DescribeResourceSecGroup = defineAction({
  name: "DescribeResourceSecGroup",
  summary: "List resources with the groups bound to them: by ids, or paged by type and VPC.",
  mutates: false,
  input: {
    ResourceId: Type.Optional(IdList("Resources to show; unknown ids are skipped; no paging when given.")),
    ResourceType: Type.Optional(Text("Only resources of this type (case-insensitive).", 32)),
    VPCId: Type.Optional(Id("Only resources of this VPC.")),
    Offset: Type.Optional(Offset),
    Limit: Type.Optional(Limit),
  },
  output: {
    TotalCount: Type.Integer({ description: "Matches (before paging)." }),
    DataSet: Type.Array(ResourceSecgroupInfoEx, { description: "The resources." }),
  },
  errors: [],
});
