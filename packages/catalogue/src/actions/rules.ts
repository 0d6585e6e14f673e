// Create / Update / Delete SecGroupRule (§3.6–3.8), with the rule format of §3.1.
import { Type } from "@sinclair/typebox";
import { defineAction } from "../action-spec.ts";
import { Id, IdList } from "../fields.ts";
import { RuleInput, RuleUpdateInput } from "../models.ts";

const ruleErrors = ["SecGroupNotFound", "RulePriorityConflict", "RuleQuotaExceeded"] as const;

export const CreateSecGroupRule = defineAction({
  name: "CreateSecGroupRule",
  clientToken: true,
  summary: "Add rules to a security group (all or nothing).",
  mutates: true,
  retrySafe: false,
  input: {
    SecGroupId: Id("Group to add the rules to."),
    Rule: Type.Array(RuleInput, { description: "Rules to add.", maxItems: 100 }),
  },
  output: { RuleId: Type.Array(Type.String(), { description: "New rule ids, in input order." }) },
  errors: ruleErrors,
});

export const UpdateSecGroupRule = defineAction({
  name: "UpdateSecGroupRule",
  summary: "Replace rules of a security group in full (all or nothing).",
  mutates: true,
  input: {
    SecGroupId: Id("Group the rules belong to."),
    Rule: Type.Array(RuleUpdateInput, { description: "Rules to replace, each with its RuleId.", maxItems: 100 }),
  },
  output: {},
  errors: [...ruleErrors, "RuleNotFound"],
});

export const DeleteSecGroupRule = defineAction({
  name: "DeleteSecGroupRule",
  summary: "Delete rules of a security group (all or nothing).",
  mutates: true,
  input: { SecGroupId: Id("Group the rules belong to."), RuleId: IdList("Rules to delete.") },
  output: {},
  errors: ["SecGroupNotFound", "RuleNotFound"],
});
