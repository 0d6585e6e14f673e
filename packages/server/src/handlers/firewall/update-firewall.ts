// UpdateFirewall: the new rules replace the whole rule set (UCloud: send every rule you want to keep).
import { parseFirewallRules } from "../../domain/firewall-rule.ts";
import type { Handler } from "../context.ts";
import { requireFirewall, storeIfDefault } from "./firewall-load.ts";

export const updateFirewall: Handler<"UpdateFirewall"> = async (input, ctx) => {
  const rules = parseFirewallRules(input.Rule);
  return ctx.store.write(async (tx) => {
    await tx.lockFirewalls([input.FWId]);
    await requireFirewall(tx, ctx.scope, input.FWId);
    await storeIfDefault(tx, ctx.scope, input.FWId);
    await tx.updateFirewall(input.FWId, { rules });
    return { FWId: input.FWId };
  });
};
