// CreateFirewall: a user-defined firewall in the caller's scope, with its rules (parsed: 230 names Rule.N).
import { parseFirewallRules } from "../../domain/firewall-rule.ts";
import type { Handler } from "../context.ts";

export const createFirewall: Handler<"CreateFirewall"> = async (input, ctx) => {
  const rules = parseFirewallRules(input.Rule);
  return ctx.store.write(async (tx) => {
    const fwId = ctx.ids.firewallId();
    const { scope } = ctx;
    await tx.insertFirewall({
      fwId,
      companyId: scope.companyId,
      projectId: scope.projectId,
      region: scope.region,
      name: input.Name,
      // Empty means absent on the wire (§1.3): the documented default.
      tag: input.Tag === undefined || input.Tag === "" ? "Default" : input.Tag,
      remark: input.Remark ?? "",
      type: "user defined",
      createTime: ctx.clock.nowSeconds(),
      rules,
    });
    return { FWId: fwId };
  });
};
