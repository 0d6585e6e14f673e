// One long-lived `nft -i` per agent instead of a process per apply: forking the agent (tens of MB of page tables)
// and starting nft cost more CPU than the transaction itself. nft's interactive mode runs each input line through
// nft_run_cmd_from_buffer, the call `nft -f` makes for a whole file: one line is ONE kernel transaction, all of it
// or none (a refusal anywhere aborts the line). So a script is sent as one line, its lines joined with "; ", which
// nft's grammar takes exactly as it takes newlines.
//
// nft -i prints nothing for a command that worked, so each request is followed by a marker: a listing of a table
// that does not exist, whose error (with the echoed command) ends the request's output. stderr is merged into
// stdout (sh's `2>&1`), so what nft printed for the request comes, in order, before the marker's error.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";

/** What nft printed for one request: empty for a change that applied, "Error: …" lines for a refusal. */
export interface SessionReply {
  readonly output: string;
  readonly refused: boolean;
}

export class SessionLostError extends Error {}

const CLOSE_WAIT_MS = 2000;

interface Pending {
  readonly resolve: (reply: string) => void;
  readonly reject: (error: Error) => void;
}

export class NftSession {
  readonly #argv: readonly string[];
  readonly #marker = `sgplane_end_${process.pid}_${randomBytes(4).toString("hex")}`;
  #child: ChildProcessWithoutNullStreams | undefined;
  #buffer = "";
  #pending: Pending | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** `argv`: the nft command with its arguments, `-i` included (and a `nsenter … --` in front, if any). */
  constructor(argv: readonly string[]) {
    this.#argv = argv;
  }

  /** Runs one line as one nft command buffer (one transaction); requests are sent one at a time. */
  request(line: string): Promise<SessionReply> {
    if (line.includes("\n")) throw new Error("an nft session request is one line");
    const run = this.#queue.then(() => this.#send(line));
    this.#queue = run.catch(() => {});
    return run.then((output) => ({ output, refused: /^Error: /m.test(output) }));
  }

  /** Ends nft (end of its input); the rules stay as they are. */
  async close(): Promise<void> {
    this.#closed = true;
    const child = this.#child;
    if (child === undefined) return;
    await this.#queue;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      // nft ends at the end of its input; one that does not is not left behind.
      const timer = setTimeout(() => child.kill("SIGKILL"), CLOSE_WAIT_MS);
      child.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin.end();
    });
  }

  #send(line: string): Promise<string> {
    if (this.#closed) return Promise.reject(new SessionLostError("the nft session is closed"));
    const child = this.#child ?? this.#start();
    return new Promise<string>((resolve, reject) => {
      this.#pending = { resolve, reject };
      child.stdin.write(`${line}\nlist table inet ${this.#marker}\n`);
    });
  }

  #start(): ChildProcessWithoutNullStreams {
    // HOME: nft -i keeps a history file there; an agent has none to keep.
    const child = spawn("/bin/sh", ["-c", 'exec "$@" 2>&1', "sh", ...this.#argv], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, HOME: "/nonexistent" },
    });
    this.#child = child;
    this.#buffer = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      this.#buffer += chunk;
      this.#deliver();
    });
    child.stderr.resume();
    child.stdin.on("error", () => {});
    const lost = (why: string) => {
      if (this.#child === child) this.#child = undefined;
      const pending = this.#pending;
      this.#pending = undefined;
      const said = this.#buffer.trim();
      this.#buffer = "";
      pending?.reject(
        new SessionLostError(`${this.#argv.join(" ")} ${why}${said === "" ? "" : `: ${said.slice(0, 2000)}`}`),
      );
    };
    child.on("error", (error) => lost(`could not run (${error.message})`));
    child.on("close", (code, signal) => lost(`exited (${signal ?? `exit ${code}`})`));
    return child;
  }

  /** Hands the output up to the marker's error to the request waiting for it. */
  #deliver(): void {
    const echo = `\nlist table inet ${this.#marker}\n`;
    const at = `\n${this.#buffer}`.indexOf(echo);
    if (at < 0) return;
    // The caret line under the echoed command ends the marker's error.
    const caretEnd = this.#buffer.indexOf("\n", at + echo.length - 1);
    if (caretEnd < 0) return;
    const before = this.#buffer.slice(0, Math.max(0, at - 1));
    this.#buffer = this.#buffer.slice(caretEnd + 1);
    // Drop the marker's own "Error: …" line, the last line before its echo.
    const cut = before.lastIndexOf("Error: ");
    const output = cut < 0 ? before : before.slice(0, cut);
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve(output);
  }
}

/** A script as one line: nft's grammar takes "; " wherever it takes a newline. */
export function oneLine(script: string): string {
  return script
    .split("\n")
    .filter((line) => line.trim() !== "")
    .join("; ");
}

/**
 * A refusal as `nft -f` would report it: the error lines, each with the script line the caret points at (nft -i
 * echoes the whole line it got, which for a script can be megabytes).
 */
export function describeRefusal(output: string, script: string): string {
  const lines = script.split("\n").filter((line) => line.trim() !== "");
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    starts.push(offset);
    offset += line.length + 2;
  }
  const lineAt = (column: number) => {
    let i = 0;
    while (i + 1 < starts.length && (starts[i + 1] ?? 0) <= column) i++;
    return i;
  };
  const out: string[] = [];
  const said = output.split("\n");
  for (let i = 0; i < said.length; i++) {
    const text = said[i] ?? "";
    if (!text.startsWith("Error: ")) continue;
    out.push(text);
    const caret = said[i + 2] ?? "";
    const column = caret.indexOf("^");
    if (column >= 0 && said[i + 1] !== undefined) {
      const n = lineAt(column);
      out.push(`  script line ${n + 1}: ${(lines[n] ?? "").trim()}`);
      i += 2;
    }
  }
  return out.length === 0 ? output : `${out.join("\n")}\n`;
}
