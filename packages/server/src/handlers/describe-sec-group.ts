// DescribeSecGroup (§3.5): groups with their rules, by ids (unknown ones skipped, no paging) or paged in scope.
import { pageOf } from "../domain/paging.ts";
import type { Handler } from "./context.ts";
import { rulesByGroup, secGroupInfo } from "./render.ts";

export const describeSecGroup: Handler<"DescribeSecGroup"> = async (input, ctx) =>
  ctx.store.read(async (tx) => {
    const ids = input.SecGroupId ?? [];
    let groups: Awaited<ReturnType<typeof tx.secGroupsByIds>>;
    let total: number;
    if (ids.length > 0) {
      // Creation order like the paged listing; the VPC filter still narrows an id list.
      groups = (await tx.secGroupsByIds(ctx.scope, ids)).filter(
        (g) => input.VPCId === undefined || g.vpcId === input.VPCId,
      );
      total = groups.length;
    } else {
      const filter = input.VPCId === undefined ? {} : { vpcId: input.VPCId };
      const page = await tx.listSecGroups(ctx.scope, filter, pageOf(input.Offset, input.Limit));
      groups = page.rows;
      total = page.total;
    }
    const rules = groups.length > 0 ? rulesByGroup(await tx.rulesOf(groups.map((g) => g.secGroupId))) : new Map();
    return { DataSet: groups.map((g) => secGroupInfo(g, rules.get(g.secGroupId) ?? [])), TotalCount: total };
  });
