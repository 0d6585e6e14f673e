// Numbered migrations: files NNN_name.sql per engine, each applied once in its own transaction and recorded.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import type { SqlDriver } from "./driver.ts";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

const FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER NOT NULL PRIMARY KEY,
  name       TEXT NOT NULL,
  checksum   TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

/** The migrations shipped for an engine, in version order. */
export async function loadMigrations(engine: "sqlite" | "postgres"): Promise<Migration[]> {
  const dir = new URL(`../migrations/${engine}/`, import.meta.url);
  const migrations: Migration[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const m = FILE.exec(file);
    if (m === null) continue;
    const sql = await readFile(new URL(file, dir), "utf8");
    const checksum = createHash("sha256").update(sql).digest("hex");
    migrations.push({ version: Number(m[1]), name: m[2] ?? file, sql, checksum });
  }
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations/${engine}: expected version ${i + 1}, found ${m.version}`);
  });
  return migrations;
}

/**
 * Applies the migrations the database has not recorded yet; returns their versions (empty when up to date).
 * The whole run is one exclusive section (PostgreSQL: an advisory lock), and each check-and-apply one write
 * transaction, so several servers starting together apply each migration once and the others find it recorded.
 */
export function migrate(driver: SqlDriver, migrations: readonly Migration[]): Promise<number[]> {
  return driver.exclusive(() => migrateNow(driver, migrations));
}

async function migrateNow(driver: SqlDriver, migrations: readonly Migration[]): Promise<number[]> {
  await driver.write((conn) => conn.exec(CREATE_LEDGER));
  const known = new Set(migrations.map((m) => m.version));
  const recorded = await driver.read((conn) =>
    conn.all<{ version: number | string }>("SELECT version FROM schema_migrations"),
  );
  for (const r of recorded) {
    if (!known.has(Number(r.version))) {
      throw new Error(`database schema version ${r.version} is newer than this sgplane; upgrade sgplane`);
    }
  }
  const applied: number[] = [];
  for (const m of migrations) {
    const didApply = await driver.write(async (conn) => {
      const row = await conn.get<{ checksum: string }>("SELECT checksum FROM schema_migrations WHERE version = ?", [
        m.version,
      ]);
      if (row !== undefined) {
        // An edited migration would leave databases that ran the old text on a different schema than new ones.
        if (row.checksum !== m.checksum) {
          throw new Error(`migration ${m.version}_${m.name} changed after it was applied; add a new migration instead`);
        }
        return false;
      }
      await conn.exec(m.sql);
      await conn.run("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)", [
        m.version,
        m.name,
        m.checksum,
        Date.now(),
      ]);
      return true;
    });
    if (didApply) applied.push(m.version);
  }
  return applied;
}
