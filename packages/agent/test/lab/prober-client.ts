// The lab's side of a prober: starts it inside its namespace, matches replies to requests, passes events on.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { transformSync } from "esbuild";
import { COMMAND_ENV, inNetns } from "./exec.ts";
import type { Command, ProberConfig, ProberEvent, Reply } from "./protocol.ts";

const SOURCE = fileURLToPath(new URL("./prober.ts", import.meta.url));
const START_TIMEOUT_MS = 15_000;

let compiled: string | undefined;

/**
 * prober.ts as plain JavaScript, written once per content hash. Stripping the types here instead of starting each
 * prober through tsx makes a prober start in ~80 ms rather than ~220 ms (measured; README.md, "Start-up").
 */
export function proberScript(): string {
  if (compiled !== undefined) return compiled;
  const source = readFileSync(SOURCE, "utf8");
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), "sgplane-lab");
  const file = join(dir, `prober-${hash}.mjs`);
  const { code } = transformSync(source, { loader: "ts", format: "esm", target: "node20", sourcefile: SOURCE });
  mkdirSync(dir, { recursive: true });
  // Through a rename, so that a parallel test file never runs a half-written script.
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, code);
  renameSync(partial, file);
  compiled = file;
  return file;
}

type Request = Command extends infer C ? (C extends Command ? Omit<C, "id"> : never) : never;

export interface ProbeAnswer {
  readonly pass: boolean;
  readonly reason?: string;
}

export class Prober {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (a: ProbeAnswer) => void; reject: (e: Error) => void }>();
  private stderr = "";
  private exited: Error | undefined;
  private readonly exit: Promise<void>;

  private constructor(
    readonly endpoint: string,
    readonly netns: string,
    private readonly child: ChildProcessWithoutNullStreams,
    onEvent: (event: ProberEvent) => void,
  ) {
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.trim() === "") return;
      const message = JSON.parse(line) as Reply | ProberEvent;
      if ("event" in message) onEvent(message);
      else this.settle(message);
    });
    child.stdin.on("error", () => {}); // reported through "exit" instead
    this.exit = new Promise((resolve) => {
      child.once("close", (code, signal) => {
        this.exited = new Error(
          `lab: the prober of ${endpoint} (${netns}) exited (${signal ?? code})${this.stderr ? `: ${this.stderr.trim()}` : ""}`,
        );
        for (const { reject } of this.pending.values()) reject(this.exited);
        this.pending.clear();
        resolve();
      });
    });
  }

  static start(
    endpoint: string,
    netns: string,
    config: ProberConfig,
    onEvent: (e: ProberEvent) => void,
  ): Promise<Prober> {
    const child = spawn(...argv0(inNetns(netns, [process.execPath, proberScript(), JSON.stringify(config)])), {
      env: COMMAND_ENV,
      stdio: ["pipe", "pipe", "pipe"],
    });
    return new Promise((resolve, reject) => {
      let ready = false;
      const prober: Prober = new Prober(endpoint, netns, child, (event) => {
        if (event.event === "ready" && !ready) {
          ready = true;
          clearTimeout(timer);
          resolve(prober);
        } else onEvent(event);
      });
      const timer = setTimeout(() => {
        prober.kill();
        reject(new Error(`lab: the prober of ${endpoint} (${netns}) did not start in ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      void prober.exit.then(() => {
        clearTimeout(timer);
        if (!ready) reject(prober.exited);
      });
    });
  }

  /** The process id of the prober (ip netns exec replaces itself with node, so this is node's). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the prober is still there (after the lab's destroy() or a crash it is not). */
  get running(): boolean {
    return this.exited === undefined;
  }

  request(request: Request): Promise<ProbeAnswer> {
    if (this.exited !== undefined) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ ...request, id })}\n`);
    });
  }

  private settle(reply: Reply): void {
    const waiter = this.pending.get(reply.id);
    if (waiter === undefined) return;
    this.pending.delete(reply.id);
    if ("error" in reply) waiter.reject(new Error(`lab: prober of ${this.endpoint}: ${reply.error}`));
    else waiter.resolve(reply.reason === undefined ? { pass: reply.pass } : { pass: reply.pass, reason: reply.reason });
  }

  /** Ends the prober (it exits when its stdin closes), killing it if it does not go within a second. */
  async close(): Promise<void> {
    if (this.exited !== undefined) return;
    this.child.stdin.end();
    const timer = setTimeout(() => this.kill(), 1000);
    await this.exit;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.exited === undefined) this.child.kill("SIGKILL");
  }
}

function argv0(argv: string[]): [string, string[]] {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error("empty argv");
  return [command, args];
}
