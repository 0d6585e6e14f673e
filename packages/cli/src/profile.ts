// Where a call goes and as whom: flags, then environment, then a profile of the config file (like the ucloud CLI).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CONNECTION_FLAGS, type ConnectionKey, DEFAULT_BASE_URL } from "./global-flags.ts";
import { UsageError } from "./parse-values.ts";

export type Profile = Partial<Record<ConnectionKey, string>>;

export interface ConfigFile {
  readonly defaultProfile?: string;
  readonly profiles: Readonly<Record<string, Profile>>;
}

export interface Connection {
  readonly baseUrl: string;
  readonly publicKey: string;
  readonly privateKey: string;
  readonly region?: string;
  readonly projectId?: string;
}

export type Source = "flag" | "env" | "profile" | "default";

export interface Settings {
  readonly profile: string;
  readonly values: Profile;
  /** Where each setting came from, shown by `sgplane configure`. */
  readonly sources: Partial<Record<ConnectionKey, Source>>;
}

export interface ResolveOptions {
  readonly flags: Profile;
  readonly profileFlag: string | undefined;
  readonly env: Env;
  readonly config: ConfigFile | undefined;
  readonly configPath: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const KEYS = Object.values(CONNECTION_FLAGS).map((f) => f.key);

export function configPath(env: Env): string {
  return nonEmpty(env.SGPLANE_CONFIG) ?? join(homedir(), ".sgplane", "config.json");
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** Strict: a misspelt field (regoin) would otherwise be ignored silently and the call go to the wrong place. */
export function parseConfig(text: string, path: string): ConfigFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const fail = (where: string, what: string): never => {
    throw new UsageError(`${path}: ${where} ${what}`);
  };
  if (!isObject(json)) return fail("the file", "must hold a JSON object");
  for (const key of Object.keys(json)) {
    if (key !== "profiles" && key !== "defaultProfile") fail(key, "is not a known field (profiles, defaultProfile)");
  }
  const { profiles = {}, defaultProfile } = json;
  if (defaultProfile !== undefined && typeof defaultProfile !== "string") fail("defaultProfile", "must be a string");
  if (!isObject(profiles)) return fail("profiles", "must be an object of named profiles");
  for (const [name, profile] of Object.entries(profiles)) {
    if (!isObject(profile)) return fail(`profiles.${name}`, "must be an object");
    for (const [key, value] of Object.entries(profile)) {
      if (!(KEYS as string[]).includes(key))
        fail(`profiles.${name}.${key}`, `is not a known field (${KEYS.join(", ")})`);
      if (typeof value !== "string") fail(`profiles.${name}.${key}`, "must be a string");
    }
  }
  return {
    profiles: profiles as Record<string, Profile>,
    ...(typeof defaultProfile === "string" && { defaultProfile }),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A missing file is an empty config; any other read problem is reported. */
export async function loadConfig(path: string): Promise<ConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UsageError(`${path}: cannot read (${(error as Error).message})`);
  }
  return parseConfig(text, path);
}

/**
 * Each setting: a flag wins; then the environment, then the profile. A profile named explicitly (--profile) wins
 * over the environment, since asking for it by name says which account is meant.
 */
export function resolveSettings(options: ResolveOptions): Settings {
  const { flags, profileFlag, env, config } = options;
  const requested = profileFlag ?? nonEmpty(env.SGPLANE_PROFILE);
  const name = requested ?? config?.defaultProfile ?? "default";
  const profile = config?.profiles[name];
  if (profile === undefined && requested !== undefined) {
    const known = Object.keys(config?.profiles ?? {});
    throw new UsageError(
      `profile "${name}" is not in ${options.configPath}${known.length > 0 ? ` (profiles: ${known.join(", ")})` : ""}`,
    );
  }
  const values: Profile = {};
  const sources: Partial<Record<ConnectionKey, Source>> = {};
  for (const flag of Object.values(CONNECTION_FLAGS)) {
    const fromEnv = nonEmpty(env[flag.env]);
    const fromProfile = nonEmpty(profile?.[flag.key]);
    const order: [Source, string | undefined][] =
      profileFlag === undefined
        ? [
            ["flag", flags[flag.key]],
            ["env", fromEnv],
            ["profile", fromProfile],
          ]
        : [
            ["flag", flags[flag.key]],
            ["profile", fromProfile],
            ["env", fromEnv],
          ];
    const hit = order.find(([, v]) => v !== undefined);
    if (hit?.[1] !== undefined) {
      values[flag.key] = hit[1];
      sources[flag.key] = hit[0];
    }
  }
  if (values.baseUrl === undefined) {
    values.baseUrl = DEFAULT_BASE_URL;
    sources.baseUrl = "default";
  }
  return { profile: name, values, sources };
}

/** The settings a call needs; a missing key is reported with the three ways to give it. */
export function resolveConnection(options: ResolveOptions): Connection {
  const { profile, values } = resolveSettings(options);
  const { baseUrl = DEFAULT_BASE_URL, publicKey, privateKey, region, projectId } = values;
  if (publicKey === undefined || privateKey === undefined) {
    const flag = publicKey === undefined ? "public-key" : "private-key";
    throw new UsageError(
      `no ${flag.replace("-k", " k")}: pass --${flag}, set ${CONNECTION_FLAGS[flag]?.env}, or store it in profile "${profile}" of ${options.configPath} (sgplane configure)`,
    );
  }
  return {
    baseUrl,
    publicKey,
    privateKey,
    ...(region !== undefined && { region }),
    ...(projectId !== undefined && { projectId }),
  };
}

/** Merges settings into one profile and writes the file readable by its owner only (it holds a private key). */
export async function saveProfile(path: string, name: string, settings: Profile, makeDefault: boolean): Promise<void> {
  const current = (await loadConfig(path)) ?? { profiles: {} };
  const next: ConfigFile = {
    ...current,
    ...(makeDefault && { defaultProfile: name }),
    profiles: { ...current.profiles, [name]: { ...current.profiles[name], ...settings } },
  };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
}
