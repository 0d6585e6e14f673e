// `sgplane check`: one packet against a resource's security groups, answered in one line (or the raw reply).
import { type ActionInput, type ActionOutput, DIRECTIONS, PACKET_PROTOCOLS } from "@sgplane/catalogue";
import { clientFor } from "./connect.ts";
import { CHECK_COMMAND, parseExtraArgs } from "./extra-commands.ts";
import { EXIT } from "./global-flags.ts";
import { textValue } from "./parse-command.ts";
import { parseEnum, parseInteger } from "./parse-values.ts";
import type { CliIo } from "./run.ts";

type CheckInput = ActionInput<"CheckSecGroupPacket">;
type CheckReply = ActionOutput<"CheckSecGroupPacket">;

export async function checkCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, globals } = parseExtraArgs(CHECK_COMMAND, args);
  // parseExtraArgs refused the command line without the required flags, so these are present.
  const text = (flag: string) => textValue(values, flag) ?? "";
  const label = (flag: string) => `check --${flag}`;
  const port = textValue(values, "port");
  const input: CheckInput = {
    ResourceId: text("resource-id"),
    Direction: parseEnum(text("direction"), DIRECTIONS, label("direction")),
    ProtocolType: parseEnum(text("protocol"), PACKET_PROTOCOLS, label("protocol")),
    PeerIp: text("peer"),
    ...(port !== undefined && { Port: parseInteger(port, label("port")) }),
  };
  const client = await clientFor(globals, io.env);
  const { $metadata: _metadata, ...reply } = await client.checkSecGroupPacket(input);
  io.stdout(values.json === true ? `${JSON.stringify(reply, null, 2)}\n` : `${checkLine(reply)}\n`);
  // A Drop is an answer like an Accept: only a refused call (RetCode ≠ 0) or a bad command line exits non-zero.
  return EXIT.ok;
}

const REASON_LABELS: Readonly<Record<CheckReply["Reason"], string>> = {
  Rule: "rule",
  Default: "default",
  ServiceNetwork: "service network",
};

/**
 * `Drop  (rule 5 of secgroup-x, group priority 1): TCP 22 from 0.0.0.0/0`; in Firewall mode
 * `Accept  (rule 0 of firewall-x: TCP|22|0.0.0.0/0|ACCEPT|HIGH|ssh): TCP 22 from 0.0.0.0/0`; `Drop  (default): …`.
 */
export function checkLine(reply: CheckReply): string {
  if (reply.Reason === "Rule" && reply.RuleSummary !== undefined && reply.FirewallRule !== undefined) {
    return `${reply.Verdict}  (rule ${reply.RuleIndex} of ${reply.FWId}: ${reply.FirewallRule}): ${reply.RuleSummary}`;
  }
  if (reply.Reason === "Rule" && reply.RuleSummary !== undefined) {
    return `${reply.Verdict}  (rule ${reply.RulePriority} of ${reply.SecGroupId}, group priority ${reply.GroupPriority}): ${reply.RuleSummary}`;
  }
  return `${reply.Verdict}  (${REASON_LABELS[reply.Reason]}): ${reply.Explanation}`;
}
