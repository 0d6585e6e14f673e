// DeleteSecGroup (§3.3): all listed groups or none; a group still bound to any resource is refused (58207).
import { ApiError } from "@sgplane/catalogue";
import { joinIds } from "../domain/binding-model.ts";
import { requireNonEmpty } from "../domain/request-shape.ts";
import type { Handler } from "./context.ts";
import { requireSecGroups } from "./tenant-load.ts";

export const deleteSecGroup: Handler<"DeleteSecGroup"> = async (input, ctx) => {
  const ids = input.SecGroupId;
  requireNonEmpty(ids, "SecGroupId");
  return ctx.store.write(async (tx) => {
    // For deleting: this also waits for writers binding these groups, so their bindings are seen below.
    await tx.lockSecGroups(ids, "delete");
    await requireSecGroups(tx, ctx.scope, ids);
    const bindings = await tx.bindingsOfSecGroups(ids);
    if (bindings.length > 0) {
      throw new ApiError("SecGroupInUse", {
        secGroupId: joinIds(bindings.map((b) => b.secGroupId)),
        count: new Set(bindings.map((b) => b.resourceId)).size,
      });
    }
    await tx.deleteSecGroups(ids);
    return {};
  });
};
