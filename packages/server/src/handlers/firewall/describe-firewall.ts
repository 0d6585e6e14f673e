// DescribeFirewall: one firewall (FWId; 54002 when unknown), the one granted to a resource (ResourceId; an empty
// DataSet when it has none or is unknown), or every firewall of the scope, the two defaults first, paged.
import { ApiError } from "@sgplane/catalogue";
import { pageOf } from "../../domain/paging.ts";
import type { FirewallRow } from "../../store/port.ts";
import type { Handler } from "../context.ts";
import { defaultFirewalls, findFirewall, renderFirewalls } from "./firewall-load.ts";

export const describeFirewall: Handler<"DescribeFirewall"> = async (input, ctx) => {
  if (input.ResourceType !== undefined && input.ResourceType !== "" && input.ResourceId === undefined) {
    throw new ApiError("MissingParams", { name: "ResourceId" });
  }
  return ctx.store.read(async (tx) => {
    const { scope } = ctx;
    if (input.ResourceId !== undefined) {
      const [resource] = await tx.resourcesByIds(scope, [input.ResourceId]);
      const type = input.ResourceType ?? "";
      const matches =
        resource !== undefined && (type === "" || type.toLowerCase() === resource.resourceType.toLowerCase());
      const [grant] = matches ? await tx.firewallGrantsOfResources([input.ResourceId]) : [];
      const granted = grant === undefined ? undefined : await findFirewall(tx, scope, grant.fwId);
      const shown = granted !== undefined && (input.FWId === undefined || input.FWId === granted.fwId);
      const DataSet = shown ? await renderFirewalls(tx, [granted]) : [];
      return { DataSet, TotalCount: DataSet.length };
    }
    if (input.FWId !== undefined) {
      const found = await findFirewall(tx, scope, input.FWId);
      // The provider reads 54002 (or an empty DataSet) as "not there".
      if (found === undefined) throw new ApiError("FirewallNotFound", { ids: input.FWId });
      return { DataSet: await renderFirewalls(tx, [found]), TotalCount: 1 };
    }
    // The defaults are always the first two; the page over them and the user-defined ones is cut here.
    const page = pageOf(input.Offset, input.Limit);
    const defaults = await defaultFirewalls(tx, scope);
    const fromDefaults = defaults.slice(page.offset, page.offset + page.limit);
    const userOffset = Math.max(0, page.offset - defaults.length);
    const userLimit = page.limit - fromDefaults.length;
    const users =
      userLimit > 0
        ? await tx.listUserFirewalls(scope, { offset: userOffset, limit: userLimit })
        : { rows: [], total: (await tx.listUserFirewalls(scope, { offset: 0, limit: 1 })).total };
    const shown: FirewallRow[] = [...fromDefaults, ...users.rows];
    return { DataSet: await renderFirewalls(tx, shown), TotalCount: defaults.length + users.total };
  });
};
