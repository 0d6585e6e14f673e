// The race checker has teeth: it explains serial histories and rejects a lost update, a write nobody asked for, a
// stale read and a wrong refusal.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type Call,
  type CheckOptions,
  explainHistory,
  type LogEntry,
  type Op,
  orderByTransaction,
  State,
} from "./race-model.ts";

const config = { vpcId: "uvnet-r", resources: ["uhost-1", "uhost-2"], groupQuota: 4, groupsPerResource: 5 };
const options: CheckOptions = { slackMs: 1, maxEntriesPerTx: 8, budget: 10_000 };

/** uhost-1: g1@1, g2@2; uhost-2: g1@1; groups g1, g2, g3. */
function initial(): State {
  const s = new State(config);
  for (const g of ["g1", "g2", "g3"]) s.groups.add(g);
  s.set("b uhost-1 g1", 1);
  s.set("b uhost-1 g2", 2);
  s.set("b uhost-2 g1", 1);
  return s;
}

let n = 0;
const call = (op: Op, sentAt: number, doneAt: number, code = 0, extra: Partial<Call> = {}): Call => ({
  n: n++,
  op,
  sentAt,
  doneAt,
  code,
  ...extra,
});
const unbind = (g: string, r: string): Op => ({ action: "DisassociateSecGroup", secGroupIds: [g], resourceIds: [r] });
const entry = (at: number, key: string, value: number, tx?: string): LogEntry => ({
  at,
  key,
  value,
  ...(tx !== undefined && { tx }),
});

describe("race history checker", () => {
  it("explains concurrent calls that committed one after the other, with and without transaction ids", () => {
    const calls = [
      call(unbind("g1", "uhost-1"), 0, 20),
      call(unbind("g2", "uhost-1"), 0, 20, 58208), // lost the race: by then g2 was the last group
      call(
        { action: "AssociateSecGroup", resourceIds: ["uhost-2"], entries: [{ secGroupId: "g3", priority: 2 }] },
        5,
        30,
      ),
      call(
        { action: "AssociateSecGroup", resourceIds: ["uhost-2"], entries: [{ secGroupId: "g3", priority: 2 }] },
        5,
        30,
      ), // no-op
      call({ action: "DeleteSecGroup", secGroupIds: ["g3"] }, 1, 40, 58207),
      call({ action: "CreateSecGroup" }, 30, 50, 0, { createdId: "g4" }),
      call({ action: "CreateSecGroup" }, 40, 60, 58201),
      call({ action: "DescribeResourceSecGroup", resourceIds: ["uhost-1"] }, 0, 60, 0, {
        seen: new Map([["uhost-1", "g2@2"]]),
      }),
    ];
    const log = [entry(10, "b uhost-1 g1", 0, "7"), entry(12, "b uhost-2 g3", 2, "8"), entry(45, "g g4", 1, "9")];
    const withIds = orderByTransaction(log);
    const verdict = explainHistory(initial(), calls, withIds.entries, withIds.ends, options);
    assert.deepEqual([...withIds.problems, ...verdict.problems], []);
    assert.equal(verdict.transactions, 3);
    assert.equal(verdict.noOps, 1);
    const free = explainHistory(initial(), calls, log, undefined, options);
    assert.deepEqual(free.problems, []);
    assert.deepEqual([...free.final.groups].sort(), ["g1", "g2", "g3", "g4"]);
  });

  it("places states by commit time: a read between a change and its (late) commit saw the state before it", () => {
    const calls = [
      call(unbind("g1", "uhost-1"), 0, 40),
      call({ action: "DescribeResourceSecGroup", resourceIds: ["uhost-1"] }, 15, 20, 0, {
        seen: new Map([["uhost-1", "g1@1,g2@2"]]),
      }),
    ];
    // Written at 10, committed at 30 (the server was slow to send COMMIT): the read at 15-20 still saw g1.
    const log = [{ ...entry(10, "b uhost-1 g1", 0, "5"), commitAt: 30 }];
    const ordered = orderByTransaction(log);
    assert.deepEqual(explainHistory(initial(), calls, ordered.entries, ordered.ends, options).problems, []);
  });

  it("lets a read see commits on different resources in either order, but never out of one resource's lock order", () => {
    const bindG3 = (resourceIds: string[]): Op => ({
      action: "AssociateSecGroup",
      resourceIds,
      entries: [{ secGroupId: "g3", priority: 3 }],
    });
    const read = (seen: [string, string][]) =>
      call({ action: "DescribeResourceSecGroup", resourceIds: seen.map(([r]) => r) }, 5, 20, 0, {
        seen: new Map(seen),
      });
    const check = (calls: Call[], log: LogEntry[]) => {
      const ordered = orderByTransaction(log);
      return explainHistory(initial(), calls, ordered.entries, ordered.ends, options).problems;
    };
    // uhost-1 lost g1 (clock 10), uhost-2 got g3 (clock 11): both became visible within the read, in either order.
    const apart = [
      { ...entry(8, "b uhost-1 g1", 0, "1"), commitAt: 10 },
      { ...entry(9, "b uhost-2 g3", 3, "2"), commitAt: 11 },
    ];
    const sawSecondOnly = read([
      ["uhost-1", "g1@1,g2@2"],
      ["uhost-2", "g1@1,g3@3"],
    ]);
    assert.deepEqual(
      check([call(unbind("g1", "uhost-1"), 0, 30), call(bindG3(["uhost-2"]), 0, 30), sawSecondOnly], apart),
      [],
    );
    // The same two on ONE resource: the second waited for the first, so it cannot be seen without it.
    const oneResource = [
      { ...entry(8, "b uhost-1 g1", 0, "1"), commitAt: 10 },
      { ...entry(9, "b uhost-1 g3", 3, "2"), commitAt: 11 },
    ];
    const skipped = read([["uhost-1", "g1@1,g2@2,g3@3"]]);
    assert.deepEqual(
      check([call(unbind("g1", "uhost-1"), 0, 30), call(bindG3(["uhost-1"]), 0, 30), skipped], oneResource),
      [`read #${skipped.n} saw bindings that no committed state of its time had`],
    );
    // Through a shared resource: the second (uhost-2) waited for the first (uhost-1 and uhost-2), so seeing the second's
    // change on uhost-2 with uhost-1 as before the first is no snapshot.
    const bindG2: Op = {
      action: "AssociateSecGroup",
      resourceIds: ["uhost-2"],
      entries: [{ secGroupId: "g2", priority: 2 }],
    };
    const chained = [
      { ...entry(8, "b uhost-1 g3", 3, "1"), commitAt: 10 },
      { ...entry(8, "b uhost-2 g3", 3, "1"), commitAt: 10 },
      { ...entry(9, "b uhost-2 g2", 2, "2"), commitAt: 11 },
    ];
    const mixed = read([
      ["uhost-1", "g1@1,g2@2"],
      ["uhost-2", "g1@1,g2@2,g3@3"],
    ]);
    assert.deepEqual(check([call(bindG3(["uhost-1", "uhost-2"]), 0, 30), call(bindG2, 0, 30), mixed], chained), [
      `read #${mixed.n} saw bindings that no committed state of its time had`,
    ]);
    // …while a state the clock order passes through is fine.
    const between = read([
      ["uhost-1", "g1@1,g2@2,g3@3"],
      ["uhost-2", "g1@1,g3@3"],
    ]);
    assert.deepEqual(check([call(bindG3(["uhost-1", "uhost-2"]), 0, 30), call(bindG2, 0, 30), between], chained), []);
  });

  it("lets a read miss a commit whose clock is past until its request is answered, never after", () => {
    // Clock 10, but its request was answered only at 60 (a slow WAL flush): the read at 40-50 may not see it.
    const log = [{ ...entry(8, "b uhost-1 g1", 0, "1"), commitAt: 10 }];
    const check = (unbindDoneAt: number) => {
      const stale = call({ action: "DescribeResourceSecGroup", resourceIds: ["uhost-1"] }, 40, 50, 0, {
        seen: new Map([["uhost-1", "g1@1,g2@2"]]),
      });
      const ordered = orderByTransaction(log);
      const calls = [call(unbind("g1", "uhost-1"), 0, unbindDoneAt), stale];
      return {
        n: stale.n,
        problems: explainHistory(initial(), calls, ordered.entries, ordered.ends, options).problems,
      };
    };
    assert.deepEqual(check(60).problems, []);
    // Answered at 30, before the read was sent: it was visible, so seeing g1 still bound is a stale read.
    const answered = check(30);
    assert.deepEqual(answered.problems, [`read #${answered.n} saw bindings that no committed state of its time had`]);
  });

  it("rejects a lost update: two unbinds that both succeeded and left a resource with no group", () => {
    const calls = [call(unbind("g1", "uhost-1"), 0, 20), call(unbind("g2", "uhost-1"), 0, 20)];
    const log = [entry(10, "b uhost-1 g1", 0, "1"), entry(11, "b uhost-1 g2", 0, "2")];
    const ordered = orderByTransaction(log);
    const verdict = explainHistory(initial(), calls, ordered.entries, ordered.ends, options);
    assert.match(verdict.problems.join("\n"), /no serial history/);
  });

  it("rejects a change no successful call made, and one written after its call was answered", () => {
    const stray = explainHistory(initial(), [], [entry(10, "b uhost-2 g2", 3)], undefined, options);
    assert.match(stray.problems.join("\n"), /no serial history/);
    const late = explainHistory(
      initial(),
      [call(unbind("g1", "uhost-1"), 0, 5)],
      [entry(10, "b uhost-1 g1", 0)],
      undefined,
      options,
    );
    assert.match(late.problems.join("\n"), /no serial history/);
  });

  it("rejects interleaved transactions on one resource, a stale read and an unexplained refusal", () => {
    const interleaved = orderByTransaction([
      entry(1, "b uhost-1 g3", 3, "1"),
      entry(2, "b uhost-1 g1", 0, "2"),
      entry(3, "b uhost-1 g2", 0, "1"),
    ]);
    assert.match(interleaved.problems.join("\n"), /interleaved on resource uhost-1/);
    const calls = [
      call({ action: "DescribeResourceSecGroup", resourceIds: ["uhost-2"] }, 0, 5, 0, {
        seen: new Map([["uhost-2", ""]]),
      }),
      call(unbind("g1", "uhost-2"), 0, 5, 58208),
      call(unbind("g2", "uhost-1"), 0, 5, 58208),
    ];
    const verdict = explainHistory(initial(), calls, [], undefined, options);
    assert.deepEqual(verdict.problems, [
      `call #${calls[2]?.n} DisassociateSecGroup answered 58208, which no state of its time explains`,
      `read #${calls[0]?.n} saw bindings that no committed state of its time had`,
    ]);
  });
});
