// The `sgplane` CLI: dispatches a subcommand, calls the API through the SDK, prints the answer, picks the exit code.
import { readFile } from "node:fs/promises";
import { type ClientOptions, RetCodeError, TransportError } from "@sgplane/sdk";
import { auditCommand } from "./audit-command.ts";
import { checkCommand } from "./check-command.ts";
import { findCommand, suggest } from "./command-model.ts";
import { configureCommand } from "./configure.ts";
import { clientFor } from "./connect.ts";
import { eventsCommand } from "./events-command.ts";
import { findExtraCommand } from "./extra-commands.ts";
import { EXIT } from "./global-flags.ts";
import { commandHelp, extraCommandHelp, topHelp } from "./help.ts";
import { renderHuman, renderJson } from "./output.ts";
import { completeInput, type GlobalValues, parseActionArgs, parseCallArgs } from "./parse-command.ts";
import { parseJsonObject, UsageError } from "./parse-values.ts";

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  /** Calls listener on Ctrl-C (SIGINT) or SIGTERM until the returned function is called (for --follow). */
  onInterrupt?(listener: () => void): () => void;
}

export function processIo(): CliIo {
  return {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    onInterrupt(listener) {
      process.on("SIGINT", listener);
      process.on("SIGTERM", listener);
      return () => {
        process.off("SIGINT", listener);
        process.off("SIGTERM", listener);
      };
    },
  };
}

/** Runs one command line (without `node` and the script) and resolves to the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...args] = argv;
  let json = args.includes("--json");
  try {
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      const target = name === "help" && args[0] !== undefined ? findCommand(args[0]) : undefined;
      const extra = name === "help" && args[0] !== undefined ? findExtraCommand(args[0]) : undefined;
      io.stdout(extra !== undefined ? extraCommandHelp(extra) : target === undefined ? topHelp() : commandHelp(target));
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    if (name === "configure") return await configureCommand(args, io);
    if (name === "call") {
      const parsed = parseCallArgs(args);
      json = parsed.globals.json;
      if (parsed.globals.help) {
        io.stdout(topHelp());
        return EXIT.ok;
      }
      return await send(parsed.action, parsed.globals, io, (fromFile) => ({ ...fromFile, ...parsed.params }));
    }
    const extra = findExtraCommand(name);
    if (extra !== undefined) {
      json = args.includes("--json") || args.includes("--jsonl");
      if (args.includes("--help") || args.includes("-h")) {
        io.stdout(extraCommandHelp(extra));
        return EXIT.ok;
      }
      switch (extra.name) {
        case "events":
          return await eventsCommand(args, io);
        case "audit":
          return await auditCommand(args, io);
        case "check":
          return await checkCommand(args, io);
      }
    }
    const command = findCommand(name);
    if (command === undefined) {
      const guesses = suggest(name);
      const hint = guesses.length > 0 ? ` Did you mean ${guesses.join(" or ")}?` : "";
      throw new UsageError(`unknown command "${name}".${hint} (sgplane --help lists them)`);
    }
    const parsed = parseActionArgs(command, args);
    json = parsed.globals.json;
    if (parsed.globals.help) {
      io.stdout(commandHelp(command));
      return EXIT.ok;
    }
    return await send(command.action, parsed.globals, io, (fromFile, connection) =>
      completeInput(command, parsed.input, fromFile, connection),
    );
  } catch (error) {
    return reportFailure(error, json, io);
  }
}

/** Builds the parameters (from --json-file and the command line), calls the action, prints the answer. */
async function send(
  action: string,
  globals: GlobalValues,
  io: CliIo,
  params: (fromFile: Record<string, unknown> | undefined, connection: ClientOptions) => Record<string, unknown>,
): Promise<number> {
  const fromFile = await jsonFileInput(globals, io);
  const client = await clientFor(globals, io.env);
  const { envelope } = await client.execute(action, params(fromFile, client.options));
  const { Action: _action, RetCode: _retCode, Message: _message, ...output } = envelope;
  io.stdout(globals.json ? renderJson(output) : renderHuman(action, output));
  return EXIT.ok;
}

async function jsonFileInput(globals: GlobalValues, io: CliIo): Promise<Record<string, unknown> | undefined> {
  const path = globals.jsonFile;
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = path === "-" ? await io.readStdin() : await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`--json-file ${path}: cannot read (${(error as Error).message})`);
  }
  return parseJsonObject(text, `--json-file ${path}`);
}

function reportFailure(error: unknown, json: boolean, io: CliIo): number {
  if (error instanceof UsageError) {
    const more = error.command === undefined ? "sgplane --help" : `sgplane ${error.command} --help`;
    io.stderr(`sgplane: ${error.message}\nSee: ${more}\n`);
    return EXIT.usage;
  }
  if (!(error instanceof RetCodeError || error instanceof TransportError)) throw error;
  const tries = error.attempts > 1 ? ` (after ${error.attempts} attempts)` : "";
  if (error instanceof RetCodeError) {
    io.stderr(
      json
        ? `${JSON.stringify({ Action: error.action, RetCode: error.retCode, Message: error.apiMessage, RequestId: error.requestId ?? null })}\n`
        : `sgplane: ${error.action} failed: RetCode ${error.retCode}: ${error.apiMessage}${tries}\n${error.requestId ? `  request id ${error.requestId}\n` : ""}`,
    );
    return EXIT.retCode;
  }
  io.stderr(
    json
      ? `${JSON.stringify({ Action: error.action, Error: error.kind, Message: error.message, Status: error.status ?? null })}\n`
      : `sgplane: ${error.message}${tries}\n`,
  );
  return EXIT.transport;
}
