// Starts the real `sgplane agent` as a child process (as an operator would) and waits for it to be in step.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAIN, OPERATOR } from "../../server/test/harness.ts";
import type { AgentStatus } from "../src/agent.ts";

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly statusUrl: string;
  readonly dir: string;
  readonly stateFile: string;
  output(): string;
  status(): Promise<AgentStatus>;
  /** Resolves once the agent's rules are in step with feed position `position` (or rejects after `timeoutMs`). */
  inStep(position: number, timeoutMs?: number): Promise<AgentStatus>;
  /** SIGTERM, or SIGKILL for a crash; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface AgentStart {
  readonly baseUrl: string;
  readonly netns: string;
  readonly resources: Readonly<Record<string, string>>;
  readonly args?: readonly string[];
  /** Reuse a state file (a restart). */
  readonly stateFile?: string;
  readonly dir?: string;
}

export async function startAgent(o: AgentStart): Promise<AgentProcess> {
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), "sgplane-agent-")));
  const hostFile = join(dir, "host.json");
  await writeFile(hostFile, JSON.stringify({ resources: o.resources }));
  const stateFile = o.stateFile ?? join(dir, "agent-state.json");
  const args = [
    "agent",
    "--host-file",
    hostFile,
    "--base-url",
    o.baseUrl,
    "--public-key",
    OPERATOR.publicKey,
    "--private-key",
    OPERATOR.privateKey,
    "--netns",
    o.netns,
    "--listen",
    "127.0.0.1:0",
    "--state-file",
    stateFile,
    ...(o.args ?? []),
  ];
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const statusUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start:\n${out}`)), 30_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /status at (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code}:\n${out}`));
    });
  });
  const status = async () => (await (await fetch(`${statusUrl}/healthz`)).json()) as AgentStatus;
  return {
    child,
    statusUrl,
    dir,
    stateFile,
    output: () => out,
    status,
    async inStep(position, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await status();
        if (s.position >= position && s.ok) return s;
        if (Date.now() > deadline) throw new Error(`agent not in step with ${position}: ${JSON.stringify(s)}\n${out}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill(signal);
      const code = await exited;
      if (o.dir === undefined && signal === "SIGTERM") await rm(dir, { recursive: true, force: true }).catch(() => {});
      return code;
    },
  };
}

/** Runs `sgplane agent …` to its exit (for refusals at start-up). */
export function runAgentToExit(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "agent", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    output += d.toString();
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
}
