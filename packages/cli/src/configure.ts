// `sgplane configure`: store connection settings in a profile, or show what a call would use and from where.
import { parseArgs } from "node:util";
import { CONNECTION_FLAGS, EXIT } from "./global-flags.ts";
import { globalValues } from "./parse-command.ts";
import { UsageError } from "./parse-values.ts";
import { configPath, loadConfig, resolveSettings, saveProfile } from "./profile.ts";
import type { CliIo } from "./run.ts";

export const CONFIGURE_HELP = `Usage: sgplane configure [--profile NAME] [--default] [--base-url URL] [--public-key KEY]
                        [--private-key KEY] [--region REGION] [--project-id ID]

With settings: merge them into the profile (default "default") of the config file, written readable by you only;
--default also makes it the default profile. Without settings: show the settings a call would use, and where
each comes from (flag, env, profile, default). The file is ~/.sgplane/config.json, or $SGPLANE_CONFIG.
`;

export async function configureCommand(args: readonly string[], io: CliIo): Promise<number> {
  const options = Object.fromEntries(Object.keys(CONNECTION_FLAGS).map((name) => [name, { type: "string" as const }]));
  let values: ReturnType<typeof parseArgs>["values"];
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        ...options,
        profile: { type: "string" },
        default: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message, "configure");
  }
  if (values.help === true) {
    io.stdout(CONFIGURE_HELP);
    return EXIT.ok;
  }
  const { connection, profile } = globalValues(values, "configure");
  const path = configPath(io.env);
  if (Object.keys(connection).length > 0 || values.default === true) {
    const name = profile ?? "default";
    const existing = await loadConfig(path);
    await saveProfile(path, name, connection, values.default === true || existing === undefined);
    io.stdout(`saved profile "${name}" to ${path}\n`);
    return EXIT.ok;
  }
  const settings = resolveSettings({
    flags: {},
    profileFlag: profile,
    env: io.env,
    config: await loadConfig(path),
    configPath: path,
  });
  const lines = Object.entries(CONNECTION_FLAGS).map(([name, flag]) => {
    const value = settings.values[flag.key];
    const shown = value === undefined ? "(not set)" : flag.key === "privateKey" ? mask(value) : value;
    const source = settings.sources[flag.key];
    return `  ${name.padEnd(12)} ${shown}${source ? `  (${source})` : ""}`;
  });
  io.stdout(`profile "${settings.profile}" in ${path}\n${lines.join("\n")}\n`);
  return EXIT.ok;
}

function mask(secret: string): string {
  return secret.length <= 4 ? "****" : `****${secret.slice(-4)}`;
}
