// kill -9 in the middle of heavy mutating load, restart on the same database (no seed), and prove that every request
// was applied in full or not at all, that nothing acknowledged was lost, and that every invariant holds. Each of 8
// workers owns its resources and groups (crash-model.ts), so it knows the exact state before and after each of its
// requests: after the restart its slice must be "every acknowledged request applied" plus, at most, its one
// unacknowledged request applied in full. SQLite file always; PostgreSQL when reachable (mandatory with CI=true).
//
// The feed and the audit trail survive the kill too. After each restart: the feed is gapless (positions 1..head,
// each once, across every kill), every request a client saw succeed has exactly its events there (by RequestId, by
// type and count, consecutive), and the only other events are the seed's and those of requests in flight at the kill
// that were applied (one each, exactly its events); every change (acknowledged or applied in flight) has its audit
// record, RetCode 0, with its events' positions. Refused calls' records are batched in memory (audit-recorder.ts), so
// a kill may lose the newest of them: two more workers send badly signed calls, and the records missing after the
// restart must be only the newest ones (per worker, a tail of its refusals) and no more than the recorder can hold.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { AUDIT_BATCH_SIZE, AUDIT_FLUSH_MS } from "../src/audit/audit-recorder.ts";
import {
  createTestDatabase,
  postgresSkipReason,
  queryDatabase,
  type TestDatabase,
} from "../src/store/postgres/test-database.ts";
import {
  COMPANY,
  initialSlice,
  KEY,
  nextOp,
  type Op,
  POOL,
  PROJECT,
  REGION,
  SEED_FILE,
  type Slice,
  sliceFromExport,
  sliceText,
  WORKERS,
} from "./crash-model.ts";
import { OPERATOR, type ServerProcess, startServer } from "./harness.ts";
import { generator } from "./seeded-random.ts";

const SOAK = process.env.SGPLANE_SOAK === "1";
const RUNS = Number(process.env.SGPLANE_CRASH_RUNS ?? (SOAK ? 50 : 5));
const SEED = Number(process.env.SGPLANE_CRASH_SEED ?? 20261129);
/** The kill comes at a random moment this long after the load starts. */
const KILL_MIN_MS = 300;
const KILL_MAX_MS = 2500;
/** Read-only requests before the load (per worker, within a time budget), so a restarted server is warm. */
const WARM_UP = 40;
const WARM_UP_MS = 700;
/** Workers sending badly signed calls (each one refused and audited through the recorder's batches). */
const REFUSERS = 2;
const BAD_KEY = { publicKey: KEY.publicKey, privateKey: "not-the-private-key" };
const MUTATIONS = [
  "UpdateSecGroupAssociation",
  "AssociateSecGroup",
  "DisassociateSecGroup",
  "CreateSecGroup",
  "DeleteSecGroup",
  "CreateSecGroupRule",
];
/**
 * The most refused calls' records a kill can lose: a batch being written (at most AUDIT_BATCH_SIZE records) and the
 * queue behind it, which is written as soon as it reaches AUDIT_BATCH_SIZE (or AUDIT_FLUSH_MS after its first record).
 */
const LOST_REFUSALS_BOUND = 2 * AUDIT_BATCH_SIZE - 1;
/**
 * ...and only records of the last moments: a batch is written AUDIT_FLUSH_MS after its first record at the latest, so
 * a record still unwritten at the kill came within that interval plus the time the writes ahead of it took (a
 * generous allowance for a loaded machine: a write of a few dozen rows takes milliseconds).
 */
const LOST_REFUSALS_MAX_AGE_MS = AUDIT_FLUSH_MS + 2000;

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
  feedEvents: number;
  audited: number;
  refused: number;
  /** Per kill: acknowledged refusals without a record, and those acknowledged in the last AUDIT_FLUSH_MS. */
  refusalsLost: number[];
  refusalsRecent: number[];
  /** Per kill: how long before it the oldest refusal without a record was answered (ms). */
  refusalsLostAge: number[];
}

/** What one run's clients saw answered: successes (with their expected events) and refusals, in order. */
interface RunLog {
  readonly startedMs: number;
  readonly acked: { requestId: string; action: string; events: Readonly<Record<string, number>> }[];
  /** Per refusing worker, its refused calls in the order it sent them (one at a time). */
  readonly refusals: { requestId: string; retCode: number; at: number }[][];
  killedMs: number;
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
  log: RunLog,
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
      let requestId: string | undefined;
      try {
        ({ body, requestId } = await client.send(op.action, op.params));
      } catch {
        return; // the server is gone: this request's fate is unknown
      }
      inFlight[w] = undefined;
      totals.sent++;
      if (body.RetCode === 0) {
        slices[w] = op.apply(slices[w] as Slice, body);
        totals.acknowledged++;
        log.acked.push({ requestId: requestId ?? "", action: op.action, events: op.events });
      } else if (body.RetCode === 150 && /conflict/.test(String(body.Message))) {
        totals.conflicts++; // retried inside the server and still lost: nothing changed
      } else {
        problems.push(`worker ${w} ${op.action}: ${JSON.stringify(body)} for ${JSON.stringify(op.params)}`);
      }
    }
  };
  const bad = server.client(BAD_KEY, { projectId: PROJECT, region: REGION, timeoutMs: 20_000 });
  const refuser = async (r: number) => {
    for (let n = 0; ; n++) {
      let body: Record<string, unknown>;
      let requestId: string | undefined;
      try {
        ({ body, requestId } = await bad.send("UpdateSecGroup", { SecGroupId: [POOL[0]], Name: `refused-${n}` }));
      } catch {
        return;
      }
      if (typeof body.RetCode !== "number" || body.RetCode === 0 || requestId === undefined) {
        problems.push(`refuser ${r}: a badly signed call answered ${JSON.stringify(body)}`);
        return;
      }
      log.refusals[r]?.push({ requestId, retCode: body.RetCode, at: Date.now() });
    }
  };
  const load = Promise.all([
    ...Array.from({ length: WORKERS }, (_, w) => worker(w)),
    ...Array.from({ length: REFUSERS }, (_, r) => refuser(r)),
  ]);
  const killAt = Math.round(KILL_MIN_MS + rand() * (KILL_MAX_MS - KILL_MIN_MS));
  await sleep(killAt);
  const exited = new Promise((resolve) => server.child.once("exit", resolve));
  log.killedMs = Date.now();
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

interface AuditRecordLite {
  RequestId: string;
  Action: string;
  RetCode: number;
  Authenticated: boolean;
  EventCount: number;
  FirstPosition?: number;
  LastPosition?: number;
}

/** Every audit record matching `filter`, newest first (EndTime fixed, so the calls made meanwhile do not shift pages). */
async function auditRecords(server: ServerProcess, filter: Record<string, unknown>): Promise<AuditRecordLite[]> {
  const operator = server.client(OPERATOR, { region: "" });
  const out: AuditRecordLite[] = [];
  for (;;) {
    const page = await operator.call<{ Records: AuditRecordLite[]; TotalCount: number }>("DescribeAuditRecords", {
      ...filter,
      Offset: out.length,
      Limit: 1000,
    });
    out.push(...page.Records);
    if (page.Records.length === 0 || out.length >= page.TotalCount) return out;
  }
}

const countsText = (counts: Readonly<Record<string, number>>): string =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([t, n]) => `${t}×${n}`)
    .join(" ");

/** Where the feed checks have got to, across kills. */
interface FeedProgress {
  feedId: string | undefined;
  checked: number;
}

/**
 * After a restart: the feed from where the last check stopped to the head, and the audit records of the run, against
 * what the clients saw answered (`log`) and what was applied of the requests in flight at the kill (`applied`).
 */
async function checkFeedAndAudit(
  server: ServerProcess,
  run: number,
  log: RunLog,
  applied: readonly Op[],
  progress: FeedProgress,
  totals: Totals,
): Promise<string[]> {
  const problems: string[] = [];
  const checkStart = Date.now();
  const operator = server.client(OPERATOR, { region: "" });
  // Without After the server first numbers whatever the killed one committed but had not sequenced (PostgreSQL).
  const start = await operator.call<{ Cursor: string; Head: number }>("DescribeFeedEvents", {});
  const feedId = start.Cursor.split("-")[0] as string;
  if (progress.feedId !== undefined && progress.feedId !== feedId) problems.push("the feed id changed at a restart");
  progress.feedId = feedId;
  const head = start.Head;
  const spans = new Map<
    string,
    { action: string; counts: Record<string, number>; first: number; last: number; broken: boolean }
  >();
  let at = progress.checked;
  while (at < head) {
    const page = await operator.call<{
      Events: { Position: number; Type: string; RequestId: string; Action: string }[];
      Cursor: string;
    }>("DescribeFeedEvents", { After: `${feedId}-${at}`, Limit: 1000 });
    if (page.Events.length === 0) {
      problems.push(`run ${run}: the feed stops at ${at}, below its head ${head}`);
      break;
    }
    for (const e of page.Events) {
      if (e.Position !== at + 1) problems.push(`run ${run}: position ${e.Position} follows ${at}`);
      at = e.Position;
      const span = spans.get(e.RequestId);
      if (span === undefined) {
        spans.set(e.RequestId, {
          action: e.Action,
          counts: { [e.Type]: 1 },
          first: e.Position,
          last: e.Position,
          broken: false,
        });
      } else {
        if (span.last !== e.Position - 1) span.broken = true;
        span.last = e.Position;
        span.counts[e.Type] = (span.counts[e.Type] ?? 0) + 1;
      }
    }
  }
  totals.feedEvents += at - progress.checked;
  progress.checked = at;

  const audited = await auditRecords(server, {
    StartTime: log.startedMs,
    EndTime: checkStart,
    Actions: MUTATIONS,
    Failed: false,
    CompanyId: COMPANY,
  });
  const records = new Map(audited.map((r) => [r.RequestId, r]));
  const checkAudit = (requestId: string, what: string, events: number, span: { first: number; last: number }) => {
    const r = records.get(requestId);
    if (r === undefined) problems.push(`run ${run}: ${what} has no audit record`);
    else if (
      r.RetCode !== 0 ||
      r.EventCount !== events ||
      r.FirstPosition !== span.first ||
      r.LastPosition !== span.last
    )
      problems.push(`run ${run}: ${what}'s audit record ${JSON.stringify(r)} ≠ events ${span.first}..${span.last}`);
    else totals.audited++;
  };
  const acked = new Set<string>();
  for (const a of log.acked) {
    acked.add(a.requestId);
    const what = `acknowledged ${a.action} ${a.requestId}`;
    const span = spans.get(a.requestId);
    if (span === undefined) {
      problems.push(`run ${run}: ${what} has no event in the feed`);
      continue;
    }
    if (span.action !== a.action || span.broken || countsText(span.counts) !== countsText(a.events)) {
      problems.push(
        `run ${run}: ${what} made ${countsText(a.events)}; the feed has ${span.action} ${countsText(span.counts)}` +
          (span.broken ? " (not consecutive)" : ""),
      );
    }
    checkAudit(a.requestId, what, span.last - span.first + 1, span);
  }
  // Every other event is the seed's or an applied in-flight request's, exactly one request for each of those.
  const others = [...spans].filter(([id, s]) => !acked.has(id) && s.action !== "Startup");
  const found = others.map(([, s]) => `${s.action} ${countsText(s.counts)}`).sort();
  const expected = applied.map((op) => `${op.action} ${countsText(op.events)}`).sort();
  if (found.join("\n") !== expected.join("\n")) {
    problems.push(
      `run ${run}: unacknowledged changes in the feed [${found.join("; ")}], applied [${expected.join("; ")}]`,
    );
  }
  for (const [id, s] of others) checkAudit(id, `applied in-flight ${s.action} ${id}`, s.last - s.first + 1, s);

  // Refused calls: only the newest may be missing (a tail per worker), and no more than the recorder holds.
  const refusedRecords = new Map(
    (
      await auditRecords(server, {
        StartTime: log.startedMs,
        EndTime: checkStart,
        CallerPublicKey: KEY.publicKey,
        Failed: true,
      })
    ).map((r) => [r.RequestId, r]),
  );
  let lost = 0;
  let recent = 0;
  let oldest = 0;
  for (const [r, refusals] of log.refusals.entries()) {
    let firstLost: number | undefined;
    for (const [i, refusal] of refusals.entries()) {
      totals.refused++;
      if (refusal.at >= log.killedMs - AUDIT_FLUSH_MS) recent++;
      const record = refusedRecords.get(refusal.requestId);
      if (record === undefined) {
        lost++;
        oldest = Math.max(oldest, log.killedMs - refusal.at);
        firstLost ??= i;
      } else if (firstLost !== undefined) {
        problems.push(`run ${run}: refuser ${r}'s call ${firstLost} has no record, yet its later call ${i} has`);
      } else if (record.RetCode !== refusal.retCode || record.Authenticated) {
        problems.push(
          `run ${run}: refusal ${refusal.requestId} answered ${refusal.retCode}, recorded ${JSON.stringify(record)}`,
        );
      }
    }
  }
  if (lost > LOST_REFUSALS_BOUND) {
    problems.push(
      `run ${run}: ${lost} acknowledged refusals have no record, more than the recorder holds (${LOST_REFUSALS_BOUND})`,
    );
  }
  if (oldest > LOST_REFUSALS_MAX_AGE_MS) {
    problems.push(`run ${run}: a refusal answered ${oldest} ms before the kill has no record (the recorder held it)`);
  }
  totals.refusalsLostAge.push(oldest);
  totals.refusalsLost.push(lost);
  totals.refusalsRecent.push(recent);
  return problems;
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
    feedEvents: 0,
    audited: 0,
    refused: 0,
    refusalsLost: [],
    refusalsRecent: [],
    refusalsLostAge: [],
  };
  const progress: FeedProgress = { feedId: undefined, checked: 0 };
  const problems: string[] = [];
  let server = await startServer({ db: db.url, seed: SEED_FILE });
  try {
    for (let run = 0; run < RUNS; run++) {
      const log: RunLog = {
        startedMs: Date.now(),
        acked: [],
        refusals: Array.from({ length: REFUSERS }, () => []),
        killedMs: 0,
      };
      const inFlight = await loadUntilKilled(server, rand, slices, counters, totals, problems, log);
      const applied: Op[] = [];
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
          applied.push(op);
        } else {
          assert.fail(
            `run ${run} worker ${w}: the state is neither "acknowledged requests applied" nor that plus ` +
              `${op?.action ?? "nothing"} ${JSON.stringify(op?.params)} applied in full\n` +
              `expected:\n${before}\nfound:\n${text}`,
          );
        }
        slices[w] = actual;
      }
      assert.deepEqual(
        await checkFeedAndAudit(server, run, log, applied, progress, totals),
        [],
        `run ${run}: the feed and the audit trail kept every acknowledged change`,
      );
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
  t.diagnostic(
    `feed: ${totals.feedEvents} events, gapless across the kills, every change's events there; ` +
      `${totals.audited} changes' audit records checked (RetCode 0, positions)`,
  );
  t.diagnostic(
    `${totals.refused} acknowledged refusals; lost per kill ${totals.refusalsLost.join(", ")} (each a tail; bound ` +
      `${LOST_REFUSALS_BOUND} = 2 × batch ${AUDIT_BATCH_SIZE} − 1); acknowledged in the last ${AUDIT_FLUSH_MS} ms ` +
      `before each kill: ${totals.refusalsRecent.join(", ")}; the oldest lost answered ` +
      `${totals.refusalsLostAge.join(", ")} ms before its kill (bound ${LOST_REFUSALS_MAX_AGE_MS})`,
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
