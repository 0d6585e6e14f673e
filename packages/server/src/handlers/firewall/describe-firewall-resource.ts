// DescribeFirewallResource: the resources a firewall is granted to, in grant order, paged.
import { pageOf } from "../../domain/paging.ts";
import type { Handler } from "../context.ts";
import { firewallResourceSet, requireFirewall } from "./firewall-load.ts";

export const describeFirewallResource: Handler<"DescribeFirewallResource"> = async (input, ctx) =>
  ctx.store.read(async (tx) => {
    const firewall = await requireFirewall(tx, ctx.scope, input.FWId);
    const page = await tx.listFirewallResources(firewall.fwId, pageOf(input.Offset, input.Limit));
    return { ResourceSet: page.rows.map(firewallResourceSet), TotalCount: page.total };
  });
