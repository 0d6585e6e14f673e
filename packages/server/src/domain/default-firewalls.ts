// The two default firewalls every project has in every region (as UCloud accounts do; the Terraform provider
// refuses to plan an instance until DescribeFirewall lists two). They need no creation step: their ids are derived
// from the scope, reads show them as defined here until a write stores them (GrantFirewall, UpdateFirewall,
// UpdateFirewallAttribute), and a stored one is read like any other firewall. So a read never writes, and every
// server answers the same for a scope nobody touched yet.
import { createHash } from "node:crypto";
import type { FirewallRow, Scope } from "../store/port.ts";
import type { FirewallRule } from "./firewall-rule.ts";

export type DefaultFirewallType = "recommend web" | "recommend non web";
export const DEFAULT_FIREWALL_TYPES: readonly DefaultFirewallType[] = ["recommend web", "recommend non web"];

const accept = (protocol: FirewallRule["protocol"], port: string): FirewallRule => ({
  protocol,
  port,
  cidr: "0.0.0.0/0",
  action: "ACCEPT",
  priority: "HIGH",
  remark: "",
});

// UCloud's published example of the non-web default: TCP 22 and 3389 and ICMP from anywhere; the web one adds 80, 443.
const TEMPLATES: Readonly<
  Record<DefaultFirewallType, { tag: string; name: string; remark: string; rules: FirewallRule[] }>
> = {
  "recommend web": {
    tag: "web",
    name: "Web recommendation",
    remark: "open tcp port:22,3389,80,443 and icmp",
    rules: [accept("TCP", "22"), accept("TCP", "3389"), accept("TCP", "80"), accept("TCP", "443"), accept("ICMP", "")],
  },
  "recommend non web": {
    tag: "nonweb",
    name: "Non-web recommendation",
    remark: "open tcp port:22,3389 and icmp",
    rules: [accept("TCP", "22"), accept("TCP", "3389"), accept("ICMP", "")],
  },
};

/**
 * A default firewall's id: a hash of the scope, so it is the same on every server and never collides with another
 * scope's (ids are global keys). Seeing one's own default ids tells nothing about anyone else's.
 */
export function defaultFirewallId(scope: Scope, type: DefaultFirewallType): string {
  const digest = createHash("sha256")
    .update(`${scope.companyId}\u0000${scope.projectId}\u0000${scope.region}\u0000${type}`)
    .digest("hex");
  return `firewall-${TEMPLATES[type].tag}-${digest.slice(0, 16)}`;
}

/** A default firewall as it is before anyone changed it. */
export function defaultFirewall(scope: Scope, type: DefaultFirewallType): FirewallRow {
  const t = TEMPLATES[type];
  return {
    fwId: defaultFirewallId(scope, type),
    companyId: scope.companyId,
    projectId: scope.projectId,
    region: scope.region,
    name: t.name,
    tag: "Default",
    remark: t.remark,
    type,
    // Not created by anyone at any time: 0, the same before and after it is stored.
    createTime: 0,
    rules: t.rules,
  };
}

/** The default type this id stands for in this scope, if it is one of the scope's two default ids. */
export function defaultTypeOf(scope: Scope, fwId: string): DefaultFirewallType | undefined {
  return DEFAULT_FIREWALL_TYPES.find((type) => defaultFirewallId(scope, type) === fwId);
}

export function isDefaultType(type: string): type is DefaultFirewallType {
  return type === "recommend web" || type === "recommend non web";
}
