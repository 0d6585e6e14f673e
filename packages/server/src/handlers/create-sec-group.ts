// CreateSecGroup (§3.2): a new group in a VPC of the caller's scope, optionally with the web template's rules.
import { ApiError } from "@sgplane/catalogue";
import { checkRuleSet } from "../domain/rule-set.ts";
import { secGroupType, templateRules } from "../domain/sec-group-template.ts";
import type { Handler } from "./context.ts";
import { ruleRowOf } from "./rule-wire.ts";
import { companyOf } from "./tenant-load.ts";

export const createSecGroup: Handler<"CreateSecGroup"> = async (input, ctx) =>
  ctx.store.write(async (tx) => {
    const { scope } = ctx;
    // Two creates racing for the company's last quota slot: the second counts only after the first commits.
    await tx.lockCompany(scope.companyId);
    const vpc = await tx.vpc(scope, input.VPCID);
    if (vpc === undefined) throw new ApiError("VPCNotFound", { vpcId: input.VPCID });
    const company = await companyOf(tx, scope);
    const limit = company.quotas.SecGroupsPerCompany;
    if ((await tx.countSecGroups(scope.companyId)) >= limit) throw new ApiError("SecGroupQuotaExceeded", { limit });
    const rules = templateRules(input.SecGroupRecommendation);
    // A refused create has no id, so the refusal names the group by the name it asked for.
    checkRuleSet(`new SecGroup ${JSON.stringify(input.Name)}`, rules, company.quotas.RulesPerDirection);
    const secGroupId = ctx.ids.secGroupId();
    await tx.insertSecGroup({
      secGroupId,
      companyId: scope.companyId,
      projectId: scope.projectId,
      region: scope.region,
      vpcId: vpc.vpcId,
      name: input.Name,
      remark: input.Remark ?? "",
      tag: input.Tag ?? "Default",
      type: secGroupType(input.SecGroupRecommendation),
      createTime: ctx.clock.nowSeconds(),
    });
    if (rules.length > 0) await tx.insertRules(rules.map((rule) => ruleRowOf(secGroupId, ctx.ids.ruleId(), rule)));
    return { SecGroupId: secGroupId };
  });
