// Parses a subcommand's argv (node:util parseArgs) into the action's typed input and the global settings.
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { TObject } from "@sgplane/catalogue";
import type { Encoding } from "@sgplane/sdk";
import { type Command, type FieldFlag, isList } from "./command-model.ts";
import { CONNECTION_FLAGS, type ConnectionKey, GLOBAL_FLAGS } from "./global-flags.ts";
import { parseInteger, parseObjectItem, parseScalar, UsageError } from "./parse-values.ts";

export interface GlobalValues {
  readonly connection: Partial<Record<ConnectionKey, string>>;
  readonly profile?: string;
  readonly json: boolean;
  readonly jsonFile?: string;
  readonly timeoutMs?: number;
  readonly maxAttempts?: number;
  readonly encoding?: Encoding;
  readonly help: boolean;
}

export interface ParsedAction {
  readonly command: Command;
  /** Fields given as flags (the --json-file fields are merged under them later). */
  readonly input: Record<string, unknown>;
  readonly globals: GlobalValues;
}

export interface ParsedCall {
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly globals: GlobalValues;
}

const ENCODINGS: readonly Encoding[] = ["form", "json", "json-nested"];

function isEncoding(text: string): text is Encoding {
  return (ENCODINGS as readonly string[]).includes(text);
}

type Options = NonNullable<ParseArgsConfig["options"]>;
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export function globalOptions(): Options {
  const options: Options = {};
  for (const [name, g] of Object.entries(GLOBAL_FLAGS)) {
    options[name] = g.short === undefined ? { type: g.type } : { type: g.type, short: g.short };
  }
  return options;
}

export function parseFlags(
  args: readonly string[],
  options: Options,
  allowPositionals: boolean,
  command: string | undefined,
) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals });
  } catch (error) {
    // parseArgs reports unknown flags and misuse as TypeError with an ERR_PARSE_ARGS_* code: a usage mistake.
    if ((error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) {
      throw new UsageError((error as Error).message, command);
    }
    throw error;
  }
}

export function textValue(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

export function globalValues(values: FlagValues, command?: string): GlobalValues {
  const connection: Partial<Record<ConnectionKey, string>> = {};
  for (const [name, flag] of Object.entries(CONNECTION_FLAGS)) {
    const v = textValue(values, name);
    if (v !== undefined) connection[flag.key] = v;
  }
  const timeout = textValue(values, "timeout");
  const seconds = timeout === undefined ? undefined : Number(timeout);
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0)) {
    throw new UsageError(`--timeout: expected a number of seconds > 0, got "${timeout}"`, command);
  }
  const attempts = textValue(values, "max-attempts");
  const maxAttempts = attempts === undefined ? undefined : parseInteger(attempts, "--max-attempts");
  if (maxAttempts !== undefined && maxAttempts < 1) throw new UsageError("--max-attempts: must be ≥ 1", command);
  const encoding = textValue(values, "encoding");
  if (encoding !== undefined && !isEncoding(encoding)) {
    throw new UsageError(`--encoding: expected ${ENCODINGS.join(", ")}, got "${encoding}"`, command);
  }
  const profile = textValue(values, "profile");
  const jsonFile = textValue(values, "json-file");
  return {
    connection,
    json: values.json === true,
    help: values.help === true,
    ...(profile !== undefined && { profile }),
    ...(jsonFile !== undefined && { jsonFile }),
    ...(seconds !== undefined && { timeoutMs: Math.round(seconds * 1000) }),
    ...(maxAttempts !== undefined && { maxAttempts }),
    ...(encoding !== undefined && { encoding }),
  };
}

function flagOptions(command: Command): Options {
  const options = globalOptions();
  for (const f of command.flags) {
    if (f.connection !== undefined) continue;
    options[f.flag] = { type: f.kind === "boolean" ? "boolean" : "string", multiple: isList(f.kind) };
    // Node 20's parseArgs has no allowNegative, so --no-X is declared explicitly (IsRemoveFirewall=false needs it).
    if (f.kind === "boolean") options[`no-${f.flag}`] = { type: "boolean" };
  }
  return options;
}

function flagValue(f: FieldFlag, values: FlagValues): unknown {
  const label = `--${f.flag}`;
  if (f.kind === "boolean") {
    if (values[f.flag] === true && values[`no-${f.flag}`] === true) {
      throw new UsageError(`${label} and --no-${f.flag} contradict each other`);
    }
    if (values[f.flag] === true) return true;
    return values[`no-${f.flag}`] === true ? false : undefined;
  }
  const raw = values[f.flag];
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) return parseScalar(f.schema, String(raw), label);
  const item = f.item ?? f.schema;
  return raw.map((t) =>
    f.kind === "object-list" ? parseObjectItem(String(t), item as TObject, label) : parseScalar(item, String(t), label),
  );
}

export function parseActionArgs(command: Command, args: readonly string[]): ParsedAction {
  const { values } = parseFlags(args, flagOptions(command), false, command.name);
  const globals = globalValues(values, command.name);
  const input: Record<string, unknown> = {};
  try {
    for (const f of command.flags) {
      if (f.connection !== undefined) continue;
      const value = flagValue(f, values);
      if (value !== undefined) input[f.field] = value;
    }
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(error.message, command.name);
    throw error;
  }
  return { command, input, globals };
}

/** Fields from --json-file, overridden by flags; then every required field must be there (or be a connection setting). */
export function completeInput(
  command: Command,
  fromFlags: Record<string, unknown>,
  fromFile: Record<string, unknown> | undefined,
  connection: Partial<Record<ConnectionKey, string>>,
): Record<string, unknown> {
  const input = { ...fromFile, ...fromFlags };
  const missing = command.flags.filter(
    (f) =>
      f.required &&
      input[f.field] === undefined &&
      (f.connection === undefined || connection[f.connection] === undefined),
  );
  if (missing.length > 0) {
    const names = missing.map((f) => `--${f.flag}`).join(", ");
    throw new UsageError(`missing required ${missing.length === 1 ? "flag" : "flags"} ${names}`, command.name);
  }
  return input;
}

/**
 * `sgplane call <Action> Key=Value ...`: wire-style parameters, sent as text (the server types them).
 * A key given twice becomes a list (SecGroupId=a SecGroupId=b → SecGroupId.0, SecGroupId.1).
 */
export function parseCallArgs(args: readonly string[]): ParsedCall {
  const { values, positionals } = parseFlags(args, globalOptions(), true, "call");
  const globals = globalValues(values, "call");
  const [action, ...pairs] = positionals;
  if (action === undefined || !/^[A-Za-z][A-Za-z0-9]*$/.test(action)) {
    if (globals.help) return { action: "", params: {}, globals };
    throw new UsageError("call: expected an Action name, e.g. sgplane call DescribeSecGroup Limit=5", "call");
  }
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`call: "${pair}" is not Key=Value`, "call");
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const previous = params[key];
    params[key] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return { action, params, globals };
}
