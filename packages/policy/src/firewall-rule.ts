// UNet firewall rules: the wire string PROTOCOL|PORT|CIDR|ACTION|PRIORITY[|remark], parsed and checked field by field.
// One parser for the server (which refuses a bad rule) and the compiler (which matches packets by it).
import { isIP } from "node:net";

export const FIREWALL_PROTOCOLS = ["TCP", "UDP", "ICMP", "GRE"] as const;
export const FIREWALL_ACTIONS = ["ACCEPT", "DROP"] as const;
export const FIREWALL_PRIORITIES = ["HIGH", "MEDIUM", "LOW"] as const;
export const FIREWALL_RULE_REMARK_MAX = 64;

export type FirewallProtocol = (typeof FIREWALL_PROTOCOLS)[number];
export type FirewallAction = (typeof FIREWALL_ACTIONS)[number];
export type FirewallPriority = (typeof FIREWALL_PRIORITIES)[number];

/** One rule as stored and read back: the keywords in upper case, port and address exactly as written. */
export interface FirewallRule {
  readonly protocol: FirewallProtocol;
  /** '' for ICMP and GRE, which have no ports. */
  readonly port: string;
  readonly cidr: string;
  readonly action: FirewallAction;
  readonly priority: FirewallPriority;
  readonly remark: string;
}

const FORMAT = "expected PROTOCOL|PORT|CIDR|ACCEPT/DROP|HIGH/MEDIUM/LOW[|remark]";

/** Keywords are matched case-insensitively (the Terraform provider sends them upper-cased, others may not). */
function keyword<T extends string>(allowed: readonly T[], text: string): T | undefined {
  const upper = text.toUpperCase();
  return allowed.find((a) => a === upper);
}

// Leading zeros are refused so that one port has one spelling, and what is read back is what was written.
const PORT = /^[1-9]\d{0,4}$/;
const inPortRange = (text: string): boolean => PORT.test(text) && Number(text) <= 65535;

function portProblem(protocol: FirewallProtocol, port: string): string | undefined {
  if (protocol === "ICMP" || protocol === "GRE") {
    return port === "" ? undefined : `${protocol} has no ports: leave PORT empty, got '${port}'`;
  }
  if (port === "") return `PORT is required for ${protocol}`;
  const range = /^(\d+)-(\d+)$/.exec(port);
  if (range === null) {
    return inPortRange(port) ? undefined : `PORT '${port}' is not a port 1-65535 or a from-to range`;
  }
  const [from = "", to = ""] = [range[1], range[2]];
  if (!inPortRange(from) || !inPortRange(to)) return `port range '${port}' must use ports 1-65535`;
  if (Number(from) > Number(to)) return `port range '${port}' starts after it ends`;
  return undefined;
}

function cidrProblem(cidr: string): string | undefined {
  const slash = cidr.indexOf("/");
  const address = slash < 0 ? cidr : cidr.slice(0, slash);
  // UNet firewalls match IPv4 sources only (the provider validates CIDRNetwork(0, 32)).
  if (isIP(address) !== 4) return `CIDR '${cidr}' is not an IPv4 address or CIDR block`;
  if (slash >= 0 && !/^(0|[1-9]\d?)$/.test(cidr.slice(slash + 1))) {
    return `CIDR '${cidr}' has a prefix length outside 0-32`;
  }
  if (slash >= 0 && Number(cidr.slice(slash + 1)) > 32) return `CIDR '${cidr}' has a prefix length outside 0-32`;
  return undefined;
}

/** Parses one rule string, or says what is wrong with it (without naming the parameter). */
export function parseFirewallRule(text: string): FirewallRule | { readonly problem: string } {
  const fields = text.split("|");
  if (fields.length < 5) return { problem: `${FORMAT}, got ${fields.length} field(s)` };
  const [protocolText = "", port = "", cidr = "", actionText = "", priorityText = ""] = fields;
  // The remark is the rest of the string: a '|' inside it is kept.
  const remark = fields.slice(5).join("|");
  const protocol = keyword(FIREWALL_PROTOCOLS, protocolText);
  if (protocol === undefined) return { problem: `PROTOCOL '${protocolText}' is not TCP, UDP, ICMP or GRE` };
  const badPort = portProblem(protocol, port);
  if (badPort !== undefined) return { problem: badPort };
  const badCidr = cidrProblem(cidr);
  if (badCidr !== undefined) return { problem: badCidr };
  const action = keyword(FIREWALL_ACTIONS, actionText);
  if (action === undefined) return { problem: `ACTION '${actionText}' is not ACCEPT or DROP` };
  const priority = keyword(FIREWALL_PRIORITIES, priorityText);
  if (priority === undefined) return { problem: `PRIORITY '${priorityText}' is not HIGH, MEDIUM or LOW` };
  if ([...remark].length > FIREWALL_RULE_REMARK_MAX) {
    return { problem: `the remark is longer than ${FIREWALL_RULE_REMARK_MAX} characters` };
  }
  return { protocol, port, cidr, action, priority, remark };
}

/** The wire string of a rule (seed files and exports keep rules in the same format the API takes). */
export function formatFirewallRule(r: FirewallRule): string {
  const head = `${r.protocol}|${r.port}|${r.cidr}|${r.action}|${r.priority}`;
  return r.remark === "" ? head : `${head}|${r.remark}`;
}
