// DisassociateFirewall: UCloud documents it for ULB only; any other firewall-mode resource keeps a firewall.
import { ApiError } from "@sgplane/catalogue";
import type { Handler } from "../context.ts";
import { lockGrantTarget } from "./firewall-load.ts";

export const disassociateFirewall: Handler<"DisassociateFirewall"> = async (input, ctx) =>
  ctx.store.write(async (tx) => {
    const { scope } = ctx;
    const resource = await lockGrantTarget(tx, scope, input);
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
