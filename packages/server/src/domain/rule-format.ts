// Rule field format of secgroup-api.md §3.1: DstPort, IPRange and defaults, checked per rule of a request.
import { isIP } from "node:net";
import { ApiError } from "@sgplane/catalogue";

export type Direction = "Ingress" | "Egress";
export type Protocol = "TCP" | "UDP" | "ICMP" | "ICMPv6" | "ALL";
export type RuleVerdict = "Accept" | "Drop";
export type IpVersion = "IPv4" | "IPv6";

/** A rule as a request states it (already schema-checked: enums canonical, priority 1–200). */
export interface RuleRequest {
  readonly direction: Direction;
  readonly protocolType: Protocol;
  readonly dstPort?: string | undefined;
  readonly ipRange: string;
  readonly priority: number;
  readonly ruleAction: RuleVerdict;
  readonly remark?: string | undefined;
  readonly ipVersion?: IpVersion | undefined;
}

/** A rule with every field settled, ready to store. */
export interface RuleSpec {
  readonly direction: Direction;
  readonly protocolType: Protocol;
  readonly dstPort: string;
  readonly ipRange: string;
  readonly priority: number;
  readonly ruleAction: RuleVerdict;
  readonly remark: string;
  readonly ipVersion: IpVersion;
}

/** Returns a reason when the text is not a valid port list, else undefined. */
export function dstPortProblem(text: string): string | undefined {
  if (text.toUpperCase() === "ALL") return undefined;
  for (const item of text.split(",")) {
    const part = item.trim();
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const from = portNumber(range[1] ?? "");
      const to = portNumber(range[2] ?? "");
      if (from === undefined || to === undefined) return `port range '${part}' must use ports 1-65535`;
      if (from > to) return `port range '${part}' starts after it ends`;
    } else if (portNumber(part) === undefined) {
      return `'${part}' is not a port 1-65535, a from-to range, or ALL`;
    }
  }
  return undefined;
}

function portNumber(text: string): number | undefined {
  // Leading zeros are refused so that one port has one spelling.
  if (!/^[1-9]\d{0,4}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

/** The stored spelling of a valid port list: items trimmed, ALL upper-case. */
export function canonicalDstPort(text: string): string {
  if (text.trim().toUpperCase() === "ALL") return "ALL";
  return text
    .split(",")
    .map((item) => item.trim())
    .join(",");
}

/** Returns a reason when the text is not a valid address list, else undefined. */
export function ipRangeProblem(text: string, ownSecGroupId: string): string | undefined {
  for (const item of text.split(",")) {
    const part = item.trim();
    // The console lets a rule reference the group itself (traffic between its members), never another group.
    if (part === ownSecGroupId) continue;
    const problem = addressProblem(part);
    if (problem) return problem;
  }
  return undefined;
}

function addressProblem(part: string): string | undefined {
  if (part === "") return "empty item in the address list";
  const slash = part.indexOf("/");
  const address = slash < 0 ? part : part.slice(0, slash);
  // isIP accepts IPv6 zone ids (fe80::1%eth0), which have no meaning in a rule.
  const family = address.includes("%") ? 0 : isIP(address);
  if (family === 0) return `'${part}' is not an IPv4/IPv6 address or CIDR, nor this group's id`;
  if (slash < 0) return undefined;
  const prefix = part.slice(slash + 1);
  const max = family === 4 ? 32 : 128;
  if (!/^(0|[1-9]\d{0,2})$/.test(prefix) || Number(prefix) > max) {
    return `'${part}' has a prefix length outside 0-${max}`;
  }
  return undefined;
}

/** The first bad free-text field of a rule (DstPort before IPRange), or undefined; shared by requests and seeds. */
export function ruleFieldProblem(
  rule: Pick<RuleRequest, "protocolType" | "dstPort" | "ipRange">,
  ownSecGroupId: string,
): { field: "DstPort" | "IPRange"; missing: boolean; reason: string } | undefined {
  const dstPort = rule.dstPort?.trim() ?? "";
  const portless = rule.protocolType !== "TCP" && rule.protocolType !== "UDP";
  // ICMP and ALL have no ports, so Go clients (which drop empty strings) send none.
  if (dstPort === "" && !portless) return { field: "DstPort", missing: true, reason: "is required for TCP and UDP" };
  const portProblem = dstPort === "" ? undefined : dstPortProblem(dstPort);
  if (portProblem) return { field: "DstPort", missing: false, reason: portProblem };
  const ipProblem = ipRangeProblem(rule.ipRange.trim(), ownSecGroupId);
  if (ipProblem) return { field: "IPRange", missing: false, reason: ipProblem };
  return undefined;
}

/** Settles one rule of a request; `position` is its index in the request list (the n of Rule.n). */
export function normalizeRule(rule: RuleRequest, position: number, ownSecGroupId: string): RuleSpec {
  const problem = ruleFieldProblem(rule, ownSecGroupId);
  if (problem !== undefined) {
    const name = `Rule.${position}.${problem.field}`;
    throw problem.missing
      ? new ApiError("MissingParams", { name })
      : new ApiError("InvalidParams", { name, reason: problem.reason });
  }
  const dstPort = rule.dstPort?.trim() ?? "";
  return {
    direction: rule.direction,
    protocolType: rule.protocolType,
    dstPort: dstPort === "" ? "ALL" : canonicalDstPort(dstPort),
    ipRange: rule.ipRange
      .trim()
      .split(",")
      .map((item) => item.trim())
      .join(","),
    priority: rule.priority,
    ruleAction: rule.ruleAction,
    remark: rule.remark ?? "",
    ipVersion: rule.ipVersion ?? "IPv4",
  };
}

/** Settles every rule of a request; the first bad field, in request order, is reported. */
export function normalizeRules(rules: readonly RuleRequest[], ownSecGroupId: string): RuleSpec[] {
  return rules.map((rule, position) => normalizeRule(rule, position, ownSecGroupId));
}
