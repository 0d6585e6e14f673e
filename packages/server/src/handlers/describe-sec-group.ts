// DescribeSecGroup (§3.5): groups with their rules, by ids (unknown ones skipped, no paging) or paged in scope.
import { pageOf } from "../domain/paging.ts";
import type { Handler } from "./context.ts";
import { renderSecGroup } from "./render.ts";

export const describeSecGroup: Handler<"DescribeSecGroup"> = async (input, ctx) =>
  ctx.store.read(async (tx) => {
    const ids = input.SecGroupId ?? [];
    if (ids.length > 0) {
      // Creation order like the paged listing; the VPC filter still narrows an id list.
      const groups = (await tx.secGroupsWithRules(ctx.scope, ids)).filter(
        (g) => input.VPCId === undefined || g.group.vpcId === input.VPCId,
      );
      return { DataSet: groups.map(renderSecGroup), TotalCount: groups.length };
    }
    const filter = input.VPCId === undefined ? {} : { vpcId: input.VPCId };
    const page = await tx.listSecGroupsWithRules(ctx.scope, filter, pageOf(input.Offset, input.Limit));
    return { DataSet: page.rows.map(renderSecGroup), TotalCount: page.total };
  });
