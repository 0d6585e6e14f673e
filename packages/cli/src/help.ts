// Help text, every word of it derived from the catalogue: summaries, fields, their meaning and limits.
import {
  type ActionScope,
  catalogue,
  errorCatalogue,
  limits,
  scopeDescription,
  type TObject,
  type TSchema,
  typeName,
} from "@sgplane/catalogue";
import { type Command, commands, type FieldFlag, isList, metavar } from "./command-model.ts";
import { EXTRA_COMMANDS, type ExtraCommand, extraFlagUsage, extraSynopsis, kebabAction } from "./extra-commands.ts";
import { CONNECTION_FLAGS, EXIT, GLOBAL_FLAGS, type GlobalFlag, OPTION_FLAGS } from "./global-flags.ts";

/** `--sec-group-id ID`, `--force`, `--priority-sec-group SecGroupId=…,Priority=…`. */
export function flagUsage(flag: FieldFlag): string {
  const value = metavar(flag);
  return value === "" ? `--${flag.flag}` : `--${flag.flag} ${value}`;
}

/** required / repeatable / limits, e.g. "required, repeatable, ≤ 5 items, each id". */
export function flagTraits(flag: FieldFlag): string {
  const traits = [
    flag.required ? "required" : "",
    isList(flag.kind) ? "repeatable" : "",
    flag.kind === "boolean" ? `--no-${flag.flag} for false` : "",
    limits(flag.schema),
  ];
  return traits.filter((t) => t !== "").join(", ");
}

export function flagMeaning(flag: FieldFlag): string {
  const shared = flag.connection === undefined ? "" : " (the same wire key as the connection setting)";
  return `${flag.schema.description ?? ""}${shared}`;
}

/** typeName() writes Markdown (`Ingress` \| `Egress`); a terminal wants Ingress|Egress. */
export function plainType(schema: TSchema): string {
  return typeName(schema).replaceAll("`", "").replaceAll(" \\| ", "|");
}

export interface ItemField {
  readonly name: string;
  /** Type, required, limits: "int, required, 1–5". */
  readonly traits: string;
  readonly meaning: string;
}

/** The fields of an object-list item (Rule, PrioritySecGroup), each with its type, limits and meaning. */
export function itemFields(flag: FieldFlag): ItemField[] {
  if (flag.kind !== "object-list" || flag.item === undefined) return [];
  const item = flag.item as TObject;
  const required = new Set(item.required ?? []);
  return Object.entries(item.properties).map(([name, schema]: [string, TSchema]) => ({
    name,
    traits: [plainType(schema), required.has(name) ? "required" : "", limits(schema)]
      .filter((t) => t !== "")
      .join(", "),
    meaning: schema.description ?? "",
  }));
}

function wrapLines(text: string, indentBy: number, width = 100): string[] {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const lines: string[] = [];
  let current = "";
  for (const word of words) {
    if (current !== "" && indentBy + current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current === "" ? word : `${current} ${word}`;
  }
  if (current !== "") lines.push(current);
  return lines.map((l) => " ".repeat(indentBy) + l);
}

function scopeLine(command: Command): string {
  const s = command.spec;
  return [
    command.action,
    scopeDescription(s),
    s.mutates ? "mutating" : "read-only",
    s.retrySafe ? "retried on transient failures" : "never retried automatically (a retry could create twice)",
    s.requiresProjectId ? "--project-id required" : "",
  ]
    .filter((p) => p !== "")
    .join(" · ");
}

/** `sgplane associate-sec-group --resource-id ID... --priority-sec-group SecGroupId=…,Priority=…...`, optional in []. */
export function synopsis(command: Command): string {
  const parts = command.flags.map((f) => {
    const usage = `${flagUsage(f)}${isList(f.kind) ? "..." : ""}`;
    return f.required ? usage : `[${usage}]`;
  });
  return ["sgplane", command.name, ...parts].join(" ");
}

function usageLines(synopsisText: string): string[] {
  return wrapLines(`Usage: ${synopsisText}`, 0).map((l, i) => (i === 0 ? l : `    ${l}`));
}

function commonFlagLines(skip: readonly string[] = []): string[] {
  const common = Object.entries(GLOBAL_FLAGS)
    .filter(([name]) => !skip.includes(name))
    .map(([name, f]) => `--${name}${f.metavar ? ` ${f.metavar}` : ""}`);
  return wrapLines(`Common flags (sgplane --help): ${common.join(", ")}`, 0);
}

export function commandHelp(command: Command): string {
  const out = [...usageLines(synopsis(command)), "", ...wrapLines(command.spec.summary, 0), "", scopeLine(command)];
  out.push("", command.flags.length > 0 ? "Flags:" : "No flags besides the common ones.");
  for (const flag of command.flags) {
    const traits = flagTraits(flag);
    out.push(`  ${flagUsage(flag)}${traits ? `  (${traits})` : ""}`, ...wrapLines(flagMeaning(flag), 6));
    for (const f of itemFields(flag)) out.push(...wrapLines(`${f.name} (${f.traits}): ${f.meaning}`, 8));
  }
  const notes = command.spec.notes ?? [];
  if (notes.length > 0) out.push("", "Notes:", ...notes.flatMap((n) => wrapLines(`- ${n}`, 2)));
  const errors = command.spec.errors.map((n) => `${n} (${errorCatalogue[n].retCode})`).join(", ");
  if (errors) out.push("", "Errors besides the gateway codes:", ...wrapLines(errors, 2));
  out.push("", ...commonFlagLines());
  return `${out.join("\n")}\n`;
}

/** A hand-made command's help (events, audit, check), from the model its parser reads. */
export function extraCommandHelp(command: ExtraCommand): string {
  const out = [
    ...usageLines(extraSynopsis(command)),
    "",
    ...wrapLines(command.summary, 0),
    "",
    `Calls ${command.action} (sgplane ${kebabAction(command)} takes its fields as they are on the wire).`,
    "",
    "Flags:",
  ];
  for (const f of command.flags) {
    out.push(`  ${extraFlagUsage(f)}${f.required === true ? "  (required)" : ""}`, ...wrapLines(f.help, 6));
  }
  out.push("", "Notes:", ...command.notes.flatMap((n) => wrapLines(`- ${n}`, 2)));
  // --json/--jsonl are the command's own flags; --json-file is refused by it.
  out.push("", ...commonFlagLines(["json", "json-file"]));
  return `${out.join("\n")}\n`;
}

function globalFlagLines(flags: Readonly<Record<string, GlobalFlag>>): string[] {
  return Object.entries(flags).map(([name, f]) => {
    const env = CONNECTION_FLAGS[name]?.env;
    const head = `--${name}${f.metavar ? ` ${f.metavar}` : ""}`;
    return `  ${head.padEnd(26)}${f.help}${env ? ` [${env}]` : ""}`;
  });
}

/** `  name                          summary…`, the summary wrapped under itself. */
function listRow(name: string, summary: string): string[] {
  return wrapLines(summary, 32).map((l, i) => (i === 0 ? `  ${name.padEnd(30)}${l.trimStart()}` : l));
}

export function topHelp(): string {
  // The hand-made commands are listed after the generated ones of their actions' scope.
  const list = (scope: ActionScope) => [
    ...commands.filter((c) => c.spec.scope === scope).flatMap((c) => listRow(c.name, c.spec.summary)),
    ...EXTRA_COMMANDS.filter((c) => catalogue[c.action].scope === scope).flatMap((c) => listRow(c.name, c.summary)),
  ];
  return `Usage: sgplane <command> [flags]        (sgplane <command> --help for its flags)

A CLI for UCloud's VPC security-group API: sgplane, or UCloud itself with --base-url https://api.ucloud.cn.

Security-group commands (company key):
${list("tenant").join("\n")}

Change feed and audit trail (any key, across what it may see):
${list("account").join("\n")}

Operator commands (operator key):
${list("operator").join("\n")}

Other commands:
  call <Action> [Key=Value ...]  call any action with wire-style parameters (SecGroupId.0=a, or a key repeated)
  configure [--profile NAME]    store connection settings in a profile; without settings, show the resolved ones
  serve                         run the API server (sgplane serve --help)

Connection (a flag wins, then the environment, then the profile; an explicit --profile beats the environment):
${globalFlagLines(CONNECTION_FLAGS).join("\n")}
  Profiles live in ~/.sgplane/config.json (or $SGPLANE_CONFIG):
    {"defaultProfile": "default", "profiles": {"default": {"baseUrl": "...", "publicKey": "...",
     "privateKey": "...", "region": "cn-bj2", "projectId": "org-..."}}}

Options:
${globalFlagLines(OPTION_FLAGS).join("\n")}

Exit codes: ${EXIT.ok} success; ${EXIT.retCode} the API answered RetCode ≠ 0 (RetCode and Message on stderr);
${EXIT.usage} bad command line or configuration; ${EXIT.transport} no usable answer (network, timeout, HTTP error).
`;
}
