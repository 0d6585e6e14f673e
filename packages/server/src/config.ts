// Server configuration: flags over SGPLANE_* environment variables over defaults, validated in one place.
import { parseArgs } from "node:util";

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
`;

function parseInteger(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new ConfigError(`${name}: expected an integer from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}

function parseOperatorKey(text: string): OperatorKey {
  const at = text.indexOf(":");
  if (at <= 0 || at === text.length - 1) {
    throw new ConfigError(`--operator-key: expected PUBLIC:PRIVATE, got "${text.slice(0, 8)}…"`);
  }
  return { publicKey: text.slice(0, at), privateKey: text.slice(at + 1) };
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
  };
}
