// The client a command calls through: connection settings resolved from flags, environment and profile.
import { SgplaneClient } from "@sgplane/sdk";
import type { GlobalValues } from "./parse-command.ts";
import { configPath, loadConfig, resolveConnection } from "./profile.ts";

export async function clientFor(
  globals: GlobalValues,
  env: Readonly<Record<string, string | undefined>>,
): Promise<SgplaneClient> {
  const path = configPath(env);
  const connection = resolveConnection({
    flags: globals.connection,
    profileFlag: globals.profile,
    env,
    config: await loadConfig(path),
    configPath: path,
  });
  return new SgplaneClient({
    ...connection,
    ...(globals.encoding !== undefined && { encoding: globals.encoding }),
    ...(globals.timeoutMs !== undefined && { timeoutMs: globals.timeoutMs }),
    ...(globals.maxAttempts !== undefined && { retry: { maxAttempts: globals.maxAttempts } }),
  });
}
