// UNet firewall rules as the API takes them: a request's Rule.N list parsed by @sgplane/policy's parser (the one the
// compiler matches packets by), the first bad rule refused naming it.
import { ApiError } from "@sgplane/catalogue";
import { type FirewallRule, parseFirewallRule } from "@sgplane/policy";

export {
  FIREWALL_ACTIONS,
  FIREWALL_PRIORITIES,
  FIREWALL_PROTOCOLS,
  FIREWALL_RULE_REMARK_MAX,
  type FirewallAction,
  type FirewallPriority,
  type FirewallProtocol,
  type FirewallRule,
  formatFirewallRule,
  parseFirewallRule,
} from "@sgplane/policy";

/** Parses a request's Rule.N list: the first bad rule, in request order, answers 230 naming it. */
export function parseFirewallRules(texts: readonly string[]): FirewallRule[] {
  if (texts.length === 0) throw new ApiError("MissingParams", { name: "Rule" });
  return texts.map((text, position) => {
    const parsed = parseFirewallRule(text);
    if ("problem" in parsed) throw new ApiError("InvalidParams", { name: `Rule.${position}`, reason: parsed.problem });
    return parsed;
  });
}
