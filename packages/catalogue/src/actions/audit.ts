// The audit trail (docs/audit.md): every call, accepted or refused, searchable.
import { Type } from "@sinclair/typebox";
import { defineAction } from "../action-spec.ts";
import { AuditRecord } from "../feed-models.ts";
import { Id, Text } from "../fields.ts";
import { CompanyId } from "../seed.ts";

const Millis = (description: string) => Type.Integer({ description, minimum: 0, maximum: 8_640_000_000_000_000 });

export const DescribeAuditRecords = defineAction({
  scope: "account",
  mutates: false,
  name: "DescribeAuditRecords",
  summary: "Search the audit trail: calls by time, action, resource or group, key or user, RetCode; newest first.",
  input: {
    StartTime: Type.Optional(Millis("Only calls answered at or after this time, Unix milliseconds.")),
    EndTime: Type.Optional(Millis("Only calls answered before this time, Unix milliseconds.")),
    Actions: Type.Optional(
      Type.Array(Text("An action name.", 64, { minLength: 1 }), {
        description: "Only calls of these actions.",
        maxItems: 100,
      }),
    ),
    ResourceId: Type.Optional(Id("Only calls that named this resource.")),
    SecGroupId: Type.Optional(Id("Only calls that named this security group.")),
    CallerPublicKey: Type.Optional(Text("Only calls made with this public key.", 256, { minLength: 1 })),
    UserName: Type.Optional(Text("Only calls made by this user's keys.", 64, { minLength: 1 })),
    RetCode: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0, maximum: 2147483647 }), {
        description: "Only calls answered with one of these RetCodes.",
        maxItems: 50,
      }),
    ),
    Failed: Type.Optional(
      Type.Boolean({ description: "true: only refused calls (RetCode ≠ 0); false: only accepted." }),
    ),
    DryRun: Type.Optional(Type.Boolean({ description: "true: only dry runs (DryRun=true); false: only real calls." })),
    CompanyId: Type.Optional({ ...CompanyId, description: "Operator key: only this company's calls." }),
    Offset: Type.Optional(Type.Integer({ description: "Paging offset (default 0).", minimum: 0 })),
    Limit: Type.Optional(
      Type.Integer({ description: "Page size (default 100; 0 means 100).", minimum: 0, maximum: 1000 }),
    ),
  },
  output: {
    Records: Type.Array(AuditRecord, {
      description: "Matching calls, newest written first (by Id; Time may differ by up to 100 ms from that order).",
    }),
    TotalCount: Type.Integer({ description: "All matching calls (before paging)." }),
  },
  errors: ["AuditDisabled", "ProjectNotFound", "PermissionDenied"],
  notes: [
    "A company's main-account key sees its company's calls, a sub-account those made in the projects it is " +
      "granted, an operator key every call (refused signatures included: they are recorded with the PublicKey " +
      "they claimed).",
  ],
});
