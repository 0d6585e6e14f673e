// @sgplane/agent: the host agent that enforces security groups with nftables (docs/enforcement.md).
export {
  AGENT_EVENT_TYPES,
  Agent,
  type AgentOptions,
  AgentStartError,
  type AgentStatus,
  shapeMatches,
} from "./agent.ts";
export { AGENT_USAGE, runAgentCommand } from "./command.ts";
export { HostFileError, parseHostFile, readHostFile } from "./host-file.ts";
export { agentMetrics } from "./metrics.ts";
export { CommandError, type HostCommands, hostCommands } from "./nft.ts";
export { diffScript, fullScript } from "./nft-script.ts";
export { emptyRuleset, type HostEntry, type Ruleset, RulesetBuilder, ruleLines } from "./ruleset.ts";
export { World } from "./world.ts";
