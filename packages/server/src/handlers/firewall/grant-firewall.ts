// GrantFirewall: one firewall per resource, the new one replacing the old; only a Firewall-mode resource takes one.
import { ApiError } from "@sgplane/catalogue";
import type { Handler } from "../context.ts";
import { requireResource } from "../tenant-load.ts";
import { checkResourceType, requireFirewall, storeIfDefault } from "./firewall-load.ts";

export const grantFirewall: Handler<"GrantFirewall"> = async (input, ctx) =>
  ctx.store.write(async (tx) => {
    const { scope } = ctx;
    // The global lock order: resources, then firewalls (pinned: a delete waits for this grant, then sees it).
    await tx.lockResources([input.ResourceId]);
    await requireFirewall(tx, scope, input.FWId);
    const resource = await requireResource(tx, scope, input.ResourceId);
    checkResourceType(resource, input.ResourceType);
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
