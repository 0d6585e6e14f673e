import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { startCheckpointer } from "./checkpointer.ts";
import { SqliteDriver } from "./sqlite-driver.ts";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), "sgplane-ckpt-"));
  dirs.push(d);
  return d;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("WAL checkpoints on their own thread", () => {
  it("the writer never checkpoints; the thread copies the WAL into the database file", async () => {
    const path = join(await tempDir(), "c.db");
    const driver = SqliteDriver.open(path);
    await driver.write(async (c) => {
      await c.run("CREATE TABLE t (x TEXT)");
    });
    await sleep(700);
    const before = (await stat(path)).size;
    // ~8 MiB in many commits: with the writer's autocheckpoint (4 MiB) this would have been copied by the writer.
    for (let i = 0; i < 80; i++) {
      await driver.write(async (c) => {
        for (let j = 0; j < 100; j++) await c.run("INSERT INTO t VALUES (?)", ["x".repeat(1000)]);
      });
    }
    const auto = await driver.write((c) => c.get<{ wal_autocheckpoint: number }>("PRAGMA wal_autocheckpoint"));
    assert.equal(auto?.wal_autocheckpoint, 0, "so whatever reached the file was copied by the thread");
    // The thread runs every 100 ms; give it a few turns on a busy machine.
    let after = (await stat(path)).size;
    for (let i = 0; i < 20 && after < before + 7_000_000; i++) {
      await sleep(250);
      after = (await stat(path)).size;
    }
    assert.ok(after >= before + 7_000_000, `the database file grew from ${before} to ${after} bytes`);
    await driver.close();
    const db = new Database(path, { readonly: true });
    assert.equal((db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, 8000);
    db.close();
  });

  it("a thread that cannot open the database reports it (the writer then takes checkpoints back)", async () => {
    const dir = await tempDir();
    const error = await new Promise<unknown>((resolve) => {
      startCheckpointer(join(dir, "missing", "x.db"), resolve);
    });
    assert.match(String(error), /directory does not exist|unable to open/i);
  });
});
