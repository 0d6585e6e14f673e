// Binding actions: Associate, AssociateDynamic, UpdateSecGroupAssociation, Disassociate, SwitchToSecGroup (§3.9–3.12, §3.15).
import { Type } from "@sinclair/typebox";
import { defineAction } from "../action-spec.ts";
import { Id, IdList, Text } from "../fields.ts";
import { PrioritySecGroup } from "../models.ts";

const bindErrors = [
  "SecGroupNotFound",
  "ResourceNotFound",
  "AssociateNotPermitted",
  "VPCMismatch",
  "BindingPriorityConflict",
  "ResourceSecGroupQuotaExceeded",
  "SecGroupBindingQuotaExceeded",
] as const;

export const AssociateSecGroup = defineAction({
  name: "AssociateSecGroup",
  summary: "Bind resources to groups with explicit priorities; re-binding a bound group changes its priority.",
  mutates: true,
  input: {
    ResourceId: IdList("Resources to bind (one resource type per call)."),
    PrioritySecGroup: Type.Array(PrioritySecGroup, {
      description: "Groups to bind, each with a priority 1-5.",
      maxItems: 5,
    }),
  },
  output: {},
  errors: bindErrors,
  notes: ["Resources and groups cannot both be batched (230)."],
});

export const AssociateSecGroupDynamic = defineAction({
  name: "AssociateSecGroupDynamic",
  summary: "Bind one group at the top priority of each resource, shifting existing bindings down until a free slot.",
  mutates: true,
  input: {
    ResourceId: IdList("Resources to bind, at most 20.", 1000),
    SecGroupId: Id("Group to bind at priority 1."),
  },
  output: {},
  errors: bindErrors,
  notes: [
    "One resource, one mode: every resource switched (and each NIC that gains groups) loses its firewall grant, whatever IsRemoveFirewall says; GrantFirewall then refuses it (58213).",
  ],
});

export const UpdateSecGroupAssociation = defineAction({
  name: "UpdateSecGroupAssociation",
  summary: "On one resource, unbind the old groups and bind the new ones, in one step.",
  mutates: true,
  input: {
    ResourceId: Id("The resource."),
    OldSecGroupId: IdList("Groups to unbind (ids not bound are ignored)."),
    NewPrioritySecGroup: Type.Array(PrioritySecGroup, { description: "Groups to bind, with priorities.", maxItems: 5 }),
  },
  output: {},
  errors: [...bindErrors, "LastSecGroupOfResource"],
});

export const DisassociateSecGroup = defineAction({
  name: "DisassociateSecGroup",
  summary:
    "Unbind groups from resources: only groups → all their bindings; only resources → all theirs; both → those pairs.",
  mutates: true,
  input: {
    SecGroupId: Type.Optional(IdList("Groups to unbind.")),
    ResourceId: Type.Optional(IdList("Resources to unbind.")),
    Force: Type.Optional(
      Type.Boolean({ description: "Allow leaving a SecGroup-mode resource with no group (before deleting it)." }),
    ),
    ResourceType: Type.Optional(Text("Ignored (appears in UCloud's doc example).", 64)),
  },
  output: {},
  errors: ["SecGroupNotFound", "ResourceNotFound", "LastSecGroupOfResource", "NotBound"],
  notes: [
    "At least one of SecGroupId and ResourceId (220); only one of them may list more than one id (230).",
    "Unbinding a pair that is not bound is a no-op, or NotBound under the company's Error policy.",
  ],
});

export const SwitchToSecGroup = defineAction({
  name: "SwitchToSecGroup",
  summary: "Switch a resource from firewall mode to security-group mode and bind groups to it (or its NICs).",
  mutates: true,
  requiresProjectId: true,
  input: {
    ResourceId: Id("The resource."),
    IsRemoveFirewall: Type.Boolean({
      description: "Also drop the current firewall (always done: a SecGroup-mode resource has no firewall).",
    }),
    PrioritySecGroup: Type.Optional(
      // jsonText: flattened PrioritySecGroup.N.SecGroupId/.Priority or a native object arrive as its JSON text.
      Type.Array(Text("A group id, or JSON {SecGroupId, Priority}.", 256, { jsonText: true }), {
        description: "Groups to bind (priority = position + 1 unless given).",
        maxItems: 5,
      }),
    ),
    UniToPrioritySecGroup: Type.Optional(Text("JSON map: NIC id → [{SecGroupId, Priority}].", 65536)),
  },
  output: {},
  errors: bindErrors,
});
