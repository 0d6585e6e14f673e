// Hand-made commands beside the generated ones (`events`, `audit`, `check`): one model per command that the parser,
// the help text and docs/cli.md all read, so they cannot drift apart.
import { DIRECTIONS, EVENT_TYPE_NAMES, PACKET_PROTOCOLS } from "@sgplane/catalogue";
import { kebab } from "./command-model.ts";
import { type FlagValues, type GlobalValues, globalOptions, globalValues, parseFlags } from "./parse-command.ts";
import { UsageError } from "./parse-values.ts";
import { TIME_FORMS } from "./time-values.ts";

export interface ExtraFlag {
  readonly name: string;
  readonly type: "string" | "boolean";
  /** Repeatable (each value may also be a comma-separated list). */
  readonly multiple?: boolean;
  readonly metavar?: string;
  /** The command refuses to run without it (string flags only). */
  readonly required?: boolean;
  readonly help: string;
}

export interface ExtraCommand {
  readonly name: "events" | "audit" | "check";
  /** The catalogue action it calls (whose generic subcommand takes every field as sent on the wire). */
  readonly action: "DescribeFeedEvents" | "DescribeAuditRecords" | "CheckSecGroupPacket";
  readonly summary: string;
  readonly flags: readonly ExtraFlag[];
  readonly notes: readonly string[];
}

const output = (what: string): ExtraFlag[] => [
  { name: "json", type: "boolean", help: `Print ${what} as one JSON document.` },
  { name: "jsonl", type: "boolean", help: "Print one JSON object per line (for export and for jq)." },
];

export const EVENTS_COMMAND: ExtraCommand = {
  name: "events",
  action: "DescribeFeedEvents",
  summary:
    "Print the change feed's events after a cursor and the cursor to resume from; with --follow, keep printing " +
    "them as they happen (like tail -f) until Ctrl-C.",
  flags: [
    {
      name: "after",
      type: "string",
      metavar: "CURSOR",
      help: "Start after this cursor (an event's Cursor, a snapshot's, or the one a previous run printed); default: now.",
    },
    {
      name: "follow",
      type: "boolean",
      help: "Keep following: print each event as it is committed; reconnects by itself after a dropped connection.",
    },
    {
      name: "types",
      type: "string",
      multiple: true,
      metavar: "TYPE,...",
      help: `Only these event types (repeatable or comma-separated): ${EVENT_TYPE_NAMES.join(", ")}.`,
    },
    { name: "company-id", type: "string", metavar: "N", help: "Operator key: only this company's events." },
    ...output("the events and the resume Cursor"),
  ],
  notes: [
    "Without --follow the command prints every event after the cursor, then `Cursor: …` (on stderr with --jsonl, " +
      "in the document with --json); pass it as --after to go on from there.",
    "With --follow the output is one line per event (a JSON object per line with --jsonl); on Ctrl-C (SIGINT) or " +
      "SIGTERM it prints `Cursor: …` on stderr and exits 0.",
    "A cursor older than the server's feed retention is refused (RetCode 58301, exit 1): take a new snapshot " +
      "(sgplane describe-feed-snapshot) and follow from its Cursor.",
  ],
};

export const AUDIT_COMMAND: ExtraCommand = {
  name: "audit",
  action: "DescribeAuditRecords",
  summary: "Search the audit trail (every call, accepted or refused), newest first, as a table, JSON or JSON lines.",
  flags: [
    { name: "start", type: "string", metavar: "TIME", help: "Only calls answered at or after TIME." },
    { name: "end", type: "string", metavar: "TIME", help: "Only calls answered before TIME." },
    {
      name: "action",
      type: "string",
      multiple: true,
      metavar: "ACTION",
      help: "Only calls of these actions (repeatable or comma-separated), e.g. DisassociateSecGroup.",
    },
    { name: "resource-id", type: "string", metavar: "ID", help: "Only calls that named this resource." },
    { name: "sec-group-id", type: "string", metavar: "ID", help: "Only calls that named this security group." },
    { name: "key", type: "string", metavar: "PUBLIC-KEY", help: "Only calls made with this public key." },
    { name: "user", type: "string", metavar: "NAME", help: "Only calls made by this user's keys." },
    {
      name: "ret-code",
      type: "string",
      multiple: true,
      metavar: "N",
      help: "Only calls answered with these RetCodes (repeatable or comma-separated).",
    },
    { name: "failed", type: "boolean", help: "Only refused calls (RetCode ≠ 0); --no-failed: only accepted ones." },
    { name: "no-failed", type: "boolean", help: "Only accepted calls (RetCode 0)." },
    { name: "company-id", type: "string", metavar: "N", help: "Operator key: only this company's calls." },
    {
      name: "limit",
      type: "string",
      metavar: "N",
      help: "Records to show (default 100; with --jsonl: all of them unless given).",
    },
    { name: "offset", type: "string", metavar: "N", help: "Skip this many of the newest matching records." },
    ...output("the server's answer (Records, TotalCount)"),
  ],
  notes: [
    `TIME is ${TIME_FORMS}.`,
    "--jsonl pages through every matching record (an export), one per line, each exactly once even while new calls " +
      "are being recorded.",
  ],
};

export const CHECK_COMMAND: ExtraCommand = {
  name: "check",
  action: "CheckSecGroupPacket",
  summary:
    "Say whether a resource's security groups (or firewall) accept or drop one packet, and which rule decides, " +
    "in one line (sgplane's evaluator).",
  flags: [
    { name: "resource-id", type: "string", metavar: "ID", required: true, help: "The resource." },
    {
      name: "direction",
      type: "string",
      metavar: DIRECTIONS.join("|"),
      required: true,
      help: "Ingress: a packet to the resource; Egress: a packet from it.",
    },
    {
      name: "protocol",
      type: "string",
      metavar: PACKET_PROTOCOLS.join("|"),
      required: true,
      help: "The packet's protocol (any case).",
    },
    {
      name: "port",
      type: "string",
      metavar: "N",
      help: "Destination port: required for TCP and UDP, ignored for ICMP, ICMPv6 and GRE.",
    },
    {
      name: "peer",
      type: "string",
      metavar: "IP",
      required: true,
      help: "The other end: the source of an ingress packet, the destination of an egress one.",
    },
    { name: "json", type: "boolean", help: "Print the server's answer as one JSON document." },
  ],
  notes: [
    "Prints e.g. `Drop  (rule 5 of secgroup-x, group priority 1): TCP 22 from 0.0.0.0/0`, or `Drop  (default): " +
      "no rule matched: Ingress defaults to Drop`.",
    "Exits 0 for Accept and Drop alike (a Drop is an answer, not an error); 1 when the API refuses the call (an " +
      "unknown resource: RetCode 8039), 2 for a bad command line.",
    "The answer is for a new connection: replies of an accepted one pass whatever the rules say. See sgplane " +
      "describe-resource-policy for the whole ordered list.",
  ],
};

export const EXTRA_COMMANDS: readonly ExtraCommand[] = [EVENTS_COMMAND, AUDIT_COMMAND, CHECK_COMMAND];

export function findExtraCommand(name: string): ExtraCommand | undefined {
  return EXTRA_COMMANDS.find((c) => c.name === name);
}

export function extraFlagUsage(flag: ExtraFlag): string {
  return flag.metavar === undefined ? `--${flag.name}` : `--${flag.name} ${flag.metavar}`;
}

export function extraSynopsis(command: ExtraCommand): string {
  const jsonl = command.flags.some((f) => f.name === "jsonl");
  const flags = command.flags.filter((f) => f.name !== "no-failed" && f.name !== "jsonl");
  const parts = flags.map((f) =>
    f.name === "json"
      ? `[--json${jsonl ? "|--jsonl" : ""}]`
      : f.required === true
        ? extraFlagUsage(f)
        : `[${extraFlagUsage(f)}]`,
  );
  return ["sgplane", command.name, ...parts].join(" ");
}

export interface ParsedExtra {
  readonly values: Readonly<FlagValues>;
  readonly globals: GlobalValues;
}

export function parseExtraArgs(command: ExtraCommand, args: readonly string[]): ParsedExtra {
  const options = globalOptions();
  for (const f of command.flags) {
    if (f.name !== "json") options[f.name] = { type: f.type, multiple: f.multiple === true };
  }
  const { values } = parseFlags(args, options, false, command.name);
  const globals = globalValues(values, command.name);
  if (values.json === true && values.jsonl === true) throw new UsageError("--json and --jsonl: pick one", command.name);
  if (globals.jsonFile !== undefined) throw new UsageError("--json-file is for the generic commands", command.name);
  const missing = command.flags.filter((f) => f.required === true && values[f.name] === undefined);
  if (missing.length > 0) {
    const names = missing.map((f) => `--${f.name}`).join(", ");
    throw new UsageError(`missing required ${missing.length === 1 ? "flag" : "flags"} ${names}`, command.name);
  }
  return { values, globals };
}

/** Each value of a repeatable flag, commas splitting further: --types A,B --types C → [A, B, C]. */
export function listValues(values: ParsedExtra["values"], name: string): string[] | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const list = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(","));
  return list.map((v) => v.trim()).filter((v) => v !== "");
}

export function kebabAction(command: ExtraCommand): string {
  return kebab(command.action);
}
