// Opens a Store from a database URL (sqlite:PATH, sqlite::memory:, postgres://…[?pool=N]) and brings its schema up to date.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Store } from "./port.ts";
import { PostgresDriver } from "./postgres/postgres-driver.ts";
import { parsePostgresUrl } from "./postgres/postgres-url.ts";
import type { SqlDriver } from "./sql/driver.ts";
import { loadMigrations, migrate } from "./sql/migrate.ts";
import { SqlStore, type SqlStoreOptions } from "./sql/sql-store.ts";
import { SqliteDriver } from "./sqlite/sqlite-driver.ts";

export async function openStore(url: string, options: SqlStoreOptions = {}): Promise<Store> {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    if (path === "") throw new Error(`database URL ${url}: missing path (sqlite:PATH or sqlite::memory:)`);
    if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
    return migrated(SqliteDriver.open(path), options);
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { connectionString, poolSize } = parsePostgresUrl(url);
    return migrated(new PostgresDriver(connectionString, { poolSize }), options);
  }
  throw new Error(
    `unsupported database URL ${JSON.stringify(url)} (expected sqlite:PATH, sqlite::memory: or postgres://…)`,
  );
}

async function migrated(driver: SqlDriver, options: SqlStoreOptions): Promise<Store> {
  try {
    await migrate(driver, await loadMigrations(driver.dialect.engine));
  } catch (e) {
    await driver.close();
    throw e;
  }
  return new SqlStore(driver, options);
}
