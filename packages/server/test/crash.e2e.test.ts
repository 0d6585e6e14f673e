// kill -9 in the middle of heavy mutating load, restart on the same database (no seed), and prove that every request
// was applied in full or not at all, that nothing acknowledged was lost, and that every invariant holds. Each of 8
// workers owns its resources and groups (crash-model.ts), so it knows the exact state before and after each of its
// requests: after the restart its slice must be "every acknowledged request applied" plus, at most, its one
// unacknowledged request applied in full. SQLite file always; PostgreSQL when reachable (mandatory with CI=true).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import {
  createTestDatabase,
  postgresSkipReason,
  queryDatabase,
  type TestDatabase,
} from "../src/store/postgres/test-database.ts";
import {
  COMPANY,
  generator,
  initialSlice,
  KEY,
  nextOp,
  type Op,
  PROJECT,
  REGION,
  SEED_FILE,
  type Slice,
  sliceFromExport,
  sliceText,
  WORKERS,
} from "./crash-model.ts";
import { OPERATOR, type ServerProcess, startServer } from "./harness.ts";

const SOAK = process.env.SGPLANE_SOAK === "1";
const RUNS = Number(process.env.SGPLANE_CRASH_RUNS ?? (SOAK ? 50 : 5));
const SEED = Number(process.env.SGPLANE_CRASH_SEED ?? 20261129);
/** The kill comes at a random moment this long after the load starts. */
const KILL_MIN_MS = 300;
const KILL_MAX_MS = 2500;
/** Read-only requests before the load (per worker, within a time budget), so a restarted server is warm. */
const WARM_UP = 40;
const WARM_UP_MS = 700;

/** The invariants, asked of the database in SQL; each query is one check. */
const INVARIANT_SQL: readonly [name: string, sql: string][] = [
  ["at most 5 groups per resource", "SELECT resource_id FROM bindings GROUP BY resource_id HAVING COUNT(*) > 5"],
  [
    "binding priorities unique per resource, within 1-5",
    `SELECT resource_id FROM bindings GROUP BY resource_id
     HAVING COUNT(DISTINCT priority) <> COUNT(*) OR MIN(priority) < 1 OR MAX(priority) > 5`,
  ],
  [
    "no SecGroup-mode resource without a group",
    `SELECT r.resource_id FROM resources r WHERE r.company_id = ${COMPANY} AND r.security_mode = 'SecGroup'
     AND NOT EXISTS (SELECT 1 FROM bindings b WHERE b.resource_id = r.resource_id)`,
  ],
  [
    "no binding to a missing group",
    "SELECT b.resource_id FROM bindings b LEFT JOIN secgroups g ON g.secgroup_id = b.secgroup_id WHERE g.secgroup_id IS NULL",
  ],
  [
    "no binding of a missing resource",
    "SELECT b.resource_id FROM bindings b LEFT JOIN resources r ON r.resource_id = b.resource_id WHERE r.resource_id IS NULL",
  ],
  [
    "no rule of a missing group",
    "SELECT u.rule_id FROM rules u LEFT JOIN secgroups g ON g.secgroup_id = u.secgroup_id WHERE g.secgroup_id IS NULL",
  ],
  [
    "rule priorities unique per group and direction",
    "SELECT secgroup_id FROM rules GROUP BY secgroup_id, direction, priority HAVING COUNT(*) > 1",
  ],
];

interface CrashDatabase {
  /** The --db URL. */
  readonly url: string;
  /** Runs every invariant query (and the engine's own integrity checks); returns the violations and the count run. */
  check(): Promise<{ violations: string[]; checks: number }>;
}

interface Totals {
  runs: number;
  sent: number;
  acknowledged: number;
  unacknowledged: number;
  unacknowledgedApplied: number;
  conflicts: number;
  checks: number;
  killAt: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Loads the server with WORKERS concurrent clients until it is killed; returns each worker's in-flight request. */
async function loadUntilKilled(
  server: ServerProcess,
  rand: () => number,
  slices: Slice[],
  counters: { n: number }[],
  totals: Totals,
  problems: string[],
): Promise<(Op | undefined)[]> {
  const client = server.client(KEY, { projectId: PROJECT, region: REGION, timeoutMs: 20_000 });
  const inFlight: (Op | undefined)[] = Array(WORKERS).fill(undefined);
  const seeds = Array.from({ length: WORKERS }, () => Math.floor(rand() * 2 ** 32));
  const all = slices.flatMap((s) => [...s.bindings.keys()]);
  const warmUntil = performance.now() + WARM_UP_MS;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      for (let i = 0; i < WARM_UP && performance.now() < warmUntil; i++) {
        await client.send("DescribeResourceSecGroup", { ResourceId: all });
      }
    }),
  );
  const worker = async (w: number) => {
    const wrand = generator(seeds[w] ?? w);
    for (;;) {
      const op = nextOp(wrand, w, slices[w] as Slice, counters[w] as { n: number });
      inFlight[w] = op;
      let body: Record<string, unknown>;
      try {
        ({ body } = await client.send(op.action, op.params));
      } catch {
        return; // the server is gone: this request's fate is unknown
      }
      inFlight[w] = undefined;
      totals.sent++;
      if (body.RetCode === 0) {
        slices[w] = op.apply(slices[w] as Slice, body);
        totals.acknowledged++;
      } else if (body.RetCode === 150 && /conflict/.test(String(body.Message))) {
        totals.conflicts++; // retried inside the server and still lost: nothing changed
      } else {
        problems.push(`worker ${w} ${op.action}: ${JSON.stringify(body)} for ${JSON.stringify(op.params)}`);
      }
    }
  };
  const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  const killAt = Math.round(KILL_MIN_MS + rand() * (KILL_MAX_MS - KILL_MIN_MS));
  await sleep(killAt);
  const exited = new Promise((resolve) => server.child.once("exit", resolve));
  server.child.kill("SIGKILL");
  await exited;
  await load;
  totals.killAt.push(killAt);
  await rm(server.dir, { recursive: true, force: true });
  return inFlight;
}

async function exportCompany(server: ServerProcess) {
  const out = await server
    .client(OPERATOR)
    .call<{ State: { Companies: Parameters<typeof sliceFromExport>[1][] } }>("AdminExportState", {
      CompanyId: COMPANY,
    });
  const company = out.State.Companies[0];
  assert.ok(company);
  return company;
}

async function crashRuns(t: { diagnostic(message: string): void }, db: CrashDatabase): Promise<void> {
  const rand = generator(SEED);
  const slices = Array.from({ length: WORKERS }, (_, w) => initialSlice(w));
  const counters = Array.from({ length: WORKERS }, () => ({ n: 0 }));
  const totals: Totals = {
    runs: 0,
    sent: 0,
    acknowledged: 0,
    unacknowledged: 0,
    unacknowledgedApplied: 0,
    conflicts: 0,
    checks: 0,
    killAt: [],
  };
  const problems: string[] = [];
  let server = await startServer({ db: db.url, seed: SEED_FILE });
  try {
    for (let run = 0; run < RUNS; run++) {
      const inFlight = await loadUntilKilled(server, rand, slices, counters, totals, problems);
      assert.deepEqual(problems, [], "every acknowledged request succeeded as predicted");
      // Restart on the same database, without the seed: what we see now is what the database kept.
      server = await startServer({ db: db.url });
      const company = await exportCompany(server);
      for (let w = 0; w < WORKERS; w++) {
        const actual = sliceFromExport(w, company);
        const before = sliceText(slices[w] as Slice);
        const op = inFlight[w];
        const text = sliceText(actual);
        if (op !== undefined) totals.unacknowledged++;
        if (text === before) {
          // every acknowledged request is there; the unacknowledged one, if any, left no trace
        } else if (op !== undefined && text === sliceText(op.apply(slices[w] as Slice, undefined))) {
          totals.unacknowledgedApplied++;
        } else {
          assert.fail(
            `run ${run} worker ${w}: the state is neither "acknowledged requests applied" nor that plus ` +
              `${op?.action ?? "nothing"} ${JSON.stringify(op?.params)} applied in full\n` +
              `expected:\n${before}\nfound:\n${text}`,
          );
        }
        slices[w] = actual;
      }
      const { violations, checks } = await db.check();
      assert.deepEqual(violations, [], `run ${run}: invariants hold after the crash`);
      totals.checks += checks;
      totals.runs++;
    }
  } finally {
    await server.stop();
  }
  t.diagnostic(
    `${totals.runs} kill -9 (at ${totals.killAt.join(", ")} ms into the load), seed ${SEED}; ` +
      `${totals.sent} answered requests (${totals.acknowledged} acknowledged, ${totals.conflicts} conflicts), ` +
      `${totals.unacknowledged} in flight at a kill (${totals.unacknowledgedApplied} of them applied in full, ` +
      `the rest not at all); 0 acknowledged requests lost; ${totals.checks} invariant checks, 0 violations`,
  );
}

describe("crash: kill -9 under load, SQLite file", { timeout: 600_000 }, () => {
  let dir: string | undefined;
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it(`${RUNS} crashes: every request all-or-nothing, nothing acknowledged lost, invariants hold`, async (t) => {
    dir = await mkdtemp(join(tmpdir(), "sgplane-crash-"));
    const path = join(dir, "crash.db");
    await crashRuns(t, {
      url: `sqlite:${path}`,
      async check() {
        const conn = new Database(path, { readonly: true, timeout: 10_000 });
        try {
          const violations: string[] = [];
          const integrity = conn.pragma("integrity_check", { simple: true });
          if (integrity !== "ok") violations.push(`integrity_check: ${String(integrity)}`);
          for (const row of conn.pragma("foreign_key_check") as unknown[])
            violations.push(`foreign key: ${JSON.stringify(row)}`);
          for (const [name, sql] of INVARIANT_SQL) {
            for (const row of conn.prepare(sql).all()) violations.push(`${name}: ${JSON.stringify(row)}`);
          }
          return { violations, checks: INVARIANT_SQL.length + 2 };
        } finally {
          conn.close();
        }
      },
    });
  });
});

const pgSkip = await postgresSkipReason();

describe("crash: kill -9 under load, PostgreSQL", { skip: pgSkip ?? false, timeout: 600_000 }, () => {
  let database: TestDatabase | undefined;
  after(async () => {
    await database?.drop();
  });

  it(`${RUNS} crashes: every request all-or-nothing, nothing acknowledged lost, invariants hold`, async (t) => {
    database = await createTestDatabase("crash");
    const url = database.url;
    const withPool = new URL(url);
    withPool.searchParams.set("pool", "8");
    await crashRuns(t, {
      url: withPool.toString(),
      check: () =>
        queryDatabase(url, async (c) => {
          const violations: string[] = [];
          for (const [name, sql] of INVARIANT_SQL) {
            for (const row of (await c.query(sql)).rows) violations.push(`${name}: ${JSON.stringify(row)}`);
          }
          return { violations, checks: INVARIANT_SQL.length };
        }),
    });
  });
});
