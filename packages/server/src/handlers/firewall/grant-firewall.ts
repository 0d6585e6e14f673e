// GrantFirewall: one firewall per resource, the new one replacing the old; only a Firewall-mode resource takes one.
import { ApiError } from "@sgplane/catalogue";
import type { Handler } from "../context.ts";
import { lockGrantTarget, storeIfDefault } from "./firewall-load.ts";

export const grantFirewall: Handler<"GrantFirewall"> = async (input, ctx) =>
  ctx.store.write(async (tx) => {
    const { scope } = ctx;
    // Pinned below: a delete waits for this grant, then sees it.
    const resource = await lockGrantTarget(tx, scope, input);
    if (resource.securityMode !== "Firewall") {
      throw new ApiError("FirewallNotPermitted", { resourceId: resource.resourceId });
    }
    await storeIfDefault(tx, scope, input.FWId);
    const [pinned] = await tx.firewallsToGrant(scope, [input.FWId]);
    // Deleted between the check and the pin (a concurrent DeleteFirewall committed first).
    if (pinned === undefined) throw new ApiError("FirewallNotFound", { ids: input.FWId });
    await tx.grantFirewall(resource.resourceId, pinned.fwId);
    return {};
  });
