// DescribeResourcePolicy (sgplane extension): the decision lists a resource's groups (or firewall) compile to, what a
// console shows.
import { SERVICE_NETWORK } from "@sgplane/policy";
import type { Handler } from "./context.ts";
import { decisionListInfo, firewallListInfo } from "./policy-wire.ts";
import { loadResourcePolicy } from "./resource-policy.ts";

export const describeResourcePolicy: Handler<"DescribeResourcePolicy"> = async (input, ctx) =>
  ctx.store.read(async (tx) => {
    const policy = await loadResourcePolicy(tx, ctx.scope, input.ResourceId, ["Ingress", "Egress"]);
    const ingress = policy.lists.get("Ingress");
    const egress = policy.lists.get("Egress");
    // Firewall mode: groups filter nothing (empty lists that accept); the firewall's list is shown apart.
    const show = (list: typeof ingress) =>
      list === undefined ? { Rules: [], Default: "Accept" as const } : decisionListInfo(list);
    return {
      Filtered: policy.filtered,
      SecurityMode: policy.resource.securityMode,
      ...(policy.firewall !== undefined && { Firewall: firewallListInfo(policy.firewall) }),
      ServiceNetwork: (ctx.serviceNetworks ?? [SERVICE_NETWORK]).join(","),
      Ingress: show(ingress),
      Egress: show(egress),
    };
  });
