// Running the lab's commands. Everything but `ip netns add/del/list/pids` goes through `ip netns exec <ns>`, so no
// command of the lab can touch the root namespace's interfaces, routes or nftables.
import { execFileSync, spawn } from "node:child_process";

/** Root's PATH may lack the sbin directories where ip and nft live when the tests start from a user shell. */
export const COMMAND_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: [process.env.PATH ?? "", "/usr/local/sbin", "/usr/sbin", "/sbin"].filter((p) => p !== "").join(":"),
};

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  readonly stdin?: string;
  /** Resolve with a non-zero exit code instead of rejecting. */
  readonly allowFailure?: boolean;
  readonly timeoutMs?: number;
}

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: ExecResult,
  ) {
    super(`${argv.join(" ")} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = "CommandError";
  }
}

export function run(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const [command, ...args] = argv;
  if (command === undefined) return Promise.reject(new Error("run: empty argv"));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: COMMAND_ENV, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stderr += `\n(killed after ${options.timeoutMs} ms)`;
            child.kill("SIGKILL");
          }, options.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? (signal === null ? 1 : 128), stdout, stderr };
      if (result.code === 0 || options.allowFailure === true) resolve(result);
      else reject(new CommandError(argv, result));
    });
    child.stdin.on("error", () => {}); // a command that exits without reading its stdin
    child.stdin.end(options.stdin ?? "");
  });
}

/** The argv that runs `argv` inside network namespace `netns`. */
export function inNetns(netns: string, argv: readonly string[]): string[] {
  return ["ip", "netns", "exec", netns, ...argv];
}

export function runIn(netns: string, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return run(inNetns(netns, argv), options);
}

/** For exit and signal handlers, which cannot wait for promises. Never throws. */
export function runSyncQuietly(argv: readonly string[]): void {
  const [command, ...args] = argv;
  if (command === undefined) return;
  try {
    execFileSync(command, args, { env: COMMAND_ENV, stdio: "ignore", timeout: 5000 });
  } catch {
    // best effort: sweepStaleLabs() picks up whatever this leaves
  }
}
