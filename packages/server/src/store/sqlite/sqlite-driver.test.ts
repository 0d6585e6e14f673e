// Group commit: concurrent writes share one transaction, each all-or-nothing on its own, answered only after COMMIT.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { isStoreError } from "../errors.ts";
import type { SqlConn } from "../sql/driver.ts";
import { MAX_BATCH, SqliteDriver, type SqliteOptions } from "./sqlite-driver.ts";

const SCHEMA = `
  CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
  CREATE TABLE log (k TEXT NOT NULL);
  CREATE TRIGGER log_abort BEFORE INSERT ON log WHEN NEW.k = 'abort'
    BEGIN SELECT RAISE(ROLLBACK, 'whole transaction rolled back'); END;
  CREATE TABLE parent (id INTEGER PRIMARY KEY);
  CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
`;

let dir = "";
let files = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sgplane-sqlite-driver-"));
});
after(() => rm(dir, { recursive: true, force: true }));

interface Subject {
  readonly driver: SqliteDriver;
  /** Write callbacks carried by each committed transaction, in commit order. */
  readonly batches: number[];
  readonly path: string;
}

/**
 * Tests that count which callbacks share a transaction lift the time cap (a loaded machine could otherwise cut a
 * batch short); the time cap has a test of its own, and `timeCap` keeps the default.
 */
async function open(
  kind: "file" | "memory",
  timeCap: "default" | "off" = "off",
  options: SqliteOptions = {},
): Promise<Subject> {
  const batches: number[] = [];
  const path = kind === "file" ? join(dir, `driver-${++files}.db`) : ":memory:";
  const driver = SqliteDriver.open(path, {
    ...options,
    onCommit: (writes) => batches.push(writes),
    ...(timeCap === "off" ? { maxBatchMs: 60_000 } : {}),
  });
  await driver.write((conn) => conn.exec(SCHEMA));
  batches.length = 0;
  return { driver, batches, path };
}

/** Runs a test on a fresh subject, and closes its driver whatever happens. */
async function withSubject(
  kind: "file" | "memory",
  test: (s: Subject) => Promise<void>,
  timeCap: "default" | "off" = "off",
): Promise<void> {
  const s = await open(kind, timeCap);
  try {
    await test(s);
  } finally {
    await s.driver.close();
  }
}

/** Occupies the writer until release(): writes queued meanwhile all wait for the next batch. */
async function holdWriter(driver: SqliteDriver): Promise<{ release(): void; done: Promise<void> }> {
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started = (): void => {};
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const done = driver.write(async (conn) => {
    await conn.run("INSERT INTO t (k, v) VALUES ('held', 0)");
    started();
    await gate;
  });
  await running;
  return { release, done };
}

const insert = (conn: SqlConn, k: string, v = 1) => conn.run("INSERT INTO t (k, v) VALUES (?, ?)", [k, v]);
const keys = (s: Subject) =>
  s.driver.read((conn) => conn.all<{ k: string }>("SELECT k FROM t ORDER BY k")).then((rows) => rows.map((r) => r.k));
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
/** More concurrent writes than one batch may carry, so the count cap must split them. */
const WRITES = Math.ceil(2.5 * MAX_BATCH);

for (const kind of ["file", "memory"] as const) {
  describe(`SqliteDriver group commit (${kind})`, () => {
    it(`${WRITES} concurrent writes all commit, in a handful of transactions of at most ${MAX_BATCH}`, () =>
      withSubject(kind, async (s) => {
        const results = await Promise.all(
          Array.from({ length: WRITES }, (_, i) =>
            s.driver.write(async (conn) => {
              await insert(conn, `k${i}`, i);
              return (await conn.get<{ v: number }>("SELECT v FROM t WHERE k = ?", [`k${i}`]))?.v;
            }),
          ),
        );
        assert.deepEqual(
          results,
          Array.from({ length: WRITES }, (_, i) => i),
        );
        assert.equal(sum(s.batches), WRITES);
        assert.ok(s.batches.length <= 10, `expected batching, got ${s.batches.length} commits: ${s.batches}`);
        assert.ok(
          s.batches.every((n) => n <= MAX_BATCH),
          `batch over the cap: ${s.batches}`,
        );
        assert.equal((await keys(s)).length, WRITES);
      }));

    it("a callback that throws in a batch leaves no trace; the ones around it commit; errors reach only their caller", () =>
      withSubject(kind, async (s) => {
        const held = await holdWriter(s.driver);
        const own = new Error("callback b refused");
        let constraintError: unknown;
        const a = s.driver.write(async (conn) => {
          await insert(conn, "a");
          return "a";
        });
        const b = s.driver.write(async (conn) => {
          await insert(conn, "b");
          throw own;
        });
        const c = s.driver.write(async (conn) => {
          await insert(conn, "c");
          return "c";
        });
        const d = s.driver.write(async (conn) => {
          await insert(conn, "d");
          try {
            await insert(conn, "a"); // a duplicate of callback a's key: SQLite refuses (UNIQUE)
          } catch (e) {
            constraintError = e;
            throw e;
          }
        });
        const e = s.driver.write(async (conn) => {
          await insert(conn, "e");
          return "e";
        });
        held.release();
        await held.done;
        const settled = await Promise.allSettled([a, b, c, d, e]);
        assert.deepEqual(s.batches, [1, 5]); // the held write alone, then the five in one transaction
        assert.deepEqual(
          settled.map((r) => (r.status === "fulfilled" ? r.value : "rejected")),
          ["a", "rejected", "c", "rejected", "e"],
        );
        assert.equal(settled[1]?.status === "rejected" && settled[1].reason, own);
        assert.ok(isStoreError(constraintError, "unique"));
        assert.equal(settled[3]?.status === "rejected" && settled[3].reason, constraintError);
        assert.deepEqual(await keys(s), ["a", "c", "e", "held"]);
      }));

    it("a lone write on an idle writer commits at the end of this event-loop turn: no timer, no more waiting", () =>
      withSubject(
        kind,
        async (s) => {
          for (const k of ["x", "y"]) {
            // Two check phases from now; the driver's own setImmediate is queued in the first one.
            let nextTurn = false;
            setImmediate(() => setImmediate(() => (nextTurn = true)));
            assert.equal(await s.driver.write((conn) => insert(conn, k).then(() => k)), k);
            assert.equal(nextTurn, false);
          }
          assert.deepEqual(s.batches, [1, 1]);
        },
        "default",
      ));

    it("when SQLite rolls the whole batch back, the others run again alone and take effect exactly once", () =>
      withSubject(kind, async (s) => {
        const held = await holdWriter(s.driver);
        const runs = { a: 0, b: 0, c: 0 };
        let abortError: unknown;
        const log = (conn: SqlConn, k: string) => conn.run("INSERT INTO log (k) VALUES (?)", [k]);
        const a = s.driver.write(async (conn) => {
          runs.a++;
          await log(conn, "a");
          return "a";
        });
        const b = s.driver.write(async (conn) => {
          runs.b++;
          await log(conn, "b");
          try {
            await log(conn, "abort"); // the trigger's RAISE(ROLLBACK) ends the whole transaction
          } catch (e) {
            abortError = e;
            throw e;
          }
        });
        const c = s.driver.write(async (conn) => {
          runs.c++;
          await log(conn, "c");
          return "c";
        });
        held.release();
        await held.done;
        assert.equal(await a, "a");
        await assert.rejects(b, (e: unknown) => {
          assert.equal(e, abortError);
          assert.match(String(e), /whole transaction rolled back/);
          return true;
        });
        assert.equal(await c, "c");
        // a ran in the lost batch and again alone; c never got its turn in the batch; b is not run again.
        assert.deepEqual(runs, { a: 2, b: 1, c: 1 });
        assert.deepEqual(s.batches, [1, 1, 1]);
        const rows = await s.driver.read((conn) => conn.all<{ k: string }>("SELECT k FROM log ORDER BY rowid"));
        assert.deepEqual(
          rows.map((r) => r.k),
          ["a", "c"],
        );
      }));

    it("a callback that swallows SQLite's rollback can neither write outside a transaction nor report success", () =>
      withSubject(kind, async (s) => {
        const held = await holdWriter(s.driver);
        const after: unknown[] = [];
        const a = s.driver.write((conn) => insert(conn, "a"));
        const b = s.driver.write(async (conn) => {
          await conn.run("INSERT INTO log (k) VALUES ('abort')").catch(() => {});
          after.push(await insert(conn, "stray").catch((e: unknown) => e));
          return "carried on";
        });
        held.release();
        await held.done;
        await a;
        await assert.rejects(b, /rolled back by SQLite/);
        assert.equal(after.length, 2); // in the batch, then alone
        assert.ok(after.every((e) => e instanceof Error && /rolled back by SQLite/.test(e.message)));
        assert.deepEqual(await keys(s), ["a", "held"]);
      }));

    it("when the batch's COMMIT fails, every callback runs again alone and reports its own outcome", () =>
      withSubject(kind, async (s) => {
        const held = await holdWriter(s.driver);
        const runs = { a: 0, b: 0, c: 0 };
        const a = s.driver.write(async (conn) => {
          runs.a++;
          await conn.run("INSERT INTO parent (id) VALUES (1)");
        });
        const b = s.driver.write(async (conn) => {
          runs.b++;
          // A deferred foreign key: nothing fails until COMMIT, which then refuses the whole batch.
          await conn.run("INSERT INTO child (parent_id) VALUES (99)");
        });
        const c = s.driver.write(async (conn) => {
          runs.c++;
          await conn.run("INSERT INTO child (parent_id) VALUES (1)");
        });
        held.release();
        await held.done;
        await a;
        await assert.rejects(b, (e: unknown) => isStoreError(e, "foreign-key"));
        await c;
        assert.deepEqual(runs, { a: 2, b: 2, c: 2 });
        assert.deepEqual(s.batches, [1, 1, 1]);
        const rows = await s.driver.read(async (conn) => ({
          parents: await conn.all("SELECT id FROM parent"),
          children: await conn.all("SELECT parent_id FROM child"),
        }));
        assert.deepEqual(rows, { parents: [{ id: 1 }], children: [{ parent_id: 1 }] });
      }));

    it("each callback of a batch has its own handle, dead once that callback ends, even while the batch goes on", () =>
      withSubject(kind, async (s) => {
        const held = await holdWriter(s.driver);
        const handles: SqlConn[] = [];
        let late: unknown;
        const a = s.driver.write(async (conn) => {
          handles.push(conn);
          await insert(conn, "a");
        });
        const b = s.driver.write(async (conn) => {
          handles.push(conn);
          await new Promise((resolve) => setImmediate(resolve));
          late = await (handles[0] as SqlConn).run("INSERT INTO t (k, v) VALUES ('late', 0)").catch((e: unknown) => e);
          await insert(conn, "b");
        });
        held.release();
        await Promise.all([held.done, a, b]);
        assert.deepEqual(s.batches, [1, 2]);
        assert.equal(handles.length, 2);
        assert.notEqual(handles[0], handles[1]);
        assert.match(String(late), /already finished/);
        await assert.rejects((handles[1] as SqlConn).get("SELECT 1"), /already finished/);
        assert.deepEqual(await keys(s), ["a", "b", "held"]);
      }));

    it("a batch stops taking callbacks after 5 ms of work; the rest go into the next batch", () =>
      withSubject(
        kind,
        async (s) => {
          const held = await holdWriter(s.driver);
          const writes = Array.from({ length: 10 }, (_, i) =>
            s.driver.write(async (conn) => {
              await insert(conn, `slow${i}`);
              const until = performance.now() + 3;
              while (performance.now() < until) {
                // busy: 3 ms of work
              }
            }),
          );
          held.release();
          await Promise.all([held.done, ...writes]);
          // 3 ms each: the second starts at 3 ms (< 5), the third would start at 6 ms, so it waits.
          assert.equal(sum(s.batches), 11);
          assert.ok(
            s.batches.every((n) => n <= 2),
            `batches: ${s.batches}`,
          );
          assert.equal((await keys(s)).length, 11);
        },
        "default",
      ));

    it("close() lets every queued write finish (over several batches); writes after it fail", async () => {
      const s = await open(kind, "off", { maxBatchWrites: 64 });
      const held = await holdWriter(s.driver);
      const queued = Array.from({ length: 150 }, (_, i) => s.driver.write((conn) => insert(conn, `q${i}`)));
      const closing = s.driver.close();
      const late = s.driver.write((conn) => insert(conn, "late"));
      held.release();
      await assert.rejects(late, /store is closed/);
      await Promise.all([held.done, ...queued, closing]);
      assert.equal(sum(s.batches), 151);
      assert.ok(s.batches.length >= 4, `150 queued writes need 3 batches of at most 64: ${s.batches}`);
      await assert.rejects(
        s.driver.read(async () => 0),
        /store is closed/,
      );
      if (kind === "file") {
        const db = new Database(s.path, { readonly: true });
        try {
          assert.deepEqual(db.prepare("SELECT count(*) AS n FROM t").get(), { n: 151 });
        } finally {
          db.close();
        }
      }
    });
  });
}

describe("SqliteDriver group commit (file): answers follow the commit", () => {
  it("a write's promise resolves only after its batch committed: another connection already sees its row", async () => {
    const s = await open("file");
    const observer = new Database(s.path, { readonly: true });
    try {
      const held = await holdWriter(s.driver);
      const countA = observer.prepare("SELECT count(*) AS n FROM t WHERE k = 'a'");
      let bFinished = false;
      let seenByOthers: unknown;
      const a = s.driver
        .write((conn) => insert(conn, "a"))
        .then(() => {
          // Synchronously, on a connection of its own: only committed data is visible here.
          seenByOthers = { bFinished, rows: countA.get() };
        });
      const b = s.driver.write(async (conn) => {
        await insert(conn, "b");
        // The second callback of the batch takes a while; a must not be answered in the meantime.
        await new Promise((resolve) => setTimeout(resolve, 30));
        bFinished = true;
      });
      held.release();
      await Promise.all([held.done, a, b]);
      assert.deepEqual(s.batches, [1, 2]);
      assert.deepEqual(seenByOthers, { bFinished: true, rows: { n: 1 } });
    } finally {
      observer.close();
      await s.driver.close();
    }
  });
});

describe("SqliteDriver group commit (memory): reads run between batches", () => {
  it("a read queued while a batch waits runs after the whole batch, never inside it", async () => {
    const s = await open("memory");
    try {
      const held = await holdWriter(s.driver);
      const writes = ["a", "b", "c"].map((k) =>
        s.driver.write(async (conn) => {
          await insert(conn, k);
          await new Promise((resolve) => setImmediate(resolve));
        }),
      );
      const read = keys(s);
      held.release();
      await Promise.all([held.done, ...writes]);
      assert.deepEqual(await read, ["a", "b", "c", "held"]);
      assert.deepEqual(s.batches, [1, 3]);
    } finally {
      await s.driver.close();
    }
  });
});
