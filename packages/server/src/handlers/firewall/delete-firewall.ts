// DeleteFirewall: a default firewall cannot go (4358), nor one still granted to a resource (4361).
import { ApiError } from "@sgplane/catalogue";
import { isDefaultType } from "../../domain/default-firewalls.ts";
import type { Handler } from "../context.ts";
import { requireFirewall } from "./firewall-load.ts";

export const deleteFirewall: Handler<"DeleteFirewall"> = async (input, ctx) =>
  ctx.store.write(async (tx) => {
    // For deleting: waits for writers granting it (they pin it), so their grants are counted below.
    await tx.lockFirewalls([input.FWId], "delete");
    const firewall = await requireFirewall(tx, ctx.scope, input.FWId);
    if (isDefaultType(firewall.type)) {
      throw new ApiError("DefaultFirewallUndeletable", { fwId: firewall.fwId, type: firewall.type });
    }
    const count = (await tx.firewallGrantCounts([firewall.fwId])).get(firewall.fwId) ?? 0;
    if (count > 0) throw new ApiError("FirewallInUse", { fwId: firewall.fwId, count });
    await tx.deleteFirewall(firewall.fwId);
    return {};
  });
