// `sgplane agent`: options, then the agent until SIGTERM / SIGINT (which leave the rules in place).
import { parseArgs } from "node:util";
import { parseBlock } from "@sgplane/policy";
import { SgplaneClient } from "@sgplane/sdk";
import pino from "pino";
import { Agent } from "./agent.ts";
import { HostFileError, readHostFile } from "./host-file.ts";
import { nodeHttpFetch } from "./http-fetch.ts";
import { agentMetrics } from "./metrics.ts";
import { hostCommands, type NftMode } from "./nft.ts";
import { fullScript } from "./nft-script.ts";
import { RulesetBuilder } from "./ruleset.ts";
import { startStatusServer } from "./status-server.ts";
import { World } from "./world.ts";

export const AGENT_USAGE = `Usage: sgplane agent --host-file FILE [options]

Keeps this host's nftables in step with the security groups of the resources that live on it (docs/enforcement.md).

  --host-file FILE        JSON: {"resources": {"<resource id>": "<host-side interface>", ...}}   (SGPLANE_AGENT_HOST_FILE)
  --base-url URL          sgplane server (default http://127.0.0.1:8080)                          (SGPLANE_BASE_URL)
  --public-key KEY        key pair the agent follows the feed with: an operator key sees every    (SGPLANE_PUBLIC_KEY)
  --private-key KEY       company, a company key its own                                          (SGPLANE_PRIVATE_KEY)
  --company-id N          operator key: only this company
  --state-file FILE       where the agent keeps its world and feed cursor, to resume after a restart
                          (default: none, a snapshot at every start)                              (SGPLANE_AGENT_STATE_FILE)
  --table NAME            the agent's own nftables table, inet family (default sgplane)
  --netns NAME            apply inside this network namespace (nsenter --net=/run/netns/NAME nft ...)
  --nft PATH              the nft program (default nft)
  --nft-mode MODE         session: one long-lived \`nft -i\`, a script per line, each line one transaction
                          (default); exec: a \`nft -f -\` process per change (an nft without -i)
  --feed-transport MODE   stream: the feed's Server-Sent Events, one request for all changes (default);
                          poll: DescribeFeedEvents long polls (for a gateway that passes only the API)
  --service-network CIDR  never filtered, both ways (repeatable; default 100.64.0.0/10, UCloud's service network)
  --drift-check SECONDS   how often to check the table for changes made by others (default 2; 0: never)
  --listen HOST:PORT      /healthz and /metrics (default 127.0.0.1:9610; port 0: any free port)
  --log-level LEVEL       fatal, error, warn, info, debug (default info)
  --print                 print the ruleset the agent would apply now, and exit
  -h, --help              this help
`;

export class UsageError extends Error {}

/** The agent's settings from its flags and environment; "help" for --help. Throws UsageError on a bad one. */
export function agentOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>) {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      "host-file": { type: "string" },
      "base-url": { type: "string" },
      "public-key": { type: "string" },
      "private-key": { type: "string" },
      "company-id": { type: "string" },
      "state-file": { type: "string" },
      table: { type: "string" },
      netns: { type: "string" },
      nft: { type: "string" },
      "nft-mode": { type: "string" },
      "feed-transport": { type: "string" },
      "service-network": { type: "string", multiple: true },
      "drift-check": { type: "string" },
      listen: { type: "string" },
      "log-level": { type: "string" },
      print: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help" as const;
  const hostFile = values["host-file"] ?? env.SGPLANE_AGENT_HOST_FILE;
  if (hostFile === undefined) throw new UsageError("--host-file is required");
  const publicKey = values["public-key"] ?? env.SGPLANE_PUBLIC_KEY;
  const privateKey = values["private-key"] ?? env.SGPLANE_PRIVATE_KEY;
  if (publicKey === undefined || privateKey === undefined) {
    throw new UsageError("--public-key and --private-key (or SGPLANE_PUBLIC_KEY / SGPLANE_PRIVATE_KEY) are required");
  }
  const table = values.table ?? "sgplane";
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(table)) throw new UsageError(`--table: '${table}' is not a table name`);
  const companyId = values["company-id"] === undefined ? undefined : Number(values["company-id"]);
  if (companyId !== undefined && !(Number.isInteger(companyId) && companyId > 0)) {
    throw new UsageError(`--company-id: '${values["company-id"]}' is not a company id`);
  }
  const serviceNetworks = values["service-network"];
  for (const cidr of serviceNetworks ?? []) {
    if (parseBlock(cidr) === undefined) throw new UsageError(`--service-network: '${cidr}' is not an address or CIDR`);
  }
  const drift = Number(values["drift-check"] ?? "2");
  if (!(Number.isFinite(drift) && drift >= 0))
    throw new UsageError(`--drift-check: '${values["drift-check"]}' is not a number of seconds`);
  const listenText = values.listen ?? "127.0.0.1:9610";
  const listen = /^(.*):(\d{1,5})$/.exec(listenText);
  if (listen === null || Number(listen[2]) > 65535) throw new UsageError(`--listen: '${listenText}' is not HOST:PORT`);
  const logLevel = values["log-level"] ?? "info";
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(logLevel)) {
    throw new UsageError(`--log-level: '${logLevel}' is not a level`);
  }
  // A name as `ip netns add` takes it: it becomes a path under /run/netns.
  if (values.netns !== undefined && !/^(?!\.\.?$)[A-Za-z0-9_.-]{1,64}$/.test(values.netns)) {
    throw new UsageError(`--netns: '${values.netns}' is not a network namespace name (letters, digits, . _ -)`);
  }
  const nftMode = choice("--nft-mode", values["nft-mode"], ["session", "exec"] as const);
  const feedTransport = choice("--feed-transport", values["feed-transport"], ["stream", "poll"] as const);
  return {
    hostFile,
    baseUrl: values["base-url"] ?? env.SGPLANE_BASE_URL ?? "http://127.0.0.1:8080",
    publicKey,
    privateKey,
    companyId,
    stateFile: values["state-file"] ?? env.SGPLANE_AGENT_STATE_FILE,
    table,
    netns: values.netns,
    nft: values.nft,
    nftMode: nftMode satisfies NftMode,
    feedTransport,
    serviceNetworks,
    driftCheckMs: Math.round(drift * 1000),
    listen: { host: (listen[1] ?? "").replace(/^\[(.*)\]$/, "$1"), port: Number(listen[2]) },
    logLevel,
    print: values.print ?? false,
  };
}

/** A flag that takes one of a few words; the first is its default. */
function choice<const T extends string>(flag: string, value: string | undefined, allowed: readonly [T, ...T[]]): T {
  if (value === undefined) return allowed[0];
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag}: '${value}' is not ${allowed.join(" or ")}`);
  }
  return value as T;
}

export async function runAgentCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  let o: ReturnType<typeof agentOptions>;
  try {
    o = agentOptions(argv, env);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`sgplane agent: ${(error as Error).message}\n\n${AGENT_USAGE}`);
      return 2;
    }
    throw error;
  }
  if (o === "help") {
    process.stdout.write(AGENT_USAGE);
    return 0;
  }
  const logger = pino({ level: o.logLevel, base: { component: "agent" } });
  const httpFetch = nodeHttpFetch();
  const client = new SgplaneClient({
    baseUrl: o.baseUrl,
    publicKey: o.publicKey,
    privateKey: o.privateKey,
    fetch: httpFetch,
  });
  try {
    return await runAgent(o, client, logger);
  } finally {
    httpFetch.close();
  }
}

async function runAgent(
  o: Exclude<ReturnType<typeof agentOptions>, "help">,
  client: SgplaneClient,
  logger: pino.Logger,
): Promise<number> {
  let host: Awaited<ReturnType<typeof readHostFile>>;
  try {
    host = await readHostFile(o.hostFile);
  } catch (error) {
    if (!(error instanceof HostFileError)) throw error;
    process.stderr.write(`sgplane agent: ${error.message}\n`);
    return 1;
  }
  const serviceNetworks = o.serviceNetworks === undefined ? {} : { serviceNetworks: o.serviceNetworks };
  if (o.print) {
    const snapshot = await client.describeFeedSnapshot(o.companyId === undefined ? {} : { CompanyId: o.companyId });
    process.stdout.write(
      fullScript(o.table, new RulesetBuilder(host, serviceNetworks).build(World.from(snapshot), "all")),
    );
    return 0;
  }
  const metrics = agentMetrics();
  const commands = hostCommands({
    mode: o.nftMode,
    ...(o.nft !== undefined && { nft: o.nft }),
    ...(o.netns !== undefined && { netns: o.netns }),
  });
  const agent = new Agent({
    client,
    host,
    commands,
    logger,
    metrics,
    table: o.table,
    driftCheckMs: o.driftCheckMs,
    feedTransport: o.feedTransport,
    ...serviceNetworks,
    ...(o.stateFile !== undefined && { stateFile: o.stateFile }),
    ...(o.companyId !== undefined && { companyId: o.companyId }),
  });
  const status = await startStatusServer(o.listen, () => agent.status, metrics);
  try {
    await agent.start();
  } catch (error) {
    status.server.close();
    await commands.close();
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ event: "start-failed", err: message }, "agent did not start; the host's rules are unchanged");
    process.stderr.write(`sgplane agent: ${message}\n`);
    return 1;
  }
  process.stdout.write(`sgplane agent: ${host.length} resources on this host, status at ${status.url}\n`);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ event: "stop", signal }, "stopping; the rules stay in place");
      agent.stop().finally(() => status.server.close(() => resolve()));
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
  });
  return 0;
}
