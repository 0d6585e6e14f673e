// DescribeFeedSnapshot: every object the key may see, in one snapshot, with the feed position it matches.
import { formatCursor } from "@sgplane/catalogue";
import {
  bindingState,
  companyState,
  firewallGrantState,
  firewallState,
  keyState,
  projectState,
  resourceState,
  ruleState,
  secGroupState,
  userState,
  vpcState,
} from "../../store/feed-states.ts";
import type { Handler } from "../context.ts";
import { feedOf, viewOf } from "./view.ts";

export const describeFeedSnapshot: Handler<"DescribeFeedSnapshot"> = async (input, ctx) => {
  feedOf(ctx);
  const filter = viewOf(ctx, input.CompanyId);
  return ctx.store.readAtFeedHead(async (tx, info) => {
    const rows = await tx.snapshotRows(filter);
    return {
      Cursor: formatCursor(info.feedId, info.head),
      Position: info.head,
      ...(rows.regions !== undefined && { Regions: [...rows.regions] }),
      ...(rows.operatorKeys !== undefined && { OperatorKeys: rows.operatorKeys.map((k) => ({ PublicKey: k })) }),
      Companies: rows.companies.map(companyState),
      Projects: rows.projects.map(projectState),
      Users: rows.users.map(userState),
      Keys: rows.keys.map(keyState),
      VPCs: rows.vpcs.map(vpcState),
      Resources: rows.resources.map(resourceState),
      SecGroups: rows.secGroups.map(secGroupState),
      Rules: rows.rules.map(ruleState),
      Bindings: rows.bindings.map(bindingState),
      Firewalls: rows.firewalls.map(firewallState),
      FirewallGrants: rows.firewallGrants.map(firewallGrantState),
    };
  });
};
