// DryRun (every mutating action) and ClientToken (the creates): declared once here, added to an action's input and
// output by defineAction, so validation, SDK, CLI and the generated docs all see them. Real UCloud ignores both
// (an unknown parameter is not an error there): a dry run sent to it would be a real call (docs/actions.md).
import { type Static, Type } from "@sinclair/typebox";
import { EVENT_TYPE_NAMES, type EventType } from "./feed.ts";
import type { ObjectState } from "./feed-models.ts";

export const CLIENT_TOKEN_PATTERN = "^[\\x21-\\x7e]{1,64}$";

export const dryRunInput = {
  DryRun: Type.Optional(
    Type.Boolean({
      description:
        "sgplane: run every check on the current state and answer as the real call would, changing nothing " +
        "(the answer says DryRun: true and lists the Changes it would make). Ignored by UCloud.",
    }),
  ),
};

export const clientTokenInput = {
  ClientToken: Type.Optional(
    Type.String({
      description:
        "sgplane: makes a retry of this create safe. The same token with the same parameters, from the same " +
        "company, within the server's --client-token-ttl (default 24 h), answers the first call's answer (same ids) " +
        "and changes nothing; with other parameters it is refused (58304). 1-64 printable ASCII characters. " +
        "Ignored by UCloud.",
      pattern: CLIENT_TOKEN_PATTERN,
      maxLength: 64,
    }),
  ),
};

export const DryRunChange = Type.Object(
  {
    Type: Type.Unsafe<EventType>({
      type: "string",
      enum: EVENT_TYPE_NAMES,
      description: "What would happen to the object, in the change feed's vocabulary (docs/feed.md).",
    }),
    ObjectId: Type.String({ description: "The object's id (a binding: ResourceId/SecGroupId)." }),
    State: Type.Unsafe<ObjectState>({
      type: "object",
      description: "The object as it would be after the change; for a removal, as it is now.",
    }),
    Provisional: Type.Optional(
      Type.Boolean({
        description: "true: the id was drawn for this dry run only; the real call will be given another.",
      }),
    ),
  },
  { description: "One change a dry run would have made." },
);
export type DryRunChange = Static<typeof DryRunChange>;

export const dryRunOutput = {
  DryRun: Type.Optional(Type.Boolean({ description: "sgplane: present (true) on the answer to a dry run." })),
  Changes: Type.Optional(
    Type.Array(DryRunChange, {
      description:
        "sgplane, dry run only: every change the call would make, in order (bindings removed or added with their " +
        "priorities, rules created or replaced, ...). Ids a create would draw are marked Provisional.",
    }),
  ),
};
