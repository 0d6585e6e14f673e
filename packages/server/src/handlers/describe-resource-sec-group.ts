// DescribeResourceSecGroup (§3.14): resources with their bound groups and per-NIC details, by ids or paged.
import type { models } from "@sgplane/catalogue";
import { pageOf } from "../domain/paging.ts";
import type { BindingRow, ReadTx, ResourceRow, Scope, SecGroupRow } from "../store/port.ts";
import type { Handler } from "./context.ts";

export const describeResourceSecGroup: Handler<"DescribeResourceSecGroup"> = async (input, ctx) =>
  ctx.store.read(async (tx) => {
    const ids = input.ResourceId ?? [];
    let resources: readonly ResourceRow[];
    let total: number;
    if (ids.length > 0) {
      // By ids: unknown ones skipped, no paging, type and VPC filters ignored, registration order.
      resources = await tx.resourcesByIds(ctx.scope, ids);
      total = resources.length;
    } else {
      const filter = {
        ...(input.VPCId !== undefined && { vpcId: input.VPCId }),
        // Registered types are lower-case, so lowering the filter makes the match case-insensitive.
        ...(input.ResourceType !== undefined && { resourceType: input.ResourceType.toLowerCase() }),
      };
      const page = await tx.listResources(ctx.scope, filter, pageOf(input.Offset, input.Limit));
      resources = page.rows;
      total = page.total;
    }
    return { TotalCount: total, DataSet: await describeAll(tx, ctx.scope, resources) };
  });

async function describeAll(
  tx: ReadTx,
  scope: Scope,
  resources: readonly ResourceRow[],
): Promise<models.ResourceSecgroupInfoEx[]> {
  if (resources.length === 0) return [];
  const ids = resources.map((r) => r.resourceId);
  const nics = await tx.childResources(ids);
  const parentIds = resources.map((r) => r.superResourceId).filter((id) => id !== "");
  const parents = parentIds.length > 0 ? await tx.resourcesByIds(scope, [...new Set(parentIds)]) : [];
  const bindings = await tx.bindingsOfResources([...ids, ...nics.map((n) => n.resourceId)]);
  const groupIds = [...new Set(bindings.map((b) => b.secGroupId))];
  const groups = new Map(
    (groupIds.length > 0 ? await tx.secGroupsByIds(scope, groupIds) : []).map((g) => [g.secGroupId, g]),
  );
  const view: View = {
    groups,
    bindingsOf: (id) => bindings.filter((b) => b.resourceId === id).sort((a, b) => a.priority - b.priority),
    nicsOf: (id) => nics.filter((n) => n.superResourceId === id),
    nameOf: (id) => parents.find((p) => p.resourceId === id)?.name ?? "",
  };
  return resources.map((r) => resourceEntry(r, view));
}

interface View {
  readonly groups: ReadonlyMap<string, SecGroupRow>;
  bindingsOf(resourceId: string): BindingRow[];
  nicsOf(resourceId: string): readonly ResourceRow[];
  nameOf(resourceId: string): string;
}

function resourceEntry(resource: ResourceRow, view: View): models.ResourceSecgroupInfoEx {
  const bindings = view.bindingsOf(resource.resourceId);
  const nics = view.nicsOf(resource.resourceId);
  const group = (id: string) => view.groups.get(id);
  return {
    ResourceId: resource.resourceId,
    ResourceName: resource.name,
    Count: bindings.length,
    SecGroupInfo: bindings.map((b) => ({
      SecGroupId: b.secGroupId,
      Name: group(b.secGroupId)?.name ?? "",
      VPCId: group(b.secGroupId)?.vpcId ?? "",
      Priority: b.priority,
    })),
    PermitAssociate: resource.securityMode === "SecGroup",
    ExInfo: {
      SuperResourceId: resource.superResourceId,
      SuperResourceName: resource.superResourceId === "" ? "" : view.nameOf(resource.superResourceId),
      ResourceName: resource.name,
      // A host's private addresses are its own and its NICs'.
      IP: [...new Set([resource.privateIp, ...nics.map((n) => n.privateIp)].filter((ip) => ip !== ""))],
      EIP: [...resource.eip],
      Uni: nics.map((nic) => {
        const nicBindings = view.bindingsOf(nic.resourceId);
        return {
          ResourceId: nic.resourceId,
          Count: nicBindings.length,
          SecGroupInfo: nicBindings.map((b) => ({ SecGroupId: b.secGroupId, Name: group(b.secGroupId)?.name ?? "" })),
        };
      }),
    },
  };
}
