// @sgplane/policy: what security groups and UNet firewalls do to packets (docs/enforcement.md), pure and shared by the server's
// evaluator and the agent.
export { blockContains, canonicalAddress, minimalBlocks, parseBlock } from "./addresses.ts";
export { compileDecisionLists, compileDirection, compileRule } from "./compile.ts";
export { type EvaluateOptions, evaluateFirewallPacket, evaluatePacket, type FirewallDecision } from "./evaluate.ts";
export {
  type CompiledFirewallRule,
  compileFirewall,
  compileFirewallRule,
  type FirewallInput,
  type FirewallList,
} from "./firewall.ts";
export * from "./firewall-rule.ts";
export { groupAddresses, type MemberSource, membersResolver } from "./members.ts";
export * from "./model.ts";
export { mergeRanges, parsePortList, portsContain } from "./ports.ts";
