// End-to-end harness: starts the real `sgplane serve` as a child process on a free port and gives signing clients.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client, type ClientOptions } from "@sgplane/sdk";
import { createTestDatabase } from "../src/store/postgres/test-database.ts";

export const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
export const EXAMPLE_SEED = fileURLToPath(new URL("../../../examples/seed.json", import.meta.url));
export const OPERATOR = { publicKey: "test-operator-pub", privateKey: "test-operator-priv" };
export const DEMO = { publicKey: "demo-public-key", privateKey: "demo-private-key" };

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly dir: string;
  /** Accumulated stdout+stderr (log lines), for assertions about logging. */
  output(): string;
  client(key?: { publicKey: string; privateKey: string }, options?: Partial<ClientOptions>): Client;
  stop(): Promise<number | null>;
}

export interface StartOptions {
  readonly seed?: object | string;
  readonly db?: string;
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
}

export function runSgplane(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Runs sgplane to completion (for start-up failures); returns exit code and output. */
export function runToExit(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = runSgplane(args, env);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  // "close", not "exit": the output pipes are drained by then.
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  const dir = await mkdtemp(join(tmpdir(), "sgplane-e2e-"));
  const args = [
    "serve",
    "--port",
    "0",
    "--db",
    options.db ?? "sqlite::memory:",
    "--operator-key",
    `${OPERATOR.publicKey}:${OPERATOR.privateKey}`,
    "--log-level",
    "info",
  ];
  if (options.seed !== undefined) {
    const seedPath = typeof options.seed === "string" ? options.seed : join(dir, "seed.json");
    if (typeof options.seed !== "string") await writeFile(seedPath, JSON.stringify(options.seed));
    args.push("--seed", seedPath);
  }
  args.push(...(options.args ?? []));
  const child = runSgplane(args, options.env);
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /sgplane listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    child,
    dir,
    output: () => out,
    client: (key = DEMO, extra = {}) => new Client({ baseUrl: `${url}/`, region: "cn-bj2", ...key, ...extra }),
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      const code = await exited;
      await rm(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** POSTs raw bytes (for malformed-input tests); returns status, headers and the parsed body. */
export async function postRaw(url: string, body: string | Uint8Array, contentType: string, path = "/") {
  const res = await fetch(new URL(path, url), { method: "POST", headers: { "Content-Type": contentType }, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as Record<string, unknown> | undefined };
}

/** Servers sharing one fresh PostgreSQL database; stop() stops them and drops the database. */
export interface PostgresCluster {
  readonly servers: readonly ServerProcess[];
  readonly databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * `count` servers (a pool of 8 connections each) started all at once on a fresh PostgreSQL database with one seed,
 * so their migrations and seed loads race as several servers' would. If any fails to start, the others are stopped
 * and the database dropped before the error is thrown.
 */
export async function startPostgresCluster(name: string, seed: object, count = 3): Promise<PostgresCluster> {
  const database = await createTestDatabase(name);
  const url = new URL(database.url);
  url.searchParams.set("pool", "8");
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => startServer({ db: url.toString(), seed })),
  );
  const servers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database.drop();
  };
  const failed = started.find((s) => s.status === "rejected");
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  return { servers, databaseUrl: database.url, stop };
}
