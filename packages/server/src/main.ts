// The sgplane command: `sgplane serve [options]` runs the server, `sgplane agent` the host agent (@sgplane/agent);
// every other command is the CLI (@sgplane/cli).

import { ConfigError, parseServeConfig, SERVE_USAGE } from "./config.ts";

async function serve(args: readonly string[]): Promise<number> {
  let config: ReturnType<typeof parseServeConfig>;
  try {
    config = parseServeConfig(args, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`sgplane serve: ${error.message}\n\n${SERVE_USAGE}`);
      return 2;
    }
    throw error;
  }
  if (config === "help") {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  // Loaded here, not at the top, so CLI commands never load the store (better-sqlite3) or the HTTP stack.
  const { StartupError, startApp } = await import("./app.ts");
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp(config);
  } catch (error) {
    if (error instanceof StartupError || (error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      process.stderr.write(`sgplane serve: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
  process.stdout.write(`sgplane listening on ${app.url}\n`);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      app.logger.info({ signal }, "shutting down");
      app.stop().then(resolve, (error: unknown) => {
        app.logger.error({ err: error }, "shutdown failed");
        resolve();
      });
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
  });
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "serve") return serve(rest);
  if (command === "agent") return (await import("@sgplane/agent")).runAgentCommand(rest);
  // `sgplane help serve`: the help of the one command the CLI does not own (npx may take a bare --help itself).
  if (command === "help" && rest[0] === "serve") return serve(["--help"]);
  const { runCli } = await import("@sgplane/cli");
  return runCli(argv);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sgplane: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
