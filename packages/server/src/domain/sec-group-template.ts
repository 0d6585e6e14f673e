// What CreateSecGroup's SecGroupRecommendation means: the group Type and the rules it starts with (§3.2).
import type { RuleSpec } from "./rule-format.ts";

export type Recommendation = "web" | "noweb";
export type SecGroupType = "user defined" | "recommend web" | "recommend non web";

const PRIVATE_NETWORKS = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16";

type TemplateRule = Omit<RuleSpec, "priority" | "ipVersion">;

const tcpIn = (port: string, remark: string): TemplateRule => ({
  direction: "Ingress",
  protocolType: "TCP",
  dstPort: port,
  ipRange: "0.0.0.0/0",
  ruleAction: "Accept",
  remark,
});

// The PROD description of the web template: remote login and web ports open, ping, the private ranges, all outbound.
const WEB_RULES: readonly TemplateRule[] = [
  tcpIn("22", "SSH"),
  tcpIn("3389", "RDP"),
  tcpIn("80", "HTTP"),
  tcpIn("443", "HTTPS"),
  {
    direction: "Ingress",
    protocolType: "ICMP",
    dstPort: "ALL",
    ipRange: "0.0.0.0/0",
    ruleAction: "Accept",
    remark: "ping",
  },
  {
    direction: "Ingress",
    protocolType: "ALL",
    dstPort: "ALL",
    ipRange: PRIVATE_NETWORKS,
    ruleAction: "Accept",
    remark: "private networks",
  },
  {
    direction: "Egress",
    protocolType: "ALL",
    dstPort: "ALL",
    ipRange: "0.0.0.0/0",
    ruleAction: "Accept",
    remark: "outbound",
  },
];

export function secGroupType(recommendation: Recommendation | undefined): SecGroupType {
  if (recommendation === "web") return "recommend web";
  if (recommendation === "noweb") return "recommend non web";
  return "user defined";
}

/** The rules a new group starts with; priorities run 1…n over the whole template. */
export function templateRules(recommendation: Recommendation | undefined): RuleSpec[] {
  if (recommendation !== "web") return [];
  return WEB_RULES.map((rule, index) => ({ ...rule, priority: index + 1, ipVersion: "IPv4" }));
}
