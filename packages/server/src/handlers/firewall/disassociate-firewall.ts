// DisassociateFirewall: UCloud documents it for ULB only; any other firewall-mode resource keeps a firewall.
import { ApiError } from "@sgplane/catalogue";
import type { Handler } from "../context.ts";
import { requireResource } from "../tenant-load.ts";
import { checkResourceType, requireFirewall } from "./firewall-load.ts";

export const disassociateFirewall: Handler<"DisassociateFirewall"> = async (input, ctx) =>
  ctx.store.write(async (tx) => {
    const { scope } = ctx;
    await tx.lockResources([input.ResourceId]);
    await requireFirewall(tx, scope, input.FWId);
    const resource = await requireResource(tx, scope, input.ResourceId);
    checkResourceType(resource, input.ResourceType);
    if (resource.resourceType.toLowerCase() !== "ulb") {
      throw new ApiError("FirewallRequired", { resourceId: resource.resourceId });
    }
    const [grant] = await tx.firewallGrantsOfResources([resource.resourceId]);
    if (grant?.fwId !== input.FWId) {
      throw new ApiError("FirewallNotGranted", { fwId: input.FWId, resourceId: resource.resourceId });
    }
    await tx.deleteFirewallGrants([resource.resourceId]);
    return {};
  });
