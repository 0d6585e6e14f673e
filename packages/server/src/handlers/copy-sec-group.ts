// CopySecGroup (§3.16): copy a group and its rules into a VPC of another region/project of the same company.
import { ApiError } from "@sgplane/catalogue";
import { compareRules } from "../domain/rule-set.ts";
import type { ReadTx } from "../store/port.ts";
import type { Handler, TenantContext } from "./context.ts";
import { companyOf, lockRows, requireSecGroup } from "./tenant-load.ts";

export const copySecGroup: Handler<"CopySecGroup"> = async (input, ctx) =>
  ctx.store.write(async (tx) => {
    // Company first (the group quota), then the source group, so its row and its rules are read as one state.
    await tx.lockCompany(ctx.scope.companyId);
    await lockRows(tx, { secGroupIds: [input.SecGroupId] });
    const source = await requireSecGroup(tx, ctx.scope, input.SecGroupId);
    const dstScope = { companyId: ctx.scope.companyId, projectId: input.DstProjectId, region: input.DstRegion };
    await requireDestination(tx, ctx, dstScope);
    const vpc = await tx.vpc(dstScope, input.DstVPCId);
    if (vpc === undefined) throw new ApiError("VPCNotFound", { vpcId: input.DstVPCId });
    const company = await companyOf(tx, ctx.scope);
    const limit = company.quotas.SecGroupsPerCompany;
    if ((await tx.countSecGroups(ctx.scope.companyId)) >= limit) throw new ApiError("SecGroupQuotaExceeded", { limit });
    const secGroupId = ctx.ids.secGroupId();
    await tx.insertSecGroup({
      ...source,
      ...dstScope,
      secGroupId,
      vpcId: vpc.vpcId,
      name: input.DstName ?? source.name,
      remark: input.DstRemark ?? source.remark,
      createTime: ctx.clock.nowSeconds(),
    });
    const rules = [...(await tx.rulesOf([source.secGroupId]))].sort(compareRules).map((rule) => ({
      ...rule,
      ruleId: ctx.ids.ruleId(),
      secGroupId,
      // A rule that referenced its own group keeps doing so in the copy.
      ipRange: rule.ipRange
        .split(",")
        .map((item) => (item === source.secGroupId ? secGroupId : item))
        .join(","),
    }));
    if (rules.length > 0) await tx.insertRules(rules);
    return { SecGroupId: secGroupId, RuleID: rules.map((r) => r.ruleId) };
  });

/** The destination must be a known region and a project of the caller's company that the key may use. */
async function requireDestination(
  tx: ReadTx,
  ctx: TenantContext,
  dst: { projectId: string; region: string; companyId: number },
): Promise<void> {
  if (!(await tx.regions()).includes(dst.region)) {
    throw new ApiError("InvalidParams", { name: "DstRegion", reason: `unknown region ${dst.region}` });
  }
  const projects = await tx.projectsOf(dst.companyId);
  if (!projects.some((p) => p.projectId === dst.projectId)) {
    throw new ApiError("ProjectNotFound", { projectId: dst.projectId });
  }
  if (ctx.key.subAccount && !ctx.key.projects.includes(dst.projectId)) {
    throw new ApiError("PermissionDenied", { reason: `key is not granted project ${dst.projectId}` });
  }
}
