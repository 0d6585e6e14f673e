// Contract: the audit trail through the Store port — every AuditQuery filter, newest-first paging, parameters put
// back, a mutation's record committed with its events (and their positions), and retention.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { AuditEntry, AuditQuery, AuditRow, Page, Store } from "../port.ts";
import type { ContractContext } from "./context.ts";
import { A, A_SH, A2, B, group } from "./world.ts";

const internal = { requestId: "audit-batch", action: "", internal: true } as const;

/** An accepted call's audit record, as the audit recorder would write it. */
export function auditEntry(requestId: string, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    timeMs: Date.now(),
    requestId,
    action: "UpdateSecGroup",
    publicKey: "pk-a",
    authenticated: true,
    operator: false,
    companyId: A.companyId,
    userName: "admin",
    subAccount: false,
    sourceIp: "127.0.0.1",
    userAgent: "contract",
    region: A.region,
    projectId: A.projectId,
    params: "{}",
    retCode: 0,
    message: "",
    mutating: true,
    dryRun: false,
    ...extra,
  };
}

const T = 1_800_000_000_000;

/** Six calls of several kinds: r1 oldest, r6 newest (time and insertion order alike). */
const CALLS: readonly AuditEntry[] = [
  auditEntry("r1", { timeMs: T, params: JSON.stringify({ SecGroupId: "secgroup-a1", Name: "x" }) }),
  auditEntry("r2", {
    timeMs: T + 1000,
    action: "AssociateSecGroup",
    // An old SDK's list: a JSON array inside a string value.
    params: JSON.stringify({ ResourceId: "uhost-a1", SecGroupId: '["secgroup-a2","secgroup-a3"]' }),
  }),
  auditEntry("r3", {
    timeMs: T + 2000,
    action: "DeleteSecGroup",
    publicKey: "pk-sub",
    userName: "sub",
    subAccount: true,
    region: A_SH.region,
    projectId: A2.projectId,
    params: JSON.stringify({ SecGroupId: "secgroup-a4" }),
    retCode: 58201,
    message: "refused",
  }),
  auditEntry("r4", {
    timeMs: T + 3000,
    action: "DescribeSecGroup",
    publicKey: "pk-b",
    companyId: B.companyId,
    projectId: B.projectId,
    mutating: false,
  }),
  auditEntry("r5", {
    timeMs: T + 4000,
    action: "DescribeSecGroup",
    publicKey: "pk-unknown",
    authenticated: false,
    companyId: null,
    userName: "",
    region: "",
    projectId: "",
    // A claimed Region is kept among the parameters when there is no region column to restore it from.
    params: JSON.stringify({ Region: "cn-zz", Tag: "uhost_a1" }),
    retCode: 171,
    message: "bad signature",
    mutating: false,
  }),
  auditEntry("r6", {
    timeMs: T + 5000,
    action: "AdminImportState",
    publicKey: "pk-op",
    operator: true,
    companyId: null,
    userName: "",
    region: "",
    projectId: "",
    params: JSON.stringify({ State: "(redacted)" }),
    // A dry run's record: checked and answered, nothing changed.
    dryRun: true,
  }),
];

const PAGE = { offset: 0, limit: 100 } as const;

async function ids(store: Store, query: AuditQuery, page: Page = PAGE): Promise<string[]> {
  return (await store.read((tx) => tx.auditRecords(query, page))).rows.map((r) => r.requestId);
}

async function only(store: Store, requestId: string): Promise<AuditRow> {
  const { rows } = await store.read((tx) => tx.auditRecords({}, { offset: 0, limit: 1000 }));
  const found = rows.filter((r) => r.requestId === requestId);
  assert.equal(found.length, 1, `audit records of ${requestId}`);
  return found[0] as AuditRow;
}

export function auditTests(t: ContractContext): void {
  it("appendAudit stores every field; auditRecords answers newest first with the columns put back into allParams", async () => {
    const store = t.store();
    await store.write((tx) => tx.appendAudit(CALLS.slice(0, 3)), internal);
    // Also from a write of its own that changes nothing (not internal): no event, the records all the same.
    await store.write((tx) => tx.appendAudit(CALLS.slice(3)));
    const { rows, total } = await store.read((tx) => tx.auditRecords({}, PAGE));
    assert.equal(total, 6);
    assert.deepEqual(
      rows.map((r) => r.requestId),
      ["r6", "r5", "r4", "r3", "r2", "r1"],
    );
    assert.ok(rows.every((r, i) => i === 0 || (rows[i - 1] as AuditRow).id > r.id));
    for (const row of rows) {
      const { id, allParams, eventCount, firstPosition, lastPosition, ...entry } = row;
      assert.deepEqual(
        entry,
        CALLS.find((c) => c.requestId === row.requestId),
      );
      assert.equal(typeof id, "number");
      assert.deepEqual([eventCount, firstPosition, lastPosition], [0, undefined, undefined]);
    }
    const byId = Object.fromEntries(rows.map((r) => [r.requestId, r.allParams]));
    assert.deepEqual(byId.r1, {
      Action: "UpdateSecGroup",
      PublicKey: "pk-a",
      Region: "cn-bj2",
      SecGroupId: "secgroup-a1",
      Name: "x",
    });
    assert.deepEqual(byId.r3, {
      Action: "DeleteSecGroup",
      PublicKey: "pk-sub",
      Region: "cn-sh2",
      SecGroupId: "secgroup-a4",
    });
    assert.deepEqual(byId.r5, {
      Action: "DescribeSecGroup",
      PublicKey: "pk-unknown",
      Region: "cn-zz",
      Tag: "uhost_a1",
    });
    assert.deepEqual(byId.r6, { Action: "AdminImportState", PublicKey: "pk-op", State: "(redacted)" });
    // Nothing of this is in the feed.
    await store.feedSettled();
    const events = await store.read((tx) => tx.feedEvents(0, {}, 100_000));
    assert.ok(events.events.every((e) => e.action === "Internal"));
  });

  it("auditRecords filters by time, actions, ids named, key, user, RetCode, failure, company, projects, region and project", async () => {
    const store = t.store();
    await store.write((tx) => tx.appendAudit(CALLS), internal);
    const cases: [AuditQuery, string[]][] = [
      [{ startMs: T + 1000, endMs: T + 3000 }, ["r3", "r2"]],
      [{ startMs: T + 4000 }, ["r6", "r5"]],
      [{ endMs: T + 1 }, ["r1"]],
      [{ actions: ["UpdateSecGroup", "DeleteSecGroup"] }, ["r3", "r1"]],
      [{ actions: ["Nothing"] }, []],
      [{ objectIds: ["secgroup-a1"] }, ["r1"]],
      [{ objectIds: ["secgroup-a3"] }, ["r2"]],
      // '-' and '_' are not wildcards: uhost_a1 is another id.
      [{ objectIds: ["uhost-a1"] }, ["r2"]],
      [{ objectIds: ["uhost_a1"] }, ["r5"]],
      [{ objectIds: ["secgroup-a"] }, []],
      [{ objectIds: ["SECGROUP-A1"] }, []],
      // Every id given must be named.
      [{ objectIds: ["uhost-a1", "secgroup-a2"] }, ["r2"]],
      [{ objectIds: ["uhost-a1", "secgroup-a1"] }, []],
      [{ publicKey: "pk-sub" }, ["r3"]],
      [{ userName: "admin" }, ["r4", "r2", "r1"]],
      [{ retCodes: [58201, 171] }, ["r5", "r3"]],
      [{ retCodes: [0] }, ["r6", "r4", "r2", "r1"]],
      [{ failed: true }, ["r5", "r3"]],
      [{ failed: false }, ["r6", "r4", "r2", "r1"]],
      [{ dryRun: true }, ["r6"]],
      [{ dryRun: false }, ["r5", "r4", "r3", "r2", "r1"]],
      [{ companyId: A.companyId }, ["r3", "r2", "r1"]],
      [{ companyId: B.companyId }, ["r4"]],
      [{ projects: [A2.projectId] }, ["r3"]],
      [{ companyId: A.companyId, projects: [A.projectId] }, ["r2", "r1"]],
      [{ projects: [] }, []],
      // Calls that named no region or project pass those filters.
      [{ region: "cn-bj2" }, ["r6", "r5", "r4", "r2", "r1"]],
      [{ region: "cn-sh2" }, ["r6", "r5", "r3"]],
      [{ projectId: A.projectId }, ["r6", "r5", "r2", "r1"]],
      [{ companyId: A.companyId, failed: false, actions: ["AssociateSecGroup"] }, ["r2"]],
    ];
    for (const [query, expected] of cases) {
      const { rows, total } = await store.read((tx) => tx.auditRecords(query, PAGE));
      assert.deepEqual(
        rows.map((r) => r.requestId),
        expected,
        JSON.stringify(query),
      );
      assert.equal(total, expected.length, JSON.stringify(query));
    }
  });

  it("auditRecords pages newest first; total counts every match", async () => {
    const store = t.store();
    await store.write((tx) => tx.appendAudit(CALLS), internal);
    const page = (offset: number, limit: number, query: AuditQuery = {}) =>
      store.read((tx) => tx.auditRecords(query, { offset, limit }));
    const pages = [await page(0, 2), await page(2, 2), await page(4, 10), await page(10, 2)];
    assert.deepEqual(
      pages.map((p) => p.rows.map((r) => r.requestId)),
      [["r6", "r5"], ["r4", "r3"], ["r2", "r1"], []],
    );
    assert.deepEqual(
      pages.map((p) => p.total),
      [6, 6, 6, 6],
    );
    const failed = await page(1, 1, { failed: true });
    assert.deepEqual([failed.rows.map((r) => r.requestId), failed.total], [["r3"], 2]);
    assert.equal((await ids(store, {}, { offset: 0, limit: 1 }))[0], "r6");
  });

  it("a write with WriteMeta.audit commits its record with its events' count and positions; a failing one neither", async () => {
    const store = t.store();
    const call = (id: string) => ({ requestId: id, action: "UpdateSecGroup", audit: auditEntry(id) });
    await store.feedSettled();
    const start = (await store.read((tx) => tx.feedInfo())).head;
    // Two companies' objects: on PostgreSQL two runs of events, one record.
    await store.write(async (tx) => {
      await tx.updateSecGroup("secgroup-a1", { remark: "audited" });
      await tx.updateSecGroup("secgroup-b1", { remark: "audited" });
      await tx.updateSecGroup("secgroup-a2", { remark: "audited" });
    }, call("w1"));
    await store.write((tx) => tx.updateSecGroup("secgroup-a1", { remark: "audited" }), call("w-noop"));
    await assert.rejects(
      store.write(async (tx) => {
        await tx.updateSecGroup("secgroup-a3", { remark: "lost" });
        throw new Error("refused");
      }, call("w-failed")),
      /refused/,
    );
    await store.feedSettled();
    const w1 = await only(store, "w1");
    assert.deepEqual([w1.eventCount, w1.firstPosition, w1.lastPosition], [3, start + 1, start + 3]);
    assert.deepEqual(w1.allParams, { Action: "UpdateSecGroup", PublicKey: "pk-a", Region: "cn-bj2" });
    const noop = await only(store, "w-noop");
    assert.deepEqual([noop.eventCount, noop.firstPosition, noop.lastPosition], [0, undefined, undefined]);
    assert.equal((await ids(store, {})).includes("w-failed"), false);
    const events = (await store.read((tx) => tx.feedEvents(start, {}, 100))).events;
    assert.deepEqual(
      events.map((e) => [e.position, e.requestId]),
      [1, 2, 3].map((i) => [start + i, "w1"]),
    );
    assert.equal((await store.read((tx) => tx.secGroupsByIds(A, ["secgroup-a3"])))[0]?.remark, "");

    // Concurrent audited writes: each record points at exactly its own events.
    const N = 12;
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        store.write(
          async (tx) => {
            await tx.insertSecGroup(
              group(`secgroup-au${i}`, i % 2 === 0 ? A : B, i % 2 === 0 ? "uvnet-a1" : "uvnet-b1"),
            );
            if (i % 3 === 0) await tx.updateSecGroup("secgroup-a4", { remark: `c${i}` });
          },
          call(`c${i}`),
        ),
      ),
    );
    await store.feedSettled();
    const all = (await store.read((tx) => tx.feedEvents(start + 3, {}, 1000))).events;
    for (let i = 0; i < N; i++) {
      const row = await only(store, `c${i}`);
      const mine = all.filter((e) => e.requestId === `c${i}`).map((e) => e.position);
      assert.equal(row.eventCount, i % 3 === 0 ? 2 : 1);
      assert.deepEqual(mine.length, row.eventCount);
      assert.deepEqual([row.firstPosition, row.lastPosition], [mine[0], mine[mine.length - 1]]);
      assert.equal((mine.at(-1) as number) - (mine[0] as number) + 1, mine.length, "a write's events are contiguous");
    }
  });

  it("pruneAudit removes records older than a time and answers how many", async () => {
    const store = t.store();
    await store.write((tx) => tx.appendAudit(CALLS), internal);
    assert.equal(await store.write((tx) => tx.pruneAudit(T), internal), 0);
    assert.equal(await store.write((tx) => tx.pruneAudit(T + 2500), internal), 3);
    assert.deepEqual(await ids(store, {}), ["r6", "r5", "r4"]);
    assert.equal(await store.write((tx) => tx.pruneAudit(T + 2500), internal), 0);
    assert.equal(await store.write((tx) => tx.pruneAudit(T + 10_000), internal), 3);
    assert.equal((await store.read((tx) => tx.auditRecords({}, PAGE))).total, 0);
  });
}
