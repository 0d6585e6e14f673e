// Running nft, in the host's network namespace or, with --netns, in a named one (/run/netns/NAME, as `ip netns add`
// makes them). nsenter enters only the network namespace; `ip netns exec` also makes a mount namespace and remounts
// /sys, which cost 1–4 ms per apply. Two ways, both one kernel transaction per change (all of it or none):
// "session" (the default) keeps one `nft -i` and sends each script as one line (nft-session.ts); "exec" runs
// `nft -f -` per change and per listing, for an nft built without its interactive mode.
import { spawn } from "node:child_process";
import { describeRefusal, NftSession, oneLine } from "./nft-session.ts";

export class CommandError extends Error {
  constructor(
    readonly command: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(
      `${command.join(" ")} failed (exit ${code ?? "signal"}): ${stderr.trim().split("\n").slice(0, 6).join(" | ")}`,
    );
  }
}

export interface HostCommands {
  /** Applies a script as one transaction; throws CommandError (nothing applied) when nft refuses it. */
  apply(script: string): Promise<void>;
  /** The table as nft lists it; undefined when there is no such table. */
  list(table: string): Promise<string | undefined>;
  /** Names of the network interfaces the host has. */
  interfaces(): Promise<Set<string>>;
  /** Ends what the commands keep running (the nft session); the rules stay. */
  close(): Promise<void>;
}

export type NftMode = "session" | "exec";

/** The longest script a session is sent; longer ones go to a `nft -f -` of their own. */
export const SESSION_MAX_CHARS = 8192;

export interface NftOptions {
  /** The nft program (default "nft"). */
  readonly nft?: string;
  /** Run every command inside this named network namespace (`nsenter --net=/run/netns/NAME …`). */
  readonly netns?: string;
  /** One long-lived `nft -i` (default), or a `nft -f -` process per change. */
  readonly mode?: NftMode;
}

export function hostCommands(options: NftOptions = {}): HostCommands {
  const nft = options.nft ?? "nft";
  const inNamespace = (argv: string[]) =>
    options.netns === undefined ? argv : ["nsenter", `--net=/run/netns/${options.netns}`, "--", ...argv];
  const interfaces = async () => {
    const argv =
      options.netns === undefined ? ["ip", "-o", "link", "show"] : ["ip", "-n", options.netns, "-o", "link", "show"];
    const result = await run(argv);
    if (result.code !== 0) throw new CommandError(argv, result.code, result.stderr);
    // "3: vab12e1@if2: <BROADCAST,…" — the name ends at '@' (a veth's peer) or ':'.
    const names = result.stdout.split("\n").map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1]);
    return new Set(names.filter((name): name is string => name !== undefined));
  };
  if (options.mode === "exec") {
    return {
      async apply(script) {
        const argv = inNamespace([nft, "-f", "-"]);
        const result = await run(argv, script);
        if (result.code !== 0) throw new CommandError(argv, result.code, result.stderr);
      },
      async list(table) {
        const argv = inNamespace([nft, "list", "table", "inet", table]);
        const result = await run(argv);
        if (result.code === 0) return result.stdout;
        if (/No such file or directory|does not exist/i.test(result.stderr)) return undefined;
        throw new CommandError(argv, result.code, result.stderr);
      },
      interfaces,
      async close() {},
    };
  }
  const argv = inNamespace([nft, "-i"]);
  const session = new NftSession(argv);
  const once = hostCommands({ ...options, mode: "exec" });
  return {
    async apply(script) {
      // nft -i reads its input a byte per read(2): past a few KB, a process of its own is cheaper (a start-up or a
      // restore of a big host; a change is a few hundred bytes). Either is one transaction.
      if (script.length > SESSION_MAX_CHARS) return once.apply(script);
      const reply = await session.request(oneLine(script));
      if (reply.refused) throw new CommandError(argv, 1, describeRefusal(reply.output, script));
    },
    async list(table) {
      const reply = await session.request(`list table inet ${table}`);
      if (!reply.refused) return reply.output;
      if (/No such file or directory|does not exist/i.test(reply.output)) return undefined;
      throw new CommandError(argv, 1, reply.output);
    },
    interfaces,
    close: () => session.close(),
  };
}

function run(
  argv: readonly string[],
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = argv;
    if (command === undefined) throw new Error("empty command");
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }),
    );
    // A command that exits without reading its input (a refusal) must not fail the write.
    child.stdin.on("error", () => {});
    child.stdin.end(stdin ?? "");
  });
}
