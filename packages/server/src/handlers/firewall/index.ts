// The UNet firewall handlers (issue 20), merged into the tenant table.
import type { Handler } from "../context.ts";
import { createFirewall } from "./create-firewall.ts";
import { deleteFirewall } from "./delete-firewall.ts";
import { describeFirewall } from "./describe-firewall.ts";
import { describeFirewallResource } from "./describe-firewall-resource.ts";
import { disassociateFirewall } from "./disassociate-firewall.ts";
import { grantFirewall } from "./grant-firewall.ts";
import { updateFirewall } from "./update-firewall.ts";
import { updateFirewallAttribute } from "./update-firewall-attribute.ts";

export const firewallHandlers: {
  readonly CreateFirewall: Handler<"CreateFirewall">;
  readonly DescribeFirewall: Handler<"DescribeFirewall">;
  readonly UpdateFirewall: Handler<"UpdateFirewall">;
  readonly UpdateFirewallAttribute: Handler<"UpdateFirewallAttribute">;
  readonly DeleteFirewall: Handler<"DeleteFirewall">;
  readonly GrantFirewall: Handler<"GrantFirewall">;
  readonly DescribeFirewallResource: Handler<"DescribeFirewallResource">;
  readonly DisassociateFirewall: Handler<"DisassociateFirewall">;
} = {
  CreateFirewall: createFirewall,
  DescribeFirewall: describeFirewall,
  UpdateFirewall: updateFirewall,
  UpdateFirewallAttribute: updateFirewallAttribute,
  DeleteFirewall: deleteFirewall,
  GrantFirewall: grantFirewall,
  DescribeFirewallResource: describeFirewallResource,
  DisassociateFirewall: disassociateFirewall,
};
