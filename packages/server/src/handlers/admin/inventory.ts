// Admin actions for the inventory other services own: VPCs and resources (hosts, NICs, ...).
import { ApiError } from "@sgplane/catalogue";
import { resourceRow } from "../../seed/load-seed.ts";
import type { ReadTx } from "../../store/port.ts";
import type { Handler } from "../context.ts";
import { lockRows } from "../tenant-load.ts";
import { ownIdOrRefuse, requireCompany, requireProjectOf } from "./accounts.ts";

/** The region must be one of the configured list (the store's foreign key would refuse it, as a 150). */
async function requireRegion(tx: ReadTx, region: string): Promise<void> {
  if (!(await tx.regions()).includes(region)) {
    throw new ApiError("InvalidParams", { name: "Region", reason: `unknown region ${region}` });
  }
}

export const adminCreateVPC: Handler<"AdminCreateVPC"> = (input, ctx) =>
  ctx.store.write(async (tx) => {
    await requireCompany(tx, input.CompanyId);
    await requireProjectOf(tx, input.CompanyId, input.ProjectId);
    await requireRegion(tx, input.Region);
    await ownIdOrRefuse("VPCId", input.VPCId, () =>
      tx.upsertVpc({
        vpcId: input.VPCId,
        companyId: input.CompanyId,
        projectId: input.ProjectId,
        region: input.Region,
        name: input.Name,
      }),
    );
    return {};
  });

export const adminRegisterResource: Handler<"AdminRegisterResource"> = (input, ctx) =>
  ctx.store.write(async (tx) => {
    await requireCompany(tx, input.CompanyId);
    await requireProjectOf(tx, input.CompanyId, input.ProjectId);
    const scope = { companyId: input.CompanyId, projectId: input.ProjectId, region: input.Region };
    if ((await tx.vpc(scope, input.VPCId)) === undefined) throw new ApiError("VPCNotFound", { vpcId: input.VPCId });
    const existing = await tx.resourceById(input.ResourceId);
    if (
      existing !== undefined &&
      existing.vpcId !== input.VPCId &&
      (await tx.bindingsOfResources([input.ResourceId])).length > 0
    ) {
      throw new ApiError("ResourceStillBound", { resourceId: input.ResourceId, count: "some" });
    }
    await ownIdOrRefuse("ResourceId", input.ResourceId, () => tx.upsertResource(resourceRow(input.CompanyId, input)));
    return {};
  });

export const adminUpdateResource: Handler<"AdminUpdateResource"> = (input, ctx) =>
  ctx.store.write(async (tx) => {
    if ((await tx.resourceById(input.ResourceId)) === undefined) {
      throw new ApiError("ResourceNotFound", { ids: input.ResourceId });
    }
    const { ResourceId, Name, SecurityMode, PrivateIp, Zone } = input;
    await tx.updateResource(ResourceId, {
      ...(Name !== undefined && { name: Name }),
      ...(SecurityMode !== undefined && { securityMode: SecurityMode }),
      ...(PrivateIp !== undefined && { privateIp: PrivateIp }),
      ...(Zone !== undefined && { zone: Zone }),
    });
    return {};
  });

export const adminDeregisterResource: Handler<"AdminDeregisterResource"> = (input, ctx) =>
  ctx.store.write(async (tx) => {
    // Unbinding takes no group lock (docs/architecture.md, "Concurrency"): the resource's lock is enough.
    await lockRows(tx, { resourceIds: [input.ResourceId] });
    if ((await tx.resourceById(input.ResourceId)) === undefined) {
      throw new ApiError("ResourceNotFound", { ids: input.ResourceId });
    }
    const bindings = await tx.bindingsOfResources([input.ResourceId]);
    if (bindings.length > 0 && input.Force !== true) {
      throw new ApiError("ResourceStillBound", { resourceId: input.ResourceId, count: bindings.length });
    }
    await tx.deleteBindings(bindings);
    await tx.deleteResource(input.ResourceId);
    return {};
  });
