// Server configuration: flags over SGPLANE_* environment variables over defaults, validated in one place.
import { parseArgs } from "node:util";
import { parseBlock, SERVICE_NETWORK } from "@sgplane/policy";
import type { ConsoleSetting } from "./http/console.ts";

export interface OperatorKey {
  readonly publicKey: string;
  readonly privateKey: string;
}

export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  readonly db: string;
  readonly seed: string | undefined;
  readonly operatorKeys: readonly OperatorKey[];
  readonly logLevel: string;
  readonly bodyLimitBytes: number;
  readonly maxParams: number;
  readonly maxItems: number;
  readonly maxValueLength: number;
  /** Requests per second per PublicKey; 0 = no limit. */
  readonly rateLimit: number;
  /** Bucket size of the rate limit: requests a key may send at once after being idle. */
  readonly rateBurst: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** Record every change as a feed event (docs/feed.md). */
  readonly feed: boolean;
  readonly feedRetentionMs: number;
  /** Keep an audit trail of calls (docs/audit.md); reads too when auditReads. */
  readonly audit: boolean;
  readonly auditReads: boolean;
  readonly auditRetentionMs: number;
  /** How long a ClientToken names its create (docs/actions.md, "DryRun and ClientToken"). */
  readonly clientTokenTtlMs: number;
  /** Peers never filtered (enforcement.md §1.6); what CheckSecGroupPacket assumes the agents enforce. */
  readonly serviceNetworks: readonly string[];
  /** The web console at /console/: the built one if present (auto), none (off), or the files in a directory. */
  readonly console: ConsoleSetting;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
export const DEFAULT_DB = "sqlite:data/sgplane.db";

const options = {
  host: { type: "string", env: "SGPLANE_HOST" },
  port: { type: "string", env: "SGPLANE_PORT" },
  db: { type: "string", env: "SGPLANE_DB" },
  seed: { type: "string", env: "SGPLANE_SEED" },
  "operator-key": { type: "string", env: "SGPLANE_OPERATOR_KEY", multiple: true },
  "log-level": { type: "string", env: "SGPLANE_LOG_LEVEL" },
  "body-limit": { type: "string", env: "SGPLANE_BODY_LIMIT" },
  "max-params": { type: "string", env: "SGPLANE_MAX_PARAMS" },
  "max-items": { type: "string", env: "SGPLANE_MAX_ITEMS" },
  "max-value-length": { type: "string", env: "SGPLANE_MAX_VALUE_LENGTH" },
  "rate-limit": { type: "string", env: "SGPLANE_RATE_LIMIT" },
  "rate-burst": { type: "string", env: "SGPLANE_RATE_BURST" },
  "headers-timeout": { type: "string", env: "SGPLANE_HEADERS_TIMEOUT" },
  "request-timeout": { type: "string", env: "SGPLANE_REQUEST_TIMEOUT" },
  "keep-alive-timeout": { type: "string", env: "SGPLANE_KEEP_ALIVE_TIMEOUT" },
  feed: { type: "string", env: "SGPLANE_FEED" },
  "feed-retention": { type: "string", env: "SGPLANE_FEED_RETENTION" },
  audit: { type: "string", env: "SGPLANE_AUDIT" },
  "audit-reads": { type: "string", env: "SGPLANE_AUDIT_READS" },
  "audit-retention": { type: "string", env: "SGPLANE_AUDIT_RETENTION" },
  "client-token-ttl": { type: "string", env: "SGPLANE_CLIENT_TOKEN_TTL" },
  "service-network": { type: "string", env: "SGPLANE_SERVICE_NETWORK" },
  console: { type: "string", env: "SGPLANE_CONSOLE" },
  help: { type: "boolean", short: "h" },
} as const;

export const SERVE_USAGE = `Usage: sgplane serve [options]

Options (each also read from the environment variable shown):
  --host HOST            listen address (SGPLANE_HOST, default 127.0.0.1)
  --port PORT            listen port, 0 picks a free one (SGPLANE_PORT, default 8080)
  --db URL               sqlite:PATH | sqlite::memory: | postgres://... (SGPLANE_DB, default ${DEFAULT_DB})
  --seed FILE            seed file loaded at start, idempotent upsert (SGPLANE_SEED)
  --operator-key PUB:PRIV  operator key for admin actions; repeatable (SGPLANE_OPERATOR_KEY, comma-separated)
  --log-level LEVEL      ${LOG_LEVELS.join("|")} (SGPLANE_LOG_LEVEL, default info)
  --body-limit BYTES     largest accepted request body (SGPLANE_BODY_LIMIT, default 1048576)
  --console auto|off|DIR  the web console at /console/ (docs/console.md): auto serves the one \`npm run build\`
                         made, if any; DIR serves the built files in DIR (SGPLANE_CONSOLE, default auto)

Limits on input and on clients (a request over a limit gets RetCode 230 naming the parameter, or 153):
  --max-params N         parameters per request: form/query pairs or top-level JSON keys
                         (SGPLANE_MAX_PARAMS, default 2000)
  --max-items N          elements in any one list, as sent (SGPLANE_MAX_ITEMS, default 1000)
  --max-value-length N   characters in any one value; AdminImportState's State is exempt
                         (SGPLANE_MAX_VALUE_LENGTH, default 65536)
  --rate-limit N         requests per second per PublicKey, 0 = off; over it: RetCode 153
                         (SGPLANE_RATE_LIMIT, default 0)
  --rate-burst N         requests a key may send at once (SGPLANE_RATE_BURST, default 2 x rate-limit)
  --headers-timeout MS   time to receive a request's headers (SGPLANE_HEADERS_TIMEOUT, default 10000)
  --request-timeout MS   time to receive a whole request (SGPLANE_REQUEST_TIMEOUT, default 30000)
  --keep-alive-timeout MS  idle time allowed between requests on one connection
                         (SGPLANE_KEEP_ALIVE_TIMEOUT, default 5000)

Change feed and audit trail (docs/feed.md, docs/audit.md; DURATION: 500ms, 30s, 10m, 24h, 7d):
  --feed on|off          record every change as a feed event (SGPLANE_FEED, default on)
  --feed-retention DURATION  how long events are kept (SGPLANE_FEED_RETENTION, default 7d)
  --audit on|off         record every call in the audit trail (SGPLANE_AUDIT, default on)
  --audit-reads on|off   record read calls too (SGPLANE_AUDIT_READS, default on)
  --audit-retention DURATION  how long audit records are kept (SGPLANE_AUDIT_RETENTION, default 90d)

Safe retries (docs/actions.md, "DryRun and ClientToken"):
  --client-token-ttl DURATION  how long a create's ClientToken answers its repeats
                         (SGPLANE_CLIENT_TOKEN_TTL, default 24h)

Enforcement (docs/enforcement.md):
  --service-network CIDR[,CIDR]  peers never filtered, as the agents are told with their own --service-network;
                         what CheckSecGroupPacket assumes (SGPLANE_SERVICE_NETWORK, default 100.64.0.0/10)
`;

function parseInteger(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new ConfigError(`${name}: expected an integer from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration like 500ms, 30s, 10m, 24h or 7d, in milliseconds (100 ms to 10 years). */
export function parseDuration(name: string, text: string): number {
  const m = /^(\d{1,12})(ms|s|m|h|d)$/.exec(text);
  const ms = m === null ? Number.NaN : Number(m[1]) * (UNITS[m[2] as string] ?? Number.NaN);
  if (!(ms >= 100 && ms <= 3650 * 86_400_000)) {
    throw new ConfigError(`${name}: expected a duration from 100ms to 3650d (e.g. 30s, 24h, 7d), got "${text}"`);
  }
  return ms;
}

/** A comma list of CIDRs, as the agents are given them (--service-network), host bits cleared. */
function parseServiceNetworks(text: string): string[] {
  return text.split(",").map((item) => {
    const block = parseBlock(item);
    if (block === undefined) throw new ConfigError(`--service-network: "${item}" is not an address or CIDR`);
    return block.cidr;
  });
}

function parseSwitch(name: string, text: string): boolean {
  if (text === "on" || text === "true") return true;
  if (text === "off" || text === "false") return false;
  throw new ConfigError(`${name}: expected on or off, got "${text}"`);
}

function parseConsole(text: string): ConsoleSetting {
  if (text === "auto" || text === "off") return text;
  if (text.trim() === "") throw new ConfigError("--console: expected auto, off or a directory");
  return { dir: text };
}

function parseOperatorKey(text: string): OperatorKey {
  const at = text.indexOf(":");
  if (at <= 0 || at === text.length - 1) {
    throw new ConfigError(`--operator-key: expected PUBLIC:PRIVATE, got "${text.slice(0, 8)}…"`);
  }
  return { publicKey: text.slice(0, at), privateKey: text.slice(at + 1) };
}

type LimitsConfig = Pick<
  ServeConfig,
  | "maxParams"
  | "maxItems"
  | "maxValueLength"
  | "rateLimit"
  | "rateBurst"
  | "headersTimeoutMs"
  | "requestTimeoutMs"
  | "keepAliveTimeoutMs"
>;

function limitsConfig(pick: (name: Exclude<keyof typeof options, "help">) => string | undefined): LimitsConfig {
  const int = (name: Exclude<keyof typeof options, "help">, fallback: number, min: number, max: number) =>
    parseInteger(`--${name}`, pick(name) ?? String(fallback), min, max);
  const rateLimit = int("rate-limit", 0, 0, 1_000_000);
  const headersTimeoutMs = int("headers-timeout", 10_000, 50, 3_600_000);
  const requestTimeoutMs = int("request-timeout", 30_000, 50, 3_600_000);
  // Node refuses a headers timeout longer than the request timeout.
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`--headers-timeout: must not exceed --request-timeout (${requestTimeoutMs} ms)`);
  }
  return {
    maxParams: int("max-params", 2000, 10, 1_000_000),
    maxItems: int("max-items", 1000, 1, 1_000_000),
    maxValueLength: int("max-value-length", 65_536, 64, 256 * 1024 * 1024),
    rateLimit,
    rateBurst: int("rate-burst", Math.max(1, 2 * rateLimit), 1, 10_000_000),
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: int("keep-alive-timeout", 5000, 50, 3_600_000),
  };
}

/** Returns the config, or "help" when --help was asked; throws ConfigError naming the bad value. */
export function parseServeConfig(args: readonly string[], env: NodeJS.ProcessEnv): ServeConfig | "help" {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({ args: [...args], options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (values.help === true) return "help";
  const pick = (name: Exclude<keyof typeof options, "help">): string | undefined => {
    const v = values[name];
    if (typeof v === "string") return v;
    const e = env[options[name].env];
    return e === undefined || e === "" ? undefined : e;
  };
  const flagKeys = values["operator-key"];
  const keyTexts = Array.isArray(flagKeys) ? flagKeys : (env.SGPLANE_OPERATOR_KEY ?? "").split(",").filter(Boolean);
  const logLevel = pick("log-level") ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`--log-level: expected one of ${LOG_LEVELS.join(", ")}`);
  const db = pick("db") ?? DEFAULT_DB;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(db)) {
    throw new ConfigError(`--db: expected sqlite:PATH, sqlite::memory: or postgres://..., got "${db}"`);
  }
  return {
    host: pick("host") ?? "127.0.0.1",
    port: parseInteger("--port", pick("port") ?? "8080", 0, 65535),
    db,
    seed: pick("seed"),
    operatorKeys: keyTexts.map(parseOperatorKey),
    logLevel,
    bodyLimitBytes: parseInteger("--body-limit", pick("body-limit") ?? "1048576", 1024, 256 * 1024 * 1024),
    ...limitsConfig(pick),
    feed: parseSwitch("--feed", pick("feed") ?? "on"),
    feedRetentionMs: parseDuration("--feed-retention", pick("feed-retention") ?? "7d"),
    audit: parseSwitch("--audit", pick("audit") ?? "on"),
    auditReads: parseSwitch("--audit-reads", pick("audit-reads") ?? "on"),
    auditRetentionMs: parseDuration("--audit-retention", pick("audit-retention") ?? "90d"),
    clientTokenTtlMs: parseDuration("--client-token-ttl", pick("client-token-ttl") ?? "24h"),
    serviceNetworks: parseServiceNetworks(pick("service-network") ?? SERVICE_NETWORK),
    console: parseConsole(pick("console") ?? "auto"),
  };
}
