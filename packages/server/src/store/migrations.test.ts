// Migrations run once, re-running changes nothing, and the two engines' schema files stay in step; openStore's URLs.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openStore } from "./open.ts";
import { loadMigrations, type Migration, migrate } from "./sql/migrate.ts";
import { SqliteDriver } from "./sqlite/sqlite-driver.ts";

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sgplane-migrate-"));
});
after(() => rm(dir, { recursive: true, force: true }));

const schemaOf = (driver: SqliteDriver) =>
  driver.read(async (conn) => ({
    objects: await conn.all("SELECT type, name, sql FROM sqlite_master ORDER BY type, name"),
    ledger: await conn.all("SELECT * FROM schema_migrations ORDER BY version"),
  }));

describe("migrations (sqlite)", () => {
  it("apply once; running them again is a no-op", async () => {
    const driver = SqliteDriver.open(join(dir, "twice.db"));
    try {
      const migrations = await loadMigrations("sqlite");
      assert.deepEqual(await migrate(driver, migrations), [1]);
      const first = await schemaOf(driver);
      assert.deepEqual(await migrate(driver, migrations), []);
      assert.deepEqual(await schemaOf(driver), first);
      assert.equal(first.ledger.length, migrations.length);
    } finally {
      await driver.close();
    }
  });

  it("refuse an applied migration whose text changed, and a database newer than the code", async () => {
    const driver = SqliteDriver.open(":memory:");
    try {
      const migrations = await loadMigrations("sqlite");
      await migrate(driver, migrations);
      const edited: Migration[] = migrations.map((m) => ({ ...m, checksum: "edited" }));
      await assert.rejects(migrate(driver, edited), /changed after it was applied/);
      await driver.write((conn) =>
        conn.run("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (99, 'future', 'x', 0)"),
      );
      await assert.rejects(migrate(driver, migrations), /newer than this sgplane/);
    } finally {
      await driver.close();
    }
  });

  it("the PostgreSQL files define the same versions, tables and indexes as the SQLite ones", async () => {
    const names = (ms: readonly Migration[], re: RegExp) =>
      ms.map((m) => [m.version, m.name, [...m.sql.matchAll(re)].map((x) => x[1]).sort()]);
    const [sqlite, postgres] = await Promise.all([loadMigrations("sqlite"), loadMigrations("postgres")]);
    for (const re of [/CREATE TABLE (\w+)/g, /CREATE (?:UNIQUE )?INDEX (\w+)/g]) {
      assert.deepEqual(names(postgres, re), names(sqlite, re));
    }
  });
});

describe("openStore", () => {
  it("opens a sqlite file in a directory it creates, and reopens it without re-migrating", async () => {
    const url = `sqlite:${join(dir, "a", "b", "store.db")}`;
    const store = await openStore(url);
    assert.equal(store.engine, "sqlite");
    await store.write((tx) => tx.setRegions(["hk"]));
    await store.close();
    const again = await openStore(url);
    assert.deepEqual(await again.read((tx) => tx.regions()), ["hk"]);
    await again.close();
  });

  it("refuses PostgreSQL (not available yet) and unknown URLs with a message", async () => {
    await assert.rejects(openStore("postgres://u:p@localhost/sgplane"), /PostgreSQL is not available yet/);
    await assert.rejects(openStore("postgresql://localhost/sgplane"), /PostgreSQL is not available yet/);
    await assert.rejects(openStore("mysql://localhost/x"), /unsupported database URL/);
    await assert.rejects(openStore("sqlite:"), /missing path/);
  });
});
