// Running nft: one `nft -f -` per change (one kernel transaction: all of it or none), in the host's network
// namespace or, with --netns, in a named one (/run/netns/NAME, as `ip netns add` makes them). nsenter enters only
// the network namespace; `ip netns exec` also makes a mount namespace and remounts /sys, which cost 1–4 ms per apply.
import { spawn } from "node:child_process";

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
}

export interface NftOptions {
  /** The nft program (default "nft"). */
  readonly nft?: string;
  /** Run every command inside this named network namespace (`nsenter --net=/run/netns/NAME …`). */
  readonly netns?: string;
}

export function hostCommands(options: NftOptions = {}): HostCommands {
  const nft = options.nft ?? "nft";
  const inNamespace = (argv: string[]) =>
    options.netns === undefined ? argv : ["nsenter", `--net=/run/netns/${options.netns}`, "--", ...argv];
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
    async interfaces() {
      const argv =
        options.netns === undefined ? ["ip", "-o", "link", "show"] : ["ip", "-n", options.netns, "-o", "link", "show"];
      const result = await run(argv);
      if (result.code !== 0) throw new CommandError(argv, result.code, result.stderr);
      // "3: vab12e1@if2: <BROADCAST,…" — the name ends at '@' (a veth's peer) or ':'.
      const names = result.stdout.split("\n").map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1]);
      return new Set(names.filter((name): name is string => name !== undefined));
    },
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
