// Flags every subcommand takes: where to connect and as whom (like the ucloud CLI), and how to print.

export type ConnectionKey = "baseUrl" | "publicKey" | "privateKey" | "region" | "projectId";

export interface GlobalFlag {
  readonly type: "string" | "boolean";
  readonly metavar?: string;
  readonly help: string;
  readonly short?: string;
}

export interface ConnectionFlag extends GlobalFlag {
  readonly key: ConnectionKey;
  readonly env: string;
}

export const DEFAULT_BASE_URL = "http://127.0.0.1:8080";

export const CONNECTION_FLAGS: Readonly<Record<string, ConnectionFlag>> = {
  "base-url": {
    type: "string",
    key: "baseUrl",
    env: "SGPLANE_BASE_URL",
    metavar: "URL",
    help: `API endpoint (default ${DEFAULT_BASE_URL}; https://api.ucloud.cn for UCloud itself).`,
  },
  "public-key": {
    type: "string",
    key: "publicKey",
    env: "SGPLANE_PUBLIC_KEY",
    metavar: "KEY",
    help: "Public key of the caller.",
  },
  "private-key": {
    type: "string",
    key: "privateKey",
    env: "SGPLANE_PRIVATE_KEY",
    metavar: "KEY",
    help: "Private key of the caller (signs the request; never sent).",
  },
  region: { type: "string", key: "region", env: "SGPLANE_REGION", metavar: "REGION", help: "Region, e.g. cn-bj2." },
  "project-id": {
    type: "string",
    key: "projectId",
    env: "SGPLANE_PROJECT_ID",
    metavar: "ID",
    help: "Project (default: the company's default project; sub-account keys must give it).",
  },
};

export const OPTION_FLAGS: Readonly<Record<string, GlobalFlag>> = {
  profile: {
    type: "string",
    metavar: "NAME",
    help: "Profile of the config file (default: SGPLANE_PROFILE, the file's defaultProfile, or 'default').",
  },
  json: { type: "boolean", help: "Print the response as JSON, and a failure as JSON on stderr (for scripts)." },
  "json-file": {
    type: "string",
    metavar: "FILE",
    help: "Take the parameters from a JSON object in FILE ('-' for stdin); flags override its fields.",
  },
  timeout: { type: "string", metavar: "SECONDS", help: "Per-attempt timeout (default 30)." },
  "max-attempts": {
    type: "string",
    metavar: "N",
    help: "Tries on transient failures (default 3; 1 turns retrying off). Creates are never retried.",
  },
  encoding: {
    type: "string",
    metavar: "form|json|json-nested",
    help: "Request body: form (Go/Python SDK style, default), json (JS SDK style) or json-nested (Go JSON encoder).",
  },
  help: { type: "boolean", short: "h", help: "Show help." },
};

export const GLOBAL_FLAGS: Readonly<Record<string, GlobalFlag>> = { ...CONNECTION_FLAGS, ...OPTION_FLAGS };

export const EXIT = { ok: 0, retCode: 1, usage: 2, transport: 3 } as const;
