// UpdateFirewallAttribute: Name, Tag, Remark; an empty one is left unchanged, and at least one must be given.
import { ApiError } from "@sgplane/catalogue";
import type { Handler } from "../context.ts";
import { requireFirewall, storeIfDefault } from "./firewall-load.ts";

const given = (v: string | undefined): string | undefined => (v === undefined || v === "" ? undefined : v);

export const updateFirewallAttribute: Handler<"UpdateFirewallAttribute"> = async (input, ctx) => {
  const name = given(input.Name);
  const tag = given(input.Tag);
  const remark = given(input.Remark);
  if (name === undefined && tag === undefined && remark === undefined) {
    throw new ApiError("MissingParams", { name: "Name" });
  }
  return ctx.store.write(async (tx) => {
    await tx.lockFirewalls([input.FWId]);
    await requireFirewall(tx, ctx.scope, input.FWId);
    await storeIfDefault(tx, ctx.scope, input.FWId);
    await tx.updateFirewall(input.FWId, {
      ...(name !== undefined && { name }),
      ...(tag !== undefined && { tag }),
      ...(remark !== undefined && { remark }),
    });
    return {};
  });
};
