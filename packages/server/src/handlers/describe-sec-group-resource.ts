// DescribeSecGroupResource (§3.13): the resources bound to one group (or to every group in scope), paged.
import type { models } from "@sgplane/catalogue";
import { pageOf } from "../domain/paging.ts";
import type { BindingRow, ResourceRow } from "../store/port.ts";
import type { Handler } from "./context.ts";
import { requireSecGroup } from "./tenant-load.ts";

// Resources carry no business group of their own in sgplane; UCloud's default one is reported.
const RESOURCE_TAG = "Default";

export const describeSecGroupResource: Handler<"DescribeSecGroupResource"> = async (input, ctx) =>
  ctx.store.read(async (tx) => {
    if (input.SecGroupId !== undefined) await requireSecGroup(tx, ctx.scope, input.SecGroupId);
    const page = await tx.listBindings(ctx.scope, input.SecGroupId, pageOf(input.Offset, input.Limit));
    const bound = await tx.resourcesByIds(ctx.scope, [...new Set(page.rows.map((b) => b.resourceId))]);
    const parentIds = [...new Set(bound.map((r) => r.superResourceId).filter((id) => id !== ""))];
    const parents = parentIds.length > 0 ? await tx.resourcesByIds(ctx.scope, parentIds) : [];
    const byId = new Map([...bound, ...parents].map((r) => [r.resourceId, r]));
    return { DataSet: page.rows.map((b) => resourceInfo(b, byId)), TotalCount: page.total };
  });

/** A binding on a NIC is shown under the NIC's host, with the NIC as the sub-resource (as UCloud does). */
function resourceInfo(binding: BindingRow, byId: ReadonlyMap<string, ResourceRow>): models.SecGroupResourceInfo {
  const bound = byId.get(binding.resourceId);
  const parent = bound?.superResourceId ? byId.get(bound.superResourceId) : undefined;
  const top = parent ?? bound;
  return {
    Zone: top?.zone ?? 0,
    Name: top?.name ?? "",
    PrivateIp: bound?.privateIp ?? "",
    ResourceId: top?.resourceId ?? binding.resourceId,
    ResourceType: top?.resourceType ?? "",
    SubResourceId: parent && bound ? bound.resourceId : "",
    SubResourceName: parent && bound ? bound.name : "",
    SubResourceType: parent && bound ? bound.resourceType : "",
    Tag: RESOURCE_TAG,
  };
}
