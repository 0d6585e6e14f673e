// UpdateSecGroup (§3.4): new Name / Remark / Tag for one or more groups; empty fields stay unchanged.
import { ApiError } from "@sgplane/catalogue";
import { requireNonEmpty } from "../domain/request-shape.ts";
import type { Handler } from "./context.ts";
import { lockRows, requireSecGroups } from "./tenant-load.ts";

export const updateSecGroup: Handler<"UpdateSecGroup"> = async (input, ctx) => {
  const { Name: name, Remark: remark, Tag: tag } = input;
  if (name === undefined && remark === undefined && tag === undefined) {
    throw new ApiError("MissingParams", { name: "Name" });
  }
  requireNonEmpty(input.SecGroupId, "SecGroupId");
  const patch = {
    ...(name !== undefined && { name }),
    ...(remark !== undefined && { remark }),
    ...(tag !== undefined && { tag }),
  };
  return ctx.store.write(async (tx) => {
    await lockRows(tx, { secGroupIds: input.SecGroupId });
    await requireSecGroups(tx, ctx.scope, input.SecGroupId);
    for (const id of input.SecGroupId) await tx.updateSecGroup(id, patch);
    return {};
  });
};
