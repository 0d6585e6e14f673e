// Contract: the change feed through the Store port — what each change records, nothing for non-changes, positions in
// commit order without holes, paging and filters, readAtFeedHead's exact head, retention, and peers on one database.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { EventType } from "@sgplane/catalogue";
import { companyState, keyState, projectState, resourceState, ruleState, secGroupState } from "../feed-states.ts";
import type { FeedEventRow, FeedFilter, ReadTx, Store, WriteMeta, WriteTx } from "../port.ts";
import { auditEntry } from "./audit-tests.ts";
import type { ContractContext } from "./context.ts";
import { feedPropertyTests } from "./feed-property-tests.ts";
import { A, A_SH, A2, B, group, resource, rule } from "./world.ts";

/** More events than any test writes: one page holds them all. */
const ALL = 100_000;

export async function feedHead(store: Store): Promise<number> {
  await store.feedSettled();
  return (await store.read((tx) => tx.feedInfo())).head;
}

/** Every event after a position that the filter lets through, once this store's commits are readable. */
export async function eventsAfter(store: Store, after: number, filter: FeedFilter = {}): Promise<FeedEventRow[]> {
  await store.feedSettled();
  return [...(await store.read((tx) => tx.feedEvents(after, filter, ALL))).events];
}

/** Runs one write and answers the events after the head it started at (its own: the tests write one at a time). */
async function recorded(store: Store, fn: (tx: WriteTx) => Promise<unknown>, meta?: WriteMeta) {
  const before = await feedHead(store);
  await store.write(fn, meta);
  return eventsAfter(store, before);
}

/** What a test states about an event: its type, object, place and state. */
const brief = (e: FeedEventRow) => ({
  type: e.type,
  objectId: e.objectId,
  companyId: e.companyId,
  projectId: e.projectId,
  region: e.region,
  state: e.state,
});

type Place = { companyId: number | null; projectId: string | null; region: string | null };
const at = (s: { companyId: number; projectId: string; region: string }): Place => ({
  companyId: s.companyId,
  projectId: s.projectId,
  region: s.region,
});
const ofCompany = (companyId: number): Place => ({ companyId, projectId: null, region: null });
const GLOBAL: Place = { companyId: null, projectId: null, region: null };
const ev = (type: EventType, objectId: string, place: Place, state: object) => ({ type, objectId, ...place, state });

function assertTagged(events: readonly FeedEventRow[], meta: WriteMeta, from: number, to: number): void {
  for (const e of events) {
    assert.equal(e.requestId, meta.requestId);
    assert.equal(e.action, meta.action);
    assert.ok(e.timeMs >= from - 1000 && e.timeMs <= to + 1000, `event time ${e.timeMs} not in [${from}, ${to}]`);
  }
}

const groupNames = (tx: ReadTx, ids: readonly string[]) =>
  tx.secGroupsByIds(A, ids).then((gs) => Object.fromEntries(gs.map((g) => [g.secGroupId, g.name])));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function feedTests(t: ContractContext): void {
  it("the feed is on, and the seed's changes are in it from position 1 without a hole", async () => {
    assert.equal(t.store().feedEnabled, true);
    const events = await eventsAfter(t.store(), 0);
    const info = await t.store().read((tx) => tx.feedInfo());
    assert.match(info.feedId, /^[0-9a-f]{16}$/);
    assert.equal(info.floor, 0);
    assert.ok(events.length > 10);
    assert.deepEqual(
      events.map((e) => e.position),
      events.map((_, i) => i + 1),
    );
    assert.equal(info.head, events.length);
    // A write without WriteMeta is tagged as internal, with a request id of its own.
    assert.ok(events.every((e) => e.action === "Internal" && e.requestId === events[0]?.requestId));
    assert.ok((events[0]?.requestId ?? "").length > 0);
  });

  it("group and rule changes record their events: type, object, the group's place, request, state after (before for a removal)", async () => {
    const store = t.store();
    const meta = { requestId: "req-groups", action: "CreateSecGroup" };
    const t0 = Date.now();
    const sh = group("secgroup-sh", A_SH, "uvnet-ash");
    const created = await recorded(
      store,
      async (tx) => {
        await tx.insertSecGroup(sh);
        await tx.updateSecGroup("secgroup-a1", { name: "renamed", remark: "why" });
      },
      meta,
    );
    assertTagged(created, meta, t0, Date.now());
    const a1 = { ...group("secgroup-a1", A, "uvnet-a1"), name: "renamed", remark: "why" };
    assert.deepEqual(created.map(brief), [
      ev("SecGroupCreated", "secgroup-sh", at(A_SH), secGroupState(sh)),
      ev("SecGroupUpdated", "secgroup-a1", at(A), secGroupState(a1)),
    ]);

    // Rules take their group's place, looked up (no scope given) when the group is not written in the transaction.
    const r1 = rule("rule-1", "secgroup-sh", 1);
    const r2 = rule("rule-2", "secgroup-sh", 2, { direction: "Egress" });
    const rulesMeta = { requestId: "req-rules", action: "CreateSecGroupRule" };
    const rules = await recorded(store, (tx) => tx.insertRules([r1, r2]), rulesMeta);
    assertTagged(rules, rulesMeta, t0, Date.now());
    assert.deepEqual(rules.map(brief), [
      ev("RuleCreated", "rule-1", at(A_SH), ruleState(r1)),
      ev("RuleCreated", "rule-2", at(A_SH), ruleState(r2)),
    ]);

    const r1b = { ...r1, dstPort: "80", remark: "web" };
    const r3 = rule("rule-3", "secgroup-sh", 3);
    const edited = await recorded(
      store,
      async (tx) => {
        await tx.replaceRules([r1b, r3]);
        await tx.deleteRules(["rule-2"]);
      },
      { ...rulesMeta, scope: A_SH },
    );
    assert.deepEqual(edited.map(brief), [
      ev("RuleUpdated", "rule-1", at(A_SH), ruleState(r1b)),
      ev("RuleCreated", "rule-3", at(A_SH), ruleState(r3)),
      ev("RuleDeleted", "rule-2", at(A_SH), ruleState(r2)),
    ]);

    // A group's deletion: a RuleDeleted per rule (state before, the group's place), then the group's own event.
    const deleted = await recorded(store, (tx) => tx.deleteSecGroups(["secgroup-sh"]), {
      requestId: "req-delete",
      action: "DeleteSecGroup",
    });
    assert.equal(deleted.length, 3);
    assert.deepEqual(
      deleted
        .slice(0, 2)
        .map(brief)
        .sort((x, y) => x.objectId.localeCompare(y.objectId)),
      [ev("RuleDeleted", "rule-1", at(A_SH), ruleState(r1b)), ev("RuleDeleted", "rule-3", at(A_SH), ruleState(r3))],
    );
    assert.deepEqual(
      brief(deleted[2] as FeedEventRow),
      ev("SecGroupDeleted", "secgroup-sh", at(A_SH), secGroupState(sh)),
    );

    // upsertSecGroup: created, then updated, and the other company's group is in its own place.
    const b1 = { ...group("secgroup-b1", B, "uvnet-b1"), tag: "web" };
    const fresh = group("secgroup-up", A2, "uvnet-ap2");
    const upserted = await recorded(store, async (tx) => {
      await tx.upsertSecGroup(fresh);
      await tx.upsertSecGroup(b1);
    });
    assert.deepEqual(upserted.map(brief), [
      ev("SecGroupCreated", "secgroup-up", at(A2), secGroupState(fresh)),
      ev("SecGroupUpdated", "secgroup-b1", at(B), secGroupState(b1)),
    ]);
  });

  it("binding changes record added, priority changed (state after) and removed (state before), in the group's place", async () => {
    const store = t.store();
    const meta = { requestId: "req-bind", action: "AssociateSecGroup", scope: A };
    const added = await recorded(
      store,
      (tx) =>
        tx.putBindings([
          { resourceId: "uhost-a1", secGroupId: "secgroup-a1", priority: 1 },
          { resourceId: "uhost-a2", secGroupId: "secgroup-a1", priority: 2 },
        ]),
      meta,
    );
    const state = (r: string, g: string, p: number) => ({ ResourceId: r, SecGroupId: g, Priority: p });
    assert.deepEqual(added.map(brief), [
      ev("BindingAdded", "uhost-a1/secgroup-a1", at(A), state("uhost-a1", "secgroup-a1", 1)),
      ev("BindingAdded", "uhost-a2/secgroup-a1", at(A), state("uhost-a2", "secgroup-a1", 2)),
    ]);
    assertTagged(added, meta, 0, Date.now());

    // One pair moves, the other is put again unchanged (no event); without a scope the place is looked up.
    const moved = await recorded(store, async (tx) => {
      await tx.putBindings([
        { resourceId: "uhost-a1", secGroupId: "secgroup-a1", priority: 3 },
        { resourceId: "uhost-a2", secGroupId: "secgroup-a1", priority: 2 },
      ]);
      await tx.insertBindings([{ resourceId: "uhost-b1", secGroupId: "secgroup-b1", priority: 1 }]);
    });
    assert.deepEqual(moved.map(brief), [
      ev("BindingPriorityChanged", "uhost-a1/secgroup-a1", at(A), state("uhost-a1", "secgroup-a1", 3)),
      ev("BindingAdded", "uhost-b1/secgroup-b1", at(B), state("uhost-b1", "secgroup-b1", 1)),
    ]);

    const removed = await recorded(store, (tx) =>
      tx.deleteBindings([
        { resourceId: "uhost-a1", secGroupId: "secgroup-a1" },
        { resourceId: "uhost-a3", secGroupId: "secgroup-a1" }, // not bound: nothing to record
      ]),
    );
    assert.deepEqual(removed.map(brief), [
      ev("BindingRemoved", "uhost-a1/secgroup-a1", at(A), state("uhost-a1", "secgroup-a1", 3)),
    ]);
  });

  it("resource changes record registered, updated (state after) and deregistered (state before)", async () => {
    const store = t.store();
    const f1 = resource("uhost-f1", A2, "uvnet-ap2", { eip: ["1.2.3.4"] });
    const f2 = resource("uhost-f2", A_SH, "uvnet-ash", { superResourceId: "uhost-f1", resourceType: "uni" });
    const registered = await recorded(store, async (tx) => {
      await tx.upsertResource(f1);
      await tx.upsertResources([f2, { ...f1, name: "second name" }]);
    });
    assert.deepEqual(registered.map(brief), [
      ev("ResourceRegistered", "uhost-f1", at(A2), resourceState(f1)),
      ev("ResourceRegistered", "uhost-f2", at(A_SH), resourceState(f2)),
      ev("ResourceUpdated", "uhost-f1", at(A2), resourceState({ ...f1, name: "second name" })),
    ]);
    const after = { ...f1, name: "second name", securityMode: "Firewall" as const, zone: 7 };
    const updated = await recorded(store, (tx) => tx.updateResource("uhost-f1", { securityMode: "Firewall", zone: 7 }));
    assert.deepEqual(updated.map(brief), [ev("ResourceUpdated", "uhost-f1", at(A2), resourceState(after))]);
    const gone = await recorded(store, async (tx) => {
      await tx.deleteResource("uhost-f1");
      await tx.deleteResource("uhost-missing");
    });
    assert.deepEqual(gone.map(brief), [ev("ResourceDeregistered", "uhost-f1", at(A2), resourceState(after))]);
  });

  it("company, project, user, key, VPC, quota, region and operator-key changes record their events, never a private key", async () => {
    const store = t.store();
    const C = 1003;
    const created = await recorded(store, async (tx) => {
      await tx.upsertCompany({ companyId: C, name: "c3" });
      await tx.upsertProject(C, { projectId: "org-c1", name: "one", isDefault: true });
      await tx.upsertUser(C, { name: "alice", subAccount: true, projects: ["org-c1"] });
      await tx.upsertKey(C, "alice", "pk-alice", "secret-first");
      await tx.upsertVpc({ vpcId: "uvnet-c1", companyId: C, projectId: "org-c1", region: "cn-sh2", name: "v" });
    });
    const company = await store.read((tx) => tx.company(C));
    assert.ok(company);
    assert.deepEqual(created.map(brief), [
      ev("CompanyCreated", String(C), ofCompany(C), companyState(company)),
      ev(
        "ProjectCreated",
        "org-c1",
        { companyId: C, projectId: "org-c1", region: null },
        {
          ProjectId: "org-c1",
          CompanyId: C,
          Name: "one",
          Default: true,
        },
      ),
      ev("UserCreated", `${C}/alice`, ofCompany(C), {
        CompanyId: C,
        UserName: "alice",
        SubAccount: true,
        Projects: ["org-c1"],
      }),
      ev("KeyCreated", "pk-alice", ofCompany(C), keyState({ publicKey: "pk-alice", companyId: C, userName: "alice" })),
      ev(
        "VPCCreated",
        "uvnet-c1",
        { companyId: C, projectId: "org-c1", region: "cn-sh2" },
        {
          VPCId: "uvnet-c1",
          CompanyId: C,
          ProjectId: "org-c1",
          Region: "cn-sh2",
          Name: "v",
        },
      ),
    ]);

    const changed = await recorded(store, async (tx) => {
      await tx.upsertCompany({ companyId: C, name: "c3 renamed" });
      await tx.setQuotas(C, { SecGroupsPerCompany: 7 }, "Error");
      // A new default project demotes the old one: an update for it, then the new one's creation.
      await tx.upsertProject(C, { projectId: "org-c2", name: "two", isDefault: true });
      await tx.upsertUser(C, { name: "alice", subAccount: true, projects: ["org-c1", "org-c2"] });
      await tx.upsertKey(C, "alice", "pk-alice", "secret-second");
      await tx.upsertVpc({ vpcId: "uvnet-c1", companyId: C, projectId: "org-c1", region: "cn-sh2", name: "v2" });
      await tx.setRegions(["cn-bj2", "cn-sh2", "cn-gd"]);
      await tx.upsertOperatorKey("pk-op", "secret-op-first");
      await tx.upsertOperatorKey("pk-op", "secret-op-second");
    });
    const renamed = { ...company, name: "c3 renamed" };
    const quotas = await store.read((tx) => tx.company(C));
    assert.ok(quotas);
    assert.equal(quotas.quotas.SecGroupsPerCompany, 7);
    assert.deepEqual(changed.map(brief), [
      ev("CompanyUpdated", String(C), ofCompany(C), companyState(renamed)),
      ev("QuotasChanged", String(C), ofCompany(C), companyState(quotas)),
      ev(
        "ProjectUpdated",
        "org-c1",
        { companyId: C, projectId: "org-c1", region: null },
        projectState({ projectId: "org-c1", companyId: C, name: "one", isDefault: false }),
      ),
      ev(
        "ProjectCreated",
        "org-c2",
        { companyId: C, projectId: "org-c2", region: null },
        projectState({ projectId: "org-c2", companyId: C, name: "two", isDefault: true }),
      ),
      ev("UserUpdated", `${C}/alice`, ofCompany(C), {
        CompanyId: C,
        UserName: "alice",
        SubAccount: true,
        Projects: ["org-c1", "org-c2"],
      }),
      ev("KeyUpdated", "pk-alice", ofCompany(C), keyState({ publicKey: "pk-alice", companyId: C, userName: "alice" })),
      ev(
        "VPCUpdated",
        "uvnet-c1",
        { companyId: C, projectId: "org-c1", region: "cn-sh2" },
        {
          VPCId: "uvnet-c1",
          CompanyId: C,
          ProjectId: "org-c1",
          Region: "cn-sh2",
          Name: "v2",
        },
      ),
      ev("RegionsChanged", "regions", GLOBAL, { Regions: ["cn-bj2", "cn-sh2", "cn-gd"] }),
      ev("OperatorKeyCreated", "pk-op", GLOBAL, { PublicKey: "pk-op" }),
      ev("OperatorKeyUpdated", "pk-op", GLOBAL, { PublicKey: "pk-op" }),
    ]);
    assert.doesNotMatch(JSON.stringify([...created, ...changed]), /secret-/);
  });

  it("resetTenants records one CompanyDeleted per company, with its state before", async () => {
    const store = t.store();
    const before = await store.read((tx) => tx.companies());
    assert.equal(before.length, 2);
    const events = await recorded(store, (tx) => tx.resetTenants(), { requestId: "req-reset", action: "AdminReset" });
    assert.deepEqual(
      events.map(brief),
      before.map((c) => ev("CompanyDeleted", String(c.companyId), ofCompany(c.companyId), companyState(c))),
    );
  });

  it("a write that changes nothing, one that throws, and an internal one record nothing and leave the head", async () => {
    const store = t.store();
    const start = await feedHead(store);
    await store.write((tx) => tx.putBindings([{ resourceId: "uhost-a1", secGroupId: "secgroup-a1", priority: 1 }]));
    const head = await feedHead(store);
    assert.equal(head, start + 1);
    const company = await store.read((tx) => tx.company(A.companyId));
    assert.ok(company);
    // Every kind of upsert, with the values already stored.
    await store.write(
      async (tx) => {
        await tx.setRegions(["cn-bj2", "cn-sh2"]);
        await tx.upsertCompany({ companyId: A.companyId, name: company.name });
        await tx.setQuotas(A.companyId, company.quotas, company.notBoundPolicy);
        await tx.upsertProject(A.companyId, { projectId: A.projectId, name: A.projectId, isDefault: true });
        await tx.upsertVpc({ vpcId: "uvnet-a1", ...A, name: "a1" });
        await tx.upsertResource(resource("uhost-a1", A, "uvnet-a1"));
        await tx.upsertResources([resource("uhost-a2", A, "uvnet-a1")]);
        await tx.updateResource("uhost-a3", { name: "name-uhost-a3" });
        await tx.upsertSecGroup(group("secgroup-a2", A, "uvnet-a1"));
        await tx.updateSecGroup("secgroup-a3", { remark: "" });
        await tx.putBindings([{ resourceId: "uhost-a1", secGroupId: "secgroup-a1", priority: 1 }]);
        await tx.deleteBindings([{ resourceId: "uhost-a2", secGroupId: "secgroup-a1" }]);
        await tx.deleteRules(["rule-none"]);
        await tx.deleteSecGroups(["secgroup-none"]);
      },
      { requestId: "req-noop", action: "Noop" },
    );
    assert.equal(await feedHead(store), head);
    // Users, keys and rules: made once, then written again the same.
    await store.write(async (tx) => {
      await tx.upsertUser(A.companyId, { name: "u", subAccount: false, projects: [A.projectId] });
      await tx.upsertKey(A.companyId, "u", "pk-u", "sk-u");
      await tx.upsertOperatorKey("pk-op", "sk-op");
      await tx.insertRules([rule("rule-n", "secgroup-a1", 1)]);
    });
    const afterSetup = await feedHead(store);
    assert.equal(afterSetup, head + 4);
    await store.write(async (tx) => {
      await tx.upsertUser(A.companyId, { name: "u", subAccount: false, projects: [A.projectId] });
      await tx.upsertKey(A.companyId, "u", "pk-u", "sk-u");
      await tx.upsertOperatorKey("pk-op", "sk-op");
      await tx.replaceRules([rule("rule-n", "secgroup-a1", 1)]);
    });
    assert.equal(await feedHead(store), afterSetup);

    await assert.rejects(
      store.write(
        async (tx) => {
          await tx.updateSecGroup("secgroup-a1", { name: "never" });
          await tx.insertSecGroup(group("secgroup-never", A, "uvnet-a1"));
          throw new Error("boom");
        },
        { requestId: "req-boom", action: "Boom" },
      ),
      /boom/,
    );
    // A refusal by the database half-way: its earlier changes' events go with it.
    await assert.rejects(
      store.write(async (tx) => {
        await tx.updateSecGroup("secgroup-a1", { name: "never" });
        await tx.putBindings([{ resourceId: "uhost-a2", secGroupId: "secgroup-a1", priority: 9 }]);
      }),
    );
    assert.equal(await feedHead(store), afterSetup);

    // internal: the change is made, but neither an event nor (even when given) an audit record.
    await store.write((tx) => tx.updateSecGroup("secgroup-a4", { name: "maintained" }), {
      requestId: "req-internal",
      action: "Maintenance",
      internal: true,
      audit: auditEntry("req-internal"),
    });
    assert.equal(await feedHead(store), afterSetup);
    await store.read(async (tx) => {
      assert.equal((await tx.secGroupsByIds(A, ["secgroup-a4"]))[0]?.name, "maintained");
      assert.equal((await tx.auditRecords({}, { offset: 0, limit: 10 })).total, 0);
      const all = await tx.feedEvents(start, {}, ALL);
      assert.deepEqual(
        all.events.map((e) => e.requestId === "req-boom" || e.requestId === "req-internal" || e.action === "Noop"),
        all.events.map(() => false),
      );
    });
  });

  it("positions are consecutive and follow commit order; one write's events are contiguous", async () => {
    const store = t.store();
    const start = await feedHead(store);
    for (let i = 0; i < 4; i++) {
      await store.write(
        async (tx) => {
          await tx.updateSecGroup("secgroup-a1", { remark: `r${i}` });
          await tx.updateSecGroup("secgroup-b1", { remark: `r${i}` });
        },
        { requestId: `seq-${i}`, action: "Seq" },
      );
    }
    const sequential = await eventsAfter(store, start);
    assert.deepEqual(
      sequential.map((e) => [e.position, e.requestId, e.objectId]),
      [0, 1, 2, 3].flatMap((i) => [
        [start + 2 * i + 1, `seq-${i}`, "secgroup-a1"],
        [start + 2 * i + 2, `seq-${i}`, "secgroup-b1"],
      ]),
    );

    // Y makes its first change before X, then waits for X's lock: X commits first, so its events come first.
    const mid = await feedHead(store);
    let openGate = (): void => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    let xLocked = (): void => {};
    const locked = new Promise<void>((resolve) => {
      xLocked = resolve;
    });
    let yChanged = (): void => {};
    const changed = new Promise<void>((resolve) => {
      yChanged = resolve;
    });
    const x = store.write(
      async (tx) => {
        await tx.lockResources(["uhost-a1"]);
        xLocked();
        await gate;
        await tx.updateResource("uhost-a1", { name: "by-x" });
      },
      { requestId: "x", action: "X" },
    );
    await locked;
    const y = store.write(
      async (tx) => {
        await tx.updateSecGroup("secgroup-a2", { remark: "by-y" });
        yChanged();
        await tx.lockResources(["uhost-a1"]);
        await tx.updateResource("uhost-a1", { name: "by-y" });
      },
      { requestId: "y", action: "Y" },
    );
    // Serial engines run Y only after X: it cannot get this far before the gate opens.
    if (!t.engine.serialWriters) await changed;
    openGate();
    await Promise.all([x, y]);
    assert.deepEqual(
      (await eventsAfter(store, mid)).map((e) => [e.position, e.requestId, e.objectId]),
      [
        [mid + 1, "x", "uhost-a1"],
        [mid + 2, "y", "secgroup-a2"],
        [mid + 3, "y", "uhost-a1"],
      ],
    );
    assert.equal((await store.read((tx) => tx.resourceById("uhost-a1")))?.name, "by-y");

    // Many concurrent writers: no hole, no repeat, each write's events together.
    const before = await feedHead(store);
    const N = 16;
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        store.write(
          async (tx) => {
            await tx.insertSecGroup(
              group(`secgroup-c${i}`, i % 2 === 0 ? A : B, i % 2 === 0 ? "uvnet-a1" : "uvnet-b1"),
            );
            await tx.insertRules([rule(`rule-c${i}`, `secgroup-c${i}`, 1)]);
          },
          { requestId: `c-${i}`, action: "Concurrent" },
        ),
      ),
    );
    const concurrent = await eventsAfter(store, before);
    assert.equal(await feedHead(store), before + 2 * N);
    assert.deepEqual(
      concurrent.map((e) => e.position),
      concurrent.map((_, i) => before + i + 1),
    );
    for (let i = 0; i < concurrent.length; i += 2) {
      const [g, r] = [concurrent[i], concurrent[i + 1]];
      assert.equal(g?.type, "SecGroupCreated");
      assert.equal(r?.type, "RuleCreated");
      assert.equal(r?.requestId, g?.requestId);
    }
    assert.equal(new Set(concurrent.map((e) => e.requestId)).size, N);
  });

  it("feedEvents filters by company, sub-account projects, region, project and types, as FeedFilter documents", async () => {
    const store = t.store();
    const start = await feedHead(store);
    await store.write(
      async (tx) => {
        await tx.updateSecGroup("secgroup-a1", { remark: "x" }); // A, org-a1, cn-bj2
        await tx.insertSecGroup(group("secgroup-sh", A_SH, "uvnet-ash")); // A, org-a1, cn-sh2
        await tx.upsertResource(resource("uhost-p2", A2, "uvnet-ap2")); // A, org-a2, cn-bj2
        await tx.updateSecGroup("secgroup-b1", { remark: "x" }); // B
        await tx.upsertCompany({ companyId: A.companyId, name: "A renamed" }); // A, company-level
        await tx.upsertUser(A.companyId, { name: "bob", subAccount: false, projects: [] }); // A, company-level
        await tx.upsertProject(A.companyId, { projectId: A2.projectId, name: "p2", isDefault: false }); // A, org-a2
        await tx.setRegions(["cn-bj2", "cn-sh2", "cn-gd"]); // global
        await tx.upsertOperatorKey("pk-op", "sk-op"); // global
      },
      { requestId: "req-filters", action: "Filters" },
    );
    const ids = async (filter: FeedFilter) => (await eventsAfter(store, start, filter)).map((e) => e.objectId);
    const a = String(A.companyId);
    assert.deepEqual(await ids({}), [
      "secgroup-a1",
      "secgroup-sh",
      "uhost-p2",
      "secgroup-b1",
      a,
      `${a}/bob`,
      "org-a2",
      "regions",
      "pk-op",
    ]);
    assert.deepEqual(await ids({ companyId: A.companyId }), [
      "secgroup-a1",
      "secgroup-sh",
      "uhost-p2",
      a,
      `${a}/bob`,
      "org-a2",
    ]);
    assert.deepEqual(await ids({ companyId: B.companyId }), ["secgroup-b1"]);
    // A sub-account: only its projects' objects, nothing company-level, nothing global.
    assert.deepEqual(await ids({ companyId: A.companyId, projects: ["org-a1"] }), ["secgroup-a1", "secgroup-sh"]);
    assert.deepEqual(await ids({ projects: ["org-a2"] }), ["uhost-p2", "org-a2"]);
    assert.deepEqual(await ids({ companyId: A.companyId, projects: [] }), []);
    // Region and project narrow placed objects; those without one pass.
    assert.deepEqual(await ids({ companyId: A.companyId, region: "cn-sh2" }), ["secgroup-sh", a, `${a}/bob`, "org-a2"]);
    assert.deepEqual(await ids({ companyId: A.companyId, projectId: "org-a2" }), ["uhost-p2", a, `${a}/bob`, "org-a2"]);
    assert.deepEqual(await ids({ region: "cn-sh2" }), ["secgroup-sh", a, `${a}/bob`, "org-a2", "regions", "pk-op"]);
    assert.deepEqual(await ids({ types: ["SecGroupUpdated", "RegionsChanged"] }), [
      "secgroup-a1",
      "secgroup-b1",
      "regions",
    ]);
    assert.deepEqual(await ids({ companyId: B.companyId, types: ["SecGroupUpdated"] }), ["secgroup-b1"]);
    assert.deepEqual(await ids({ companyId: A.companyId, types: ["RegionsChanged"] }), []);
  });

  it("feedEvents pages: at most limit events, and `through` continues without a gap or a repeat", async () => {
    const store = t.store();
    const start = await feedHead(store);
    for (let i = 0; i < 7; i++) {
      await store.write(async (tx) => {
        await tx.updateSecGroup("secgroup-a1", { remark: `p${i}` });
        await tx.updateSecGroup("secgroup-b1", { remark: `p${i}` });
        await tx.updateSecGroup("secgroup-a2", { remark: `p${i}` });
      });
    }
    const head = await feedHead(store);
    for (const filter of [
      {},
      { companyId: A.companyId },
      { companyId: B.companyId },
      { types: ["RuleCreated"] },
    ] as FeedFilter[]) {
      const all = await eventsAfter(store, start, filter);
      for (const limit of [1, 2, 5]) {
        const pages: FeedEventRow[] = [];
        let after = start;
        for (let reads = 0; ; reads++) {
          assert.ok(reads < 100, "paging does not end");
          const page = await store.read((tx) => tx.feedEvents(after, filter, limit));
          assert.ok(page.events.length <= limit);
          assert.ok(page.through >= after && page.through <= head);
          for (const e of page.events) assert.ok(e.position > after && e.position <= page.through);
          // A short page means the scan reached the head.
          if (page.events.length < limit) assert.equal(page.through, head);
          pages.push(...page.events);
          if (page.events.length === 0) break;
          after = page.through;
        }
        assert.deepEqual(pages, all, `filter ${JSON.stringify(filter)}, limit ${limit}`);
      }
    }
    // The unfiltered feed: three per write, each page full until the last.
    const first = await store.read((tx) => tx.feedEvents(start, {}, 5));
    assert.deepEqual(
      first.events.map((e) => e.position),
      [1, 2, 3, 4, 5].map((i) => start + i),
    );
    assert.equal(first.through, start + 5);
    const empty = await store.read((tx) => tx.feedEvents(head, {}, 5));
    assert.deepEqual(empty, { events: [], through: head });
  });

  it("readAtFeedHead's head is exactly what its transaction sees, while writers run", async () => {
    const store = t.store();
    const ids = ["secgroup-a1", "secgroup-a2", "secgroup-a3"];
    const start = await feedHead(store);
    const initial = await store.read((tx) => groupNames(tx, ids));
    const WRITERS = 3;
    const WRITES = 10;
    const READS = 12;
    const writers = Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = 0; i < WRITES; i++) {
        await store.write(async (tx) => {
          await tx.lockSecGroups(ids);
          // Every group in one write: a reader sees all three names change together, or none.
          for (const id of ids) await tx.updateSecGroup(id, { name: `w${w}-${i}` });
        });
      }
    });
    const seen: { head: number; names: Record<string, string> }[] = [];
    const reader = (async () => {
      for (let r = 0; r < READS; r++) {
        seen.push(
          await store.readAtFeedHead(async (tx, info) => ({ head: info.head, names: await groupNames(tx, ids) })),
        );
        await sleep(2);
      }
    })();
    await Promise.all([...writers, reader]);
    const events = await eventsAfter(store, start);
    assert.equal(events.length, WRITERS * WRITES * ids.length);
    let last = start;
    for (const s of seen) {
      assert.ok(s.head >= last, "a later readAtFeedHead never answers an earlier head");
      last = s.head;
      const names = { ...initial };
      for (const e of events) {
        if (e.position <= s.head) names[e.objectId] = (e.state as { Name: string }).Name;
      }
      assert.deepEqual(s.names, names, `at head ${s.head}`);
    }
    // After the writers, the head read is the end of the feed.
    const final = await store.readAtFeedHead(async (tx, info) => ({ info, names: await groupNames(tx, ids) }));
    assert.equal(final.info.head, start + events.length);
    assert.equal(final.info.feedId, (await store.read((tx) => tx.feedInfo())).feedId);
  });

  it("pruneFeed removes events before a time but never the newest, raises the floor, and positions go on", async () => {
    const store = t.store();
    const internal = { requestId: "retention", action: "Retention", internal: true } as const;
    await store.write((tx) => tx.updateSecGroup("secgroup-a1", { remark: "old" }));
    const h1 = await feedHead(store);
    await sleep(30);
    const cut = Date.now();
    await sleep(30);
    await store.write((tx) => tx.updateSecGroup("secgroup-a2", { remark: "middle" }));
    const h2 = await feedHead(store);
    await store.write(async (tx) => {
      await tx.updateSecGroup("secgroup-a3", { remark: "newest" });
      await tx.updateSecGroup("secgroup-a4", { remark: "newest" });
    });
    const h3 = await feedHead(store);
    assert.equal(h3, h2 + 2);

    assert.equal(await store.write((tx) => tx.pruneFeed(0), internal), 0);
    const removed = await store.write((tx) => tx.pruneFeed(cut), internal);
    assert.ok(removed > 0);
    let info = await store.read((tx) => tx.feedInfo());
    assert.deepEqual([info.floor, info.head], [h1, h3]);
    let kept = await eventsAfter(store, 0);
    assert.deepEqual(
      kept.map((e) => e.position),
      [h1 + 1, h1 + 2, h1 + 3],
    );
    // A reader that had read up to h1 - 1 finds h1 missing; the floor (at or above its position) says so.
    const resumed = await store.read((tx) => tx.feedEvents(h1 - 1, {}, ALL));
    assert.equal(resumed.events[0]?.position, h1 + 1);
    assert.ok(info.floor >= h1);

    // Everything is old: all but the newest write's events go.
    assert.ok((await store.write((tx) => tx.pruneFeed(Date.now() + 60_000), internal)) > 0);
    info = await store.read((tx) => tx.feedInfo());
    assert.deepEqual([info.floor, info.head], [h2, h3]);
    kept = await eventsAfter(store, 0);
    assert.deepEqual(
      kept.map((e) => [e.position, e.objectId]),
      [
        [h2 + 1, "secgroup-a3"],
        [h2 + 2, "secgroup-a4"],
      ],
    );
    assert.equal(await store.write((tx) => tx.pruneFeed(Date.now() + 60_000), internal), 0);
    assert.equal((await store.read((tx) => tx.feedInfo())).floor, h2);

    // Positions never restart; readAtFeedHead reports the floor too.
    await store.write((tx) => tx.updateSecGroup("secgroup-a1", { remark: "after" }));
    assert.deepEqual(
      (await eventsAfter(store, h3)).map((e) => e.position),
      [h3 + 1],
    );
    const at = await store.readAtFeedHead(async (_tx, i) => i);
    assert.deepEqual([at.floor, at.head], [h2, h3 + 1]);
  });

  it("a peer store on the same database reads the same events in the same order", async (ctx) => {
    const { openPeer } = t.handle();
    if (openPeer === undefined) return ctx.skip("this engine's database cannot be opened twice");
    const store = t.store();
    const peer = await openPeer();
    try {
      const start = await feedHead(store);
      const writes = Array.from({ length: 12 }, (_, i) =>
        (i % 2 === 0 ? store : peer).write(
          (tx) => tx.updateSecGroup(`secgroup-a${(i % 4) + 1}`, { remark: `peer-${i}` }),
          {
            requestId: `peer-${i}`,
            action: "Peer",
          },
        ),
      );
      await Promise.all(writes);
      await peer.feedSettled();
      const mine = await eventsAfter(store, start);
      const theirs = await eventsAfter(peer, start);
      assert.equal(mine.length, 12);
      assert.deepEqual(theirs, mine);
      assert.deepEqual(
        mine.map((e) => e.position),
        mine.map((_, i) => start + i + 1),
      );
      assert.deepEqual(
        new Set(mine.map((e) => e.requestId)),
        new Set(Array.from({ length: 12 }, (_, i) => `peer-${i}`)),
      );
    } finally {
      await peer.close();
    }
  });

  it("onFeedAdvance fires after a commit in this store, and not once unsubscribed", async () => {
    const store = t.store();
    let fired = 0;
    const off = store.onFeedAdvance(() => {
      fired++;
    });
    try {
      const before = fired;
      await store.write((tx) => tx.updateSecGroup("secgroup-a1", { remark: "wake" }));
      await store.feedSettled();
      assert.ok(fired > before, "no wake-up after this store's commit");
    } finally {
      off();
    }
    const unsubscribed = fired;
    await store.write((tx) => tx.updateSecGroup("secgroup-a1", { remark: "quiet" }));
    await store.feedSettled();
    assert.equal(fired, unsubscribed, "a listener is not called once unsubscribed");
  });

  it("PostgreSQL: a peer's onFeedAdvance fires after the other server's commit (LISTEN/NOTIFY)", async (ctx) => {
    const store = t.store();
    const { openPeer } = t.handle();
    if (store.engine !== "postgres" || openPeer === undefined) {
      return ctx.skip("only PostgreSQL hears another server's commits (LISTEN/NOTIFY)");
    }
    const peer = await openPeer();
    let wake = (): void => {};
    const stop = peer.onFeedAdvance(() => wake());
    try {
      const peerHead = () => peer.read((tx) => tx.feedInfo()).then((i) => i.head);
      /** Resolves once the peer, woken by its listener, reads a head at or past `target`. */
      const peerReaches = async (target: number) => {
        for (;;) {
          const woken = new Promise<void>((resolve) => {
            wake = resolve;
          });
          if ((await peerHead()) >= target) return;
          await woken;
        }
      };
      await sleep(200); // let the peer's LISTEN connection come up
      // The peer's periodic sweep (once a second) would wake it too; ROUNDS commits, each waited for, finishing in
      // far less than ROUNDS seconds show that the wake-up comes with the other server's commit (NOTIFY).
      const ROUNDS = 8;
      const began = Date.now();
      for (let i = 0; i < ROUNDS; i++) {
        await store.write((tx) => tx.updateSecGroup("secgroup-a2", { remark: `notify-${i}` }));
        const target = await feedHead(store);
        await peerReaches(target);
      }
      const elapsed = Date.now() - began;
      assert.ok(elapsed < (ROUNDS * 1000) / 2, `${ROUNDS} wake-ups took ${elapsed} ms`);
      const start = await feedHead(store);
      await store.write((tx) => tx.updateSecGroup("secgroup-a3", { remark: "seen by peer" }));
      await peerReaches(await feedHead(store));
      const seen = await eventsAfter(peer, start);
      assert.deepEqual(
        seen.map((e) => e.objectId),
        ["secgroup-a3"],
      );
    } finally {
      stop();
      wake();
      await peer.close();
    }
  });

  feedPropertyTests(t);
}
