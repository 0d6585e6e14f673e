// Racing servers: thousands of conflicting binding changes from many clients, spread over 3 servers on one PostgreSQL
// database (and over 1 server on a SQLite file), break no invariant and lose no update.
//
// How "no lost update" is proved. Test-only triggers, added to the test's own database after the servers have
// started (nothing in production), log every row change of `bindings` and `secgroups` with its time and, on
// PostgreSQL, its transaction id and commit time (a deferred trigger). race-model.ts then explains that log as a
// serial history: it cuts the log into transactions (PostgreSQL: by txid, in commit order; SQLite, whose single
// writer commits one transaction after another: by search) and requires each one to be exactly the change that ONE
// successful request makes in the state left by the transactions before it (the server's own domain planners
// compute that change), written while that request was in flight. Every other successful request must have been a
// no-op in a state that held while it was in flight, every refusal must be the RetCode such a state gives, and every
// read must have seen such a state (on PostgreSQL, a snapshot of some order in which the commits around the read became
// visible: different rows' commits may, one row's writers may not, swap; see seenInSomeVisibilityOrder). The checker also fails if two PostgreSQL transactions' changes to one resource
// (its bindings) or to one group's row interleave. A lost update — two requests deciding on the same old state, like
// two unbinds that each leave "one group" — cannot be explained this way: the second request's change is not what
// the state after the first one allows. Finally the last state of the history must equal the database, and every state along it must keep the
// invariants (so no resource ever had zero groups).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { toPositional } from "../src/store/postgres/statements.ts";
import { postgresSkipReason, queryDatabase } from "../src/store/postgres/test-database.ts";
import { type PostgresCluster, type ServerProcess, startPostgresCluster, startServer } from "./harness.ts";
import { bindingsText, explainHistory, isMutating, type LogEntry, orderByTransaction, State } from "./race-model.ts";
import {
  COMPANY,
  CONFIG,
  IN_FLIGHT,
  initialState,
  KEY,
  PROJECT,
  REGION,
  REQUESTS,
  RESOURCES,
  race,
  SEED,
  SEED_FILE,
  seenBindings,
} from "./race-world.ts";

/** The few things the race needs from a database, whichever engine holds it. */
interface RaceDatabase {
  /** Adds the write log (race_log and its triggers) to the live database. */
  installLog(): Promise<void>;
  readLog(): Promise<LogEntry[]>;
  query<T>(sql: string, params?: readonly (string | number)[]): Promise<T[]>;
  /** Whether log entries carry transaction ids. */
  readonly txIds: boolean;
}

async function stateOf(db: RaceDatabase): Promise<State> {
  const s = new State(CONFIG);
  for (const g of await db.query<{ secgroup_id: string }>("SELECT secgroup_id FROM secgroups WHERE company_id = ?", [
    COMPANY,
  ])) {
    s.groups.add(g.secgroup_id);
  }
  for (const b of await db.query<{ resource_id: string; secgroup_id: string; priority: number }>(
    "SELECT resource_id, secgroup_id, priority FROM bindings",
  )) {
    s.set(`b ${b.resource_id} ${b.secgroup_id}`, Number(b.priority));
  }
  return s;
}

/** The invariants, asked of the database directly in SQL. */
async function sqlViolations(db: RaceDatabase): Promise<string[]> {
  const out: string[] = [];
  const perResource = await db.query<{ resource_id: string; n: number; d: number; lo: number; hi: number }>(
    `SELECT resource_id, COUNT(*) AS n, COUNT(DISTINCT priority) AS d, MIN(priority) AS lo, MAX(priority) AS hi
     FROM bindings GROUP BY resource_id`,
  );
  for (const r of perResource) {
    if (Number(r.n) > CONFIG.groupsPerResource) out.push(`${r.resource_id}: ${r.n} groups`);
    if (Number(r.d) !== Number(r.n)) out.push(`${r.resource_id}: two groups at one priority`);
    if (Number(r.lo) < 1 || Number(r.hi) > 5) out.push(`${r.resource_id}: priority outside 1-5`);
  }
  const empty = await db.query<{ resource_id: string }>(
    `SELECT r.resource_id FROM resources r WHERE r.company_id = ? AND r.security_mode = 'SecGroup'
     AND NOT EXISTS (SELECT 1 FROM bindings b WHERE b.resource_id = r.resource_id)`,
    [COMPANY],
  );
  for (const r of empty) out.push(`${r.resource_id}: no group left`);
  const orphans = await db.query<{ resource_id: string; secgroup_id: string }>(
    `SELECT b.resource_id, b.secgroup_id FROM bindings b LEFT JOIN secgroups g ON g.secgroup_id = b.secgroup_id
     WHERE g.secgroup_id IS NULL`,
  );
  for (const o of orphans) out.push(`${o.resource_id} bound to deleted group ${o.secgroup_id}`);
  const [groups] = await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM secgroups WHERE company_id = ?", [COMPANY]);
  if (Number(groups?.n) > CONFIG.groupQuota) out.push(`${groups?.n} groups > quota ${CONFIG.groupQuota}`);
  return out;
}

/** The race, then every check; reports its numbers as test diagnostics. */
async function raceAndCheck(
  t: { diagnostic(message: string): void },
  servers: readonly ServerProcess[],
  db: RaceDatabase,
): Promise<void> {
  await db.installLog();
  const { calls, problems, ms } = await race(servers);
  assert.equal(calls.length + problems.filter((p) => p.includes("malformed")).length, REQUESTS);

  const histogram: Record<string, number> = {};
  const successes: Record<string, number> = {};
  for (const c of calls) {
    histogram[c.code] = (histogram[c.code] ?? 0) + 1;
    if (c.code === 0) successes[c.op.action] = (successes[c.op.action] ?? 0) + 1;
  }
  t.diagnostic(
    `${REQUESTS} requests over ${servers.length} server(s), ${IN_FLIGHT} in flight, ${Math.round(ms)} ms ` +
      `(${Math.round((REQUESTS / ms) * 1000)} req/s), seed ${SEED}`,
  );
  const latency = calls.map((c) => c.doneAt - c.sentAt).sort((a, b) => a - b);
  const at = (q: number) => Math.round(latency[Math.min(latency.length - 1, Math.floor(q * latency.length))] ?? 0);
  t.diagnostic(`latency ms: p50 ${at(0.5)}, p99 ${at(0.99)}, max ${at(1)}`);
  t.diagnostic(`successes by action: ${JSON.stringify(successes)}`);
  t.diagnostic(`RetCode histogram: ${JSON.stringify(histogram)}`);

  // Every check runs and reports, so a broken build shows all that it breaks at once.
  const final = await stateOf(db);
  const api: string[] = [];
  for (const server of servers) {
    const { body } = await server.client(KEY, { projectId: PROJECT, region: REGION }).send("DescribeResourceSecGroup", {
      ResourceId: RESOURCES,
    });
    const seen = seenBindings(body);
    for (const r of RESOURCES) {
      const want = bindingsText(final.bindings.get(r) ?? new Map());
      if (seen.get(r) !== want) api.push(`${server.url} shows ${r} as ${seen.get(r)}, the database has ${want}`);
    }
  }

  const raw = await db.readLog();
  const ordered = db.txIds ? orderByTransaction(raw) : { entries: raw, ends: undefined, problems: [] };
  const verdict = explainHistory(initialState(), calls, ordered.entries, ordered.ends, {
    slackMs: 25,
    maxEntriesPerTx: 16,
    budget: 200_000,
  });
  const mutating = calls.filter((c) => isMutating(c.op) && c.code === 0).length;
  t.diagnostic(
    `history: ${raw.length} row changes = ${verdict.transactions} transactions, each one successful request; ` +
      `${verdict.noOps} successful no-ops; ${mutating} successful mutations in all; ${verdict.steps} search steps`,
  );
  const history = [...ordered.problems, ...verdict.problems];
  if (history.length === 0) {
    if (verdict.transactions + verdict.noOps !== mutating) history.push("some successful request is unaccounted for");
    if ([...verdict.final.groups].sort().join() !== [...final.groups].sort().join()) {
      history.push("replayed groups differ from the database");
    }
    for (const r of RESOURCES) {
      const replayed = bindingsText(verdict.final.bindings.get(r) ?? new Map());
      const stored = bindingsText(final.bindings.get(r) ?? new Map());
      if (replayed !== stored)
        history.push(`replayed bindings of ${r} (${replayed}) differ from the database (${stored})`);
    }
  }

  assert.deepEqual(
    {
      envelopes: problems.slice(0, 20),
      sql: [...(await sqlViolations(db)), ...final.violations()],
      api,
      history: history.slice(0, 20),
    },
    { envelopes: [], sql: [], api: [], history: [] },
    "every envelope expected; invariants in SQL and through the API; the write log a serial history of the requests",
  );
}

const pgSkip = await postgresSkipReason();

describe("race: 3 servers on one PostgreSQL database", { skip: pgSkip ?? false, timeout: 120_000 }, () => {
  let cluster: PostgresCluster | undefined;
  after(() => cluster?.stop());

  it("conflicting binding changes from 32 clients keep every invariant and lose no update", async (t) => {
    // All three start at once on an empty database with one seed: migrations and seed loads must not collide.
    cluster = await startPostgresCluster("race", SEED_FILE);
    const { servers, databaseUrl: dbUrl } = cluster;
    const run = <T>(sql: string, params: readonly (string | number)[] = []) =>
      queryDatabase(dbUrl, async (c) => (await c.query(toPositional(sql), [...params])).rows as T[]);
    const before = await queryDatabase(dbUrl, (c) =>
      c.query("SELECT deadlocks, xact_rollback FROM pg_stat_database WHERE datname = current_database()"),
    );
    await raceAndCheck(t, servers, {
      txIds: true,
      query: run,
      async installLog() {
        await queryDatabase(dbUrl, (c) =>
          c.query(`
            CREATE TABLE race_log (
              seq   BIGSERIAL PRIMARY KEY,
              tx    BIGINT NOT NULL DEFAULT txid_current(),
              at    DOUBLE PRECISION NOT NULL DEFAULT extract(epoch FROM clock_timestamp()) * 1000,
              key   TEXT NOT NULL,
              value INTEGER NOT NULL);
            CREATE FUNCTION race_log_binding() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP <> 'INSERT' THEN
                INSERT INTO race_log (key, value) VALUES ('b ' || OLD.resource_id || ' ' || OLD.secgroup_id, 0);
              END IF;
              IF TG_OP <> 'DELETE' THEN
                INSERT INTO race_log (key, value) VALUES ('b ' || NEW.resource_id || ' ' || NEW.secgroup_id, NEW.priority);
              END IF;
              RETURN NULL;
            END $$;
            CREATE FUNCTION race_log_group() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP <> 'INSERT' THEN INSERT INTO race_log (key, value) VALUES ('g ' || OLD.secgroup_id, 0); END IF;
              IF TG_OP <> 'DELETE' THEN INSERT INTO race_log (key, value) VALUES ('g ' || NEW.secgroup_id, 1); END IF;
              RETURN NULL;
            END $$;
            -- A deferred trigger runs at COMMIT: the last run's clock is the transaction's commit time.
            CREATE TABLE race_commit (tx BIGINT PRIMARY KEY, at DOUBLE PRECISION NOT NULL);
            CREATE FUNCTION race_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO race_commit (tx, at) VALUES (txid_current(), extract(epoch FROM clock_timestamp()) * 1000)
                ON CONFLICT (tx) DO UPDATE SET at = excluded.at;
              RETURN NULL;
            END $$;
            CREATE CONSTRAINT TRIGGER race_commit AFTER INSERT ON race_log DEFERRABLE INITIALLY DEFERRED
              FOR EACH ROW EXECUTE FUNCTION race_commit();
            CREATE TRIGGER race_log_binding AFTER INSERT OR UPDATE OR DELETE ON bindings
              FOR EACH ROW EXECUTE FUNCTION race_log_binding();
            CREATE TRIGGER race_log_group AFTER INSERT OR DELETE ON secgroups
              FOR EACH ROW EXECUTE FUNCTION race_log_group();`),
        );
      },
      async readLog() {
        const stats = await run<{ deadlocks: string; xact_rollback: string }>(
          "SELECT deadlocks, xact_rollback FROM pg_stat_database WHERE datname = current_database()",
        );
        const was = before.rows[0] as { deadlocks: string; xact_rollback: string } | undefined;
        t.diagnostic(
          `PostgreSQL: ${Number(stats[0]?.deadlocks) - Number(was?.deadlocks)} deadlocks detected (each retried), ` +
            `${Number(stats[0]?.xact_rollback) - Number(was?.xact_rollback)} transactions rolled back`,
        );
        const rows = await run<{ tx: string; at: number; key: string; value: number; commit_at: number }>(
          `SELECT l.tx::text AS tx, l.at, l.key, l.value, c.at AS commit_at
           FROM race_log l JOIN race_commit c ON c.tx = l.tx ORDER BY l.seq`,
        );
        return rows.map((r) => ({
          tx: r.tx,
          at: Number(r.at),
          key: r.key,
          value: Number(r.value),
          commitAt: Number(r.commit_at),
        }));
      },
    });
  });
});

describe("race: 1 server on a SQLite file", { timeout: 120_000 }, () => {
  let server: ServerProcess | undefined;
  let db: Database.Database | undefined;
  let dir: string | undefined;
  after(async () => {
    db?.close();
    await server?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("the same race on the single-writer engine keeps every invariant and loses no update", async (t) => {
    dir = await mkdtemp(join(tmpdir(), "sgplane-race-"));
    const path = join(dir, "race.db");
    server = await startServer({ db: `sqlite:${path}`, seed: SEED_FILE });
    const conn = new Database(path, { timeout: 10_000 });
    db = conn;
    await raceAndCheck(t, [server], {
      txIds: false,
      query: async <T>(sql: string, params: readonly (string | number)[] = []) =>
        conn.prepare(sql).all(...params) as T[],
      async installLog() {
        conn.exec(`
          CREATE TABLE race_log (
            seq   INTEGER PRIMARY KEY AUTOINCREMENT,
            at    REAL NOT NULL DEFAULT (unixepoch('subsec') * 1000),
            key   TEXT NOT NULL,
            value INTEGER NOT NULL);
          CREATE TRIGGER race_log_binding_ins AFTER INSERT ON bindings BEGIN
            INSERT INTO race_log (key, value) VALUES ('b ' || NEW.resource_id || ' ' || NEW.secgroup_id, NEW.priority);
          END;
          CREATE TRIGGER race_log_binding_del AFTER DELETE ON bindings BEGIN
            INSERT INTO race_log (key, value) VALUES ('b ' || OLD.resource_id || ' ' || OLD.secgroup_id, 0);
          END;
          CREATE TRIGGER race_log_binding_upd AFTER UPDATE ON bindings BEGIN
            INSERT INTO race_log (key, value) VALUES ('b ' || OLD.resource_id || ' ' || OLD.secgroup_id, 0);
            INSERT INTO race_log (key, value) VALUES ('b ' || NEW.resource_id || ' ' || NEW.secgroup_id, NEW.priority);
          END;
          CREATE TRIGGER race_log_group_ins AFTER INSERT ON secgroups BEGIN
            INSERT INTO race_log (key, value) VALUES ('g ' || NEW.secgroup_id, 1);
          END;
          CREATE TRIGGER race_log_group_del AFTER DELETE ON secgroups BEGIN
            INSERT INTO race_log (key, value) VALUES ('g ' || OLD.secgroup_id, 0);
          END;`);
      },
      async readLog() {
        return (conn.prepare("SELECT at, key, value FROM race_log ORDER BY seq").all() as LogEntry[]).map((r) => ({
          at: Number(r.at),
          key: r.key,
          value: Number(r.value),
        }));
      },
    });
  });
});
