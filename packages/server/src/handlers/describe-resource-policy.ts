// DescribeResourcePolicy (sgplane extension): the decision lists a resource's groups compile to, what a console shows.
import { SERVICE_NETWORK } from "@sgplane/policy";
import type { Handler } from "./context.ts";
import { decisionListInfo } from "./policy-wire.ts";
import { loadResourcePolicy } from "./resource-policy.ts";

export const describeResourcePolicy: Handler<"DescribeResourcePolicy"> = async (input, ctx) =>
  ctx.store.read(async (tx) => {
    const policy = await loadResourcePolicy(tx, ctx.scope, input.ResourceId, ["Ingress", "Egress"]);
    const ingress = policy.lists.get("Ingress");
    const egress = policy.lists.get("Egress");
    // Not filtered (Firewall mode): every packet passes, shown as empty lists that accept.
    const show = (list: typeof ingress) =>
      list === undefined ? { Rules: [], Default: "Accept" as const } : decisionListInfo(list);
    return {
      Filtered: policy.filtered,
      ServiceNetwork: (ctx.serviceNetworks ?? [SERVICE_NETWORK]).join(","),
      Ingress: show(ingress),
      Egress: show(egress),
    };
  });
