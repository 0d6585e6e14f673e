// Migrations run once (also when servers start together), re-running changes nothing, both engines' schemas match; URLs.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { randomIds } from "../ids.ts";
import { loadSeed } from "../seed/load-seed.ts";
import { validateSeed } from "../seed/validate-seed.ts";
import { openStore } from "./open.ts";
import { DEFAULT_POOL_SIZE, parsePostgresUrl } from "./postgres/postgres-url.ts";
import { createTestDatabase, postgresSkipReason, queryDatabase, type TestDatabase } from "./postgres/test-database.ts";
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
      assert.deepEqual(
        await migrate(driver, migrations),
        migrations.map((m) => m.version),
      );
      assert.ok(migrations.length >= 2);
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
      ms.map((m) => [
        m.version,
        m.name,
        [...m.sql.matchAll(re)]
          .map((x) => x[1])
          .filter((n) => n !== undefined && !Object.hasOwn(POSTGRES_ONLY, n))
          .sort(),
      ]);
    const [sqlite, postgres] = await Promise.all([loadMigrations("sqlite"), loadMigrations("postgres")]);
    // A PostgreSQL sequence stands for SQLite's one-row counter table of the same name (secgroup_versions).
    assert.deepEqual(names(postgres, /CREATE (?:TABLE|SEQUENCE) (\w+)/g), names(sqlite, /CREATE TABLE (\w+)/g));
    assert.deepEqual(
      names(postgres, /CREATE (?:UNIQUE )?INDEX (\w+)/g),
      names(sqlite, /CREATE (?:UNIQUE )?INDEX (\w+)/g),
    );
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

  it("refuses a bad pool size and unknown URLs with a message (before connecting)", async () => {
    await assert.rejects(openStore("postgres://u:secret@localhost/sgplane?pool=0"), /pool must be an integer from 1/);
    await assert.rejects(openStore("postgresql://localhost/sgplane?pool=lots"), /pool must be an integer from 1/);
    await assert.rejects(openStore("postgres://u:secret@localhost/sgplane?pool=0"), (e: Error) => {
      assert.doesNotMatch(e.message, /secret/);
      return true;
    });
    await assert.rejects(openStore("mysql://localhost/x"), /unsupported database URL/);
    await assert.rejects(openStore("sqlite:"), /missing path/);
  });
});

describe("postgres URL", () => {
  it("takes sgplane's ?pool=N out and passes everything else to pg", () => {
    assert.deepEqual(parsePostgresUrl("postgres://u@h:5432/db"), {
      connectionString: "postgres://u@h:5432/db",
      poolSize: DEFAULT_POOL_SIZE,
    });
    assert.deepEqual(parsePostgresUrl("postgres://u:p@h/db?sslmode=disable&pool=4"), {
      connectionString: "postgres://u:p@h/db?sslmode=disable",
      poolSize: 4,
    });
  });
});

/**
 * PostgreSQL's only objects of its own: the feed's positions are given after commit there (migration 005), from
 * a queue of committed events and a per-transaction number. SQLite numbers events inside its serial writers.
 */
const POSTGRES_ONLY: Readonly<Record<string, string>> = {
  feed_pending: "events committed but not yet numbered by sgplane_sequence_feed",
  feed_tx_seq: "the number each writer draws as its last statement, which orders its events in the queue",
  audit_by_tx: "finds the audit records whose events the sequencer has just numbered",
};
/** Columns of PostgreSQL's only, likewise. */
const POSTGRES_ONLY_COLUMNS: Readonly<Record<string, string>> = {
  "audit.tx_seq": "the writer's transaction number, by which the sequencer fills in its audit record's positions",
};

/** Per table: columns in order with NOT NULL, primary key, unique keys, foreign keys; the same shape from both engines. */
interface TableShape {
  columns: string[];
  primaryKey: string[];
  unique: string[];
  foreignKeys: string[];
}
type SchemaShape = Record<string, TableShape>;

function shapeOf(
  columns: readonly { tbl: string; col: string; notnull: boolean; pk: number }[],
  unique: readonly { tbl: string; cols: string; partial: boolean }[],
  foreignKeys: readonly { tbl: string; cols: string; ref: string; refCols: string; onDelete: string }[],
): SchemaShape {
  const shape: SchemaShape = {};
  const table = (t: string): TableShape => {
    shape[t] ??= { columns: [], primaryKey: [], unique: [], foreignKeys: [] };
    return shape[t];
  };
  for (const c of columns) table(c.tbl).columns.push(`${c.col}${c.notnull ? " NOT NULL" : ""}`);
  for (const c of [...columns].filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk)) table(c.tbl).primaryKey.push(c.col);
  for (const u of unique) table(u.tbl).unique.push(`(${u.cols})${u.partial ? " partial" : ""}`);
  for (const f of foreignKeys)
    table(f.tbl).foreignKeys.push(`(${f.cols}) -> ${f.ref} (${f.refCols}) ON DELETE ${f.onDelete}`);
  for (const t of Object.values(shape)) {
    t.unique.sort();
    t.foreignKeys.sort();
  }
  return shape;
}

async function sqliteShape(): Promise<SchemaShape> {
  const driver = SqliteDriver.open(":memory:");
  try {
    await migrate(driver, await loadMigrations("sqlite"));
    return await driver.read(async (conn) => {
      // secgroup_versions is SQLite's stand-in for a PostgreSQL sequence of that name (checked below).
      const tables =
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'secgroup_versions'";
      // secgroups.binding_count is SQLite's alone: PostgreSQL counts a group's bindings under a lock instead
      // (migration 004; the count function is checked below).
      const columns = await conn.all<{ tbl: string; col: string; nn: number; pk: number }>(
        `SELECT m.name AS tbl, p.name AS col, p."notnull" AS nn, p.pk AS pk FROM (${tables}) m,
           pragma_table_info(m.name) p WHERE NOT (m.name = 'secgroups' AND p.name = 'binding_count')
         ORDER BY m.name, p.cid`,
      );
      const unique = await conn.all<{ tbl: string; cols: string; partial: number }>(
        `SELECT m.name AS tbl, il.partial AS partial,
           (SELECT group_concat(name, ', ') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) AS cols
         FROM (${tables}) m, pragma_index_list(m.name) il WHERE il."unique" = 1 AND il.origin <> 'pk'`,
      );
      const fks = await conn.all<{ tbl: string; id: number; ref: string; from: string; to: string; on_delete: string }>(
        `SELECT m.name AS tbl, f.id, f."table" AS ref, f."from", f."to", f.on_delete FROM (${tables}) m,
           pragma_foreign_key_list(m.name) f ORDER BY m.name, f.id, f.seq`,
      );
      const byKey = new Map<
        string,
        { tbl: string; cols: string[]; ref: string; refCols: string[]; onDelete: string }
      >();
      for (const f of fks) {
        const k = `${f.tbl}/${f.id}`;
        const e = byKey.get(k) ?? { tbl: f.tbl, cols: [], ref: f.ref, refCols: [], onDelete: f.on_delete };
        e.cols.push(f.from);
        e.refCols.push(f.to);
        byKey.set(k, e);
      }
      return shapeOf(
        columns.map((c) => ({ tbl: c.tbl, col: c.col, notnull: c.nn === 1, pk: c.pk })),
        unique.map((u) => ({ ...u, partial: u.partial === 1 })),
        [...byKey.values()].map((f) => ({ ...f, cols: f.cols.join(", "), refCols: f.refCols.join(", ") })),
      );
    });
  } finally {
    await driver.close();
  }
}

async function postgresShape(url: string): Promise<SchemaShape> {
  return queryDatabase(url, async (c) => {
    const columns = await c.query<{ tbl: string; col: string; notnull: boolean; pk: number }>(
      `SELECT cl.relname AS tbl, a.attname AS col, a.attnotnull AS notnull,
         COALESCE(array_position(pk.conkey, a.attnum), 0) AS pk
       FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = 'public'
       JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_constraint pk ON pk.conrelid = cl.oid AND pk.contype = 'p'
       WHERE cl.relkind = 'r' ORDER BY cl.relname, a.attnum`,
    );
    const unique = await c.query<{ tbl: string; cols: string; partial: boolean }>(
      `SELECT cl.relname AS tbl, i.indpred IS NOT NULL AS partial,
         (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
           JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum = k.attnum) AS cols
       FROM pg_index i JOIN pg_class cl ON cl.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = 'public'
       WHERE i.indisunique AND NOT i.indisprimary`,
    );
    const fks = await c.query<{ tbl: string; cols: string; ref: string; refCols: string; onDelete: string }>(
      `SELECT cl.relname AS tbl, rf.relname AS ref,
         (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(f.conkey) WITH ORDINALITY AS k(attnum, n)
           JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.attnum) AS cols,
         (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(f.confkey) WITH ORDINALITY AS k(attnum, n)
           JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.attnum) AS "refCols",
         CASE f.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'a' THEN 'NO ACTION' ELSE f.confdeltype::text END AS "onDelete"
       FROM pg_constraint f JOIN pg_class cl ON cl.oid = f.conrelid JOIN pg_class rf ON rf.oid = f.confrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = 'public'
       WHERE f.contype = 'f'`,
    );
    const own = (r: { tbl: string; col: string }) => !Object.hasOwn(POSTGRES_ONLY_COLUMNS, `${r.tbl}.${r.col}`);
    const shape = shapeOf(columns.rows.filter(own), unique.rows, fks.rows);
    for (const name of Object.keys(POSTGRES_ONLY)) delete shape[name];
    return shape;
  });
}

const pgSkip = await postgresSkipReason();

describe("migrations (postgres)", { skip: pgSkip ?? false }, () => {
  let db: TestDatabase | undefined;
  before(async () => {
    db = await createTestDatabase("migrate");
  });
  after(() => db?.drop());
  const url = (): string => {
    if (db === undefined) throw new Error("no test database");
    return db.url;
  };

  it("several servers opening one empty database at once: each migration is applied once, all start", async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(url())));
    try {
      assert.deepEqual(
        stores.map((s) => s.engine),
        ["postgres", "postgres", "postgres", "postgres"],
      );
      const ledger = await queryDatabase(url(), (c) => c.query("SELECT version FROM schema_migrations ORDER BY 1"));
      assert.deepEqual(
        ledger.rows.map((r) => Number(r.version)),
        (await loadMigrations("postgres")).map((m) => m.version),
      );
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("running them again changes nothing", async () => {
    const before = await postgresShape(url());
    const store = await openStore(url());
    await store.close();
    assert.deepEqual(await postgresShape(url()), before);
  });

  it("group loads (counted by sgplane_lock_group_loads) and versions follow any UPDATE, not only the store's", async () => {
    const seed = validateSeed(
      JSON.parse(await readFile(new URL("../../../../examples/seed.json", import.meta.url), "utf8")),
    );
    const store = await openStore(url());
    try {
      await store.write((tx) => loadSeed(tx, seed, randomIds, 1_700_000_000));
    } finally {
      await store.close();
    }
    const state = () =>
      queryDatabase(url(), async (c) => {
        const rows = await c.query<{ id: string; n: string; version: string }>(
          `SELECT l.group_id AS id, l.bound AS n, g.version
           FROM sgplane_lock_group_loads('secgroup-demo02', 'secgroup-demo01', 'secgroup-demo01') l
           JOIN secgroups g ON g.secgroup_id = l.group_id ORDER BY 1`,
        );
        return rows.rows.map((r) => ({ n: Number(r.n), version: r.version }));
      });
    const [web, monitoring] = await state();
    assert.deepEqual([web?.n, monitoring?.n], [2, 1]);
    // A binding moved to another group, and a priority change that moves nothing.
    await queryDatabase(url(), async (c) => {
      await c.query(`UPDATE bindings SET secgroup_id = 'secgroup-demo02'
        WHERE resource_id = 'uhost-demo02' AND secgroup_id = 'secgroup-demo01'`);
      await c.query("UPDATE bindings SET priority = 6 - priority");
    });
    const moved = await state();
    assert.deepEqual(
      moved.map((g) => g.n),
      [1, 2],
    );
    // Editing one group's rule gives that group, and only that one, a new version.
    await queryDatabase(url(), (c) =>
      c.query("UPDATE rules SET remark = 'edited' WHERE secgroup_id = 'secgroup-demo02'"),
    );
    const edited = await state();
    assert.equal(edited[0]?.version, moved[0]?.version);
    assert.notEqual(edited[1]?.version, moved[1]?.version);
  });

  it("the PostgreSQL schema has the SQLite schema's columns, NOT NULLs, primary, unique and foreign keys", async () => {
    assert.deepEqual(await postgresShape(url()), await sqliteShape());
    const sequences = await queryDatabase(url(), (c) =>
      c.query("SELECT sequencename FROM pg_sequences WHERE sequencename = 'secgroup_versions'"),
    );
    assert.equal(sequences.rows.length, 1);
  });
});
