// The tenant handlers: one per UCloud security-group and UNet firewall action, and sgplane's evaluator (the lead merges them with the
// admin handlers).
import type { TenantActionName } from "@sgplane/catalogue";
import { associateSecGroup } from "./associate-sec-group.ts";
import { associateSecGroupDynamic } from "./associate-sec-group-dynamic.ts";
import { checkSecGroupPacket } from "./check-sec-group-packet.ts";
import type { Handler } from "./context.ts";
import { copySecGroup } from "./copy-sec-group.ts";
import { createSecGroup } from "./create-sec-group.ts";
import { createSecGroupRule } from "./create-sec-group-rule.ts";
import { deleteSecGroup } from "./delete-sec-group.ts";
import { deleteSecGroupRule } from "./delete-sec-group-rule.ts";
import { describeResourcePolicy } from "./describe-resource-policy.ts";
import { describeResourceSecGroup } from "./describe-resource-sec-group.ts";
import { describeSecGroup } from "./describe-sec-group.ts";
import { describeSecGroupResource } from "./describe-sec-group-resource.ts";
import { disassociateSecGroup } from "./disassociate-sec-group.ts";
import { firewallHandlers } from "./firewall/index.ts";
import { switchToSecGroup } from "./switch-to-sec-group.ts";
import { updateSecGroup } from "./update-sec-group.ts";
import { updateSecGroupAssociation } from "./update-sec-group-association.ts";
import { updateSecGroupRule } from "./update-sec-group-rule.ts";

export const tenantHandlers: { readonly [A in TenantActionName]: Handler<A> } = {
  CreateSecGroup: createSecGroup,
  DescribeSecGroup: describeSecGroup,
  UpdateSecGroup: updateSecGroup,
  DeleteSecGroup: deleteSecGroup,
  CreateSecGroupRule: createSecGroupRule,
  UpdateSecGroupRule: updateSecGroupRule,
  DeleteSecGroupRule: deleteSecGroupRule,
  AssociateSecGroup: associateSecGroup,
  AssociateSecGroupDynamic: associateSecGroupDynamic,
  UpdateSecGroupAssociation: updateSecGroupAssociation,
  DisassociateSecGroup: disassociateSecGroup,
  DescribeSecGroupResource: describeSecGroupResource,
  DescribeResourceSecGroup: describeResourceSecGroup,
  SwitchToSecGroup: switchToSecGroup,
  CopySecGroup: copySecGroup,
  CheckSecGroupPacket: checkSecGroupPacket,
  DescribeResourcePolicy: describeResourcePolicy,
  ...firewallHandlers,
};
