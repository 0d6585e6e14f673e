// Rules being edited on a group's page, and how a server refusal is put back beside the field that caused it.
import type { ActionInput, ActionOutput } from "@sgplane/catalogue/wire";
import { CallError } from "../api/client.ts";

export type Rule = ActionOutput<"DescribeSecGroup">["DataSet"][number]["Rule"][number];
export type Direction = "Ingress" | "Egress";
type WireRule = ActionInput<"CreateSecGroupRule">["Rule"][number];

export interface Draft {
  /** The rule id for an edit; "new-N" for a rule being added. */
  readonly key: string;
  readonly ruleId?: string;
  readonly Direction: Direction;
  readonly ProtocolType: string;
  readonly DstPort: string;
  readonly IPRange: string;
  readonly Priority: string;
  readonly RuleAction: string;
  readonly Remark: string;
  readonly IPVersion: string;
}

export type DraftField = "ProtocolType" | "DstPort" | "IPRange" | "Priority" | "RuleAction" | "Remark" | "IPVersion";
export type FieldErrors = Record<string, Partial<Record<DraftField | "row", string>>>;

export function draftOf(rule: Rule): Draft {
  return {
    key: rule.RuleId,
    ruleId: rule.RuleId,
    Direction: rule.Direction as Direction,
    ProtocolType: rule.ProtocolType,
    DstPort: rule.DstPort,
    IPRange: rule.IPRange,
    Priority: String(rule.Priority),
    RuleAction: rule.RuleAction,
    Remark: rule.Remark,
    IPVersion: rule.IPVersion,
  };
}

export function newDraft(key: string, direction: Direction, taken: readonly number[]): Draft {
  let priority = 1;
  while (taken.includes(priority) && priority < 200) priority++;
  return {
    key,
    Direction: direction,
    ProtocolType: "TCP",
    DstPort: "",
    IPRange: direction === "Ingress" ? "0.0.0.0/0" : "0.0.0.0/0",
    Priority: String(priority),
    RuleAction: "Accept",
    Remark: "",
    IPVersion: "IPv4",
  };
}

/**
 * A draft as the wire takes it. Text that is not a number is sent as typed, so the server's own check names the
 * field (`Rule.0.Priority`) instead of the console guessing a rule of its own.
 */
export function wireRule(d: Draft): WireRule & { RuleId?: string } {
  const priority = /^\d+$/.test(d.Priority.trim()) ? Number(d.Priority.trim()) : d.Priority;
  return {
    ...(d.ruleId !== undefined && { RuleId: d.ruleId }),
    Direction: d.Direction,
    ProtocolType: d.ProtocolType as WireRule["ProtocolType"],
    ...(d.DstPort.trim() !== "" && { DstPort: d.DstPort.trim() }),
    IPRange: d.IPRange.trim(),
    Priority: priority as number,
    RuleAction: d.RuleAction as WireRule["RuleAction"],
    ...(d.Remark !== "" && { Remark: d.Remark }),
    IPVersion: d.IPVersion as "IPv4" | "IPv6",
  };
}

const FIELD_NAMES: readonly DraftField[] = [
  "ProtocolType",
  "DstPort",
  "IPRange",
  "Priority",
  "RuleAction",
  "Remark",
  "IPVersion",
];

/**
 * Which drafts and fields a refusal of a call carrying `sent` (in this order) names:
 *  - 220/230 name the wire parameter, `Rule.<index in the call>.<Field>`;
 *  - 58203 names a priority and a direction: every draft sent with both is marked;
 *  - 58202 (too many rules in a direction) marks the rows of that direction.
 * Anything else is not about one field: the caller shows it as the page's alert.
 */
export function fieldErrorsOf(error: unknown, sent: readonly Draft[]): FieldErrors | undefined {
  if (!(error instanceof CallError)) return undefined;
  const text = `${error.message} (RetCode ${error.retCode})`;
  const wire = error.field;
  if (wire !== undefined) {
    const m = /^Rule\.(\d+)(?:\.(\w+))?$/i.exec(wire);
    const draft = m ? sent[Number(m[1])] : undefined;
    if (m === null || draft === undefined) return undefined;
    const field = FIELD_NAMES.find((f) => f.toLowerCase() === (m[2] ?? "").toLowerCase());
    return { [draft.key]: { [field ?? "row"]: text } };
  }
  if (error.retCode === 58203) {
    const m = /priority \[(\d+)\] conflict in \[[^\]]*\] (\w+)/i.exec(error.message);
    if (m === null) return undefined;
    const hits = sent.filter((d) => d.Priority.trim() === m[1] && d.Direction.toLowerCase() === m[2]?.toLowerCase());
    if (hits.length === 0) return undefined;
    return Object.fromEntries(
      hits.map((d) => [
        d.key,
        { Priority: `Priority ${m[1]} is already used by another ${d.Direction} rule of this group (RetCode 58203)` },
      ]),
    );
  }
  if (error.retCode === 58202) {
    return Object.fromEntries(sent.map((d) => [d.key, { row: text }]));
  }
  return undefined;
}
