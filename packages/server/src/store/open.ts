// Opens a Store from a database URL (sqlite:PATH, sqlite::memory:; postgres:// later) and brings its schema up to date.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Store } from "./port.ts";
import { loadMigrations, migrate } from "./sql/migrate.ts";
import { SqlStore } from "./sql/sql-store.ts";
import { SqliteDriver } from "./sqlite/sqlite-driver.ts";

export async function openStore(url: string): Promise<Store> {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    if (path === "") throw new Error(`database URL ${url}: missing path (sqlite:PATH or sqlite::memory:)`);
    if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
    const driver = SqliteDriver.open(path);
    try {
      await migrate(driver, await loadMigrations("sqlite"));
    } catch (e) {
      await driver.close();
      throw e;
    }
    return new SqlStore(driver);
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    throw new Error("PostgreSQL is not available yet in this build of sgplane; use --db sqlite:PATH");
  }
  throw new Error(
    `unsupported database URL ${JSON.stringify(url)} (expected sqlite:PATH, sqlite::memory: or postgres://…)`,
  );
}
