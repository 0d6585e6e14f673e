// Contract: bindings, and the illegal binding states the database itself must refuse.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { BindingRow, ResourceRefRow, WriteTx } from "../port.ts";
import { type ContractContext, rejectsWith } from "./context.ts";
import { A, B, group, PAGE, resource } from "./world.ts";

/** More bindings than one multi-row statement holds. */
const MANY = 400;
const manyHosts = Array.from({ length: MANY }, (_, i) => `uhost-m${String(i).padStart(4, "0")}`);
const ALL = { offset: 0, limit: 10_000 } as const;

const bind = (resourceId: string, secGroupId: string, priority: number): BindingRow => ({
  resourceId,
  secGroupId,
  priority,
});

/**
 * Each group's binding count, as the binding checks read it (groups of scope A): first unlocked, then under the
 * quota lock; the two must agree whenever no other writer runs.
 */
const loadsOf = async (tx: WriteTx, ids: readonly string[]) => {
  const read = new Map((await tx.secGroupsToBind(A, ids)).map((g) => [g.group.secGroupId, g.load]));
  assert.deepEqual(new Map([...(await tx.lockSecGroupLoads(ids))].sort()), new Map([...read].sort()));
  return read;
};

const pairs = (rows: readonly BindingRow[]) => rows.map((b) => `${b.resourceId}/${b.secGroupId}@${b.priority}`);

export function bindingTests(t: ContractContext): void {
  const bindAll = (rows: readonly BindingRow[]) => t.store().write((tx) => tx.putBindings(rows));

  it("bindings: put, read by resource / group in bind order, list in scope with paging, counts", async () => {
    await bindAll([bind("uhost-a2", "secgroup-a1", 1), bind("uhost-a1", "secgroup-a2", 1)]);
    await bindAll([bind("uhost-a1", "secgroup-a1", 2)]);
    await t.store().write((tx) => tx.putBindings([bind("uhost-b1", "secgroup-b1", 3)]));
    assert.deepEqual(pairs(await t.store().read((tx) => tx.bindingsOfResources(["uhost-a1", "uhost-a2"]))), [
      "uhost-a2/secgroup-a1@1",
      "uhost-a1/secgroup-a2@1",
      "uhost-a1/secgroup-a1@2",
    ]);
    assert.deepEqual(pairs(await t.store().read((tx) => tx.bindingsOfSecGroups(["secgroup-a1"]))), [
      "uhost-a2/secgroup-a1@1",
      "uhost-a1/secgroup-a1@2",
    ]);
    const all = await t.store().read((tx) => tx.listBindings(A, undefined, PAGE));
    assert.equal(all.total, 3);
    assert.deepEqual(pairs(all.rows), ["uhost-a2/secgroup-a1@1", "uhost-a1/secgroup-a2@1", "uhost-a1/secgroup-a1@2"]);
    const one = await t.store().read((tx) => tx.listBindings(A, "secgroup-a1", { offset: 1, limit: 5 }));
    assert.deepEqual(one, { rows: [bind("uhost-a1", "secgroup-a1", 2)], total: 2 });
    const counts = await t.store().write((tx) => loadsOf(tx, ["secgroup-a1", "secgroup-a3"]));
    assert.deepEqual(
      [...counts],
      [
        ["secgroup-a1", 2],
        ["secgroup-a3", 0],
      ],
    );
  });

  it("bindings: putBindings moves priorities as a set (swap) and keeps bind order; delete is idempotent", async () => {
    await bindAll([bind("uhost-a1", "secgroup-a1", 1), bind("uhost-a1", "secgroup-a2", 2)]);
    await bindAll([bind("uhost-a1", "secgroup-a1", 2), bind("uhost-a1", "secgroup-a2", 1)]);
    assert.deepEqual(pairs(await t.store().read((tx) => tx.bindingsOfResources(["uhost-a1"]))), [
      "uhost-a1/secgroup-a1@2",
      "uhost-a1/secgroup-a2@1",
    ]);
    // Shift everything down and put a new group on top (AssociateSecGroupDynamic's shape).
    await bindAll([
      bind("uhost-a1", "secgroup-a3", 1),
      bind("uhost-a1", "secgroup-a2", 2),
      bind("uhost-a1", "secgroup-a1", 3),
    ]);
    assert.deepEqual(pairs(await t.store().read((tx) => tx.bindingsOfResources(["uhost-a1"]))), [
      "uhost-a1/secgroup-a1@3",
      "uhost-a1/secgroup-a2@2",
      "uhost-a1/secgroup-a3@1",
    ]);
    await t.store().write((tx) =>
      tx.deleteBindings([
        { resourceId: "uhost-a1", secGroupId: "secgroup-a2" },
        { resourceId: "uhost-a1", secGroupId: "secgroup-a4" },
      ]),
    );
    assert.deepEqual(pairs(await t.store().read((tx) => tx.bindingsOfResources(["uhost-a1"]))), [
      "uhost-a1/secgroup-a1@3",
      "uhost-a1/secgroup-a3@1",
    ]);
  });

  it("bindings: the database rejects a second group at one priority, priorities outside 1-5, duplicates", async () => {
    await bindAll([bind("uhost-a1", "secgroup-a1", 1)]);
    await rejectsWith(bindAll([bind("uhost-a1", "secgroup-a2", 1)]), "unique");
    await rejectsWith(bindAll([bind("uhost-a1", "secgroup-a2", 6)]), "check");
    await rejectsWith(bindAll([bind("uhost-a1", "secgroup-a2", 0)]), "check");
    await rejectsWith(bindAll([bind("uhost-a2", "secgroup-a2", 1), bind("uhost-a2", "secgroup-a2", 2)]), "unique");
    // A swap that leaves a clash with an unmoved binding is refused as a whole.
    await bindAll([bind("uhost-a1", "secgroup-a2", 2)]);
    await rejectsWith(bindAll([bind("uhost-a1", "secgroup-a2", 3), bind("uhost-a1", "secgroup-a3", 1)]), "unique");
    assert.deepEqual(pairs(await t.store().read((tx) => tx.bindingsOfResources(["uhost-a1", "uhost-a2"]))), [
      "uhost-a1/secgroup-a1@1",
      "uhost-a1/secgroup-a2@2",
    ]);
  });

  it("bindings: at most 5 groups per resource follows from the constraints", async () => {
    await t.store().write(async (tx) => {
      for (let i = 5; i <= 7; i++) await tx.insertSecGroup(group(`secgroup-a${i}`, A, "uvnet-a1"));
    });
    const ids = ["secgroup-a1", "secgroup-a2", "secgroup-a3", "secgroup-a5", "secgroup-a6"];
    await bindAll(ids.map((g, i) => bind("uhost-a1", g, i + 1)));
    for (const p of [1, 2, 3, 4, 5, 6])
      await rejectsWith(bindAll([bind("uhost-a1", "secgroup-a7", p)]), p > 5 ? "check" : "unique");
  });

  it("bindings: putBindings of unchanged, moved and new pairs leaves, moves (keeping bind order) and adds", async () => {
    await bindAll([
      bind("uhost-a1", "secgroup-a1", 1),
      bind("uhost-a1", "secgroup-a2", 2),
      bind("uhost-a2", "secgroup-a1", 1),
    ]);
    await bindAll([
      bind("uhost-a2", "secgroup-a3", 2),
      bind("uhost-a1", "secgroup-a1", 1),
      bind("uhost-a1", "secgroup-a3", 2),
      bind("uhost-a1", "secgroup-a2", 3),
      bind("uhost-a2", "secgroup-a1", 1),
    ]);
    // Moved pairs keep their place; new pairs follow in the order given.
    assert.deepEqual(pairs((await t.store().read((tx) => tx.listBindings(A, undefined, PAGE))).rows), [
      "uhost-a1/secgroup-a1@1",
      "uhost-a1/secgroup-a2@3",
      "uhost-a2/secgroup-a1@1",
      "uhost-a2/secgroup-a3@2",
      "uhost-a1/secgroup-a3@2",
    ]);
    const counts = await t.store().write((tx) => loadsOf(tx, ["secgroup-a1", "secgroup-a2", "secgroup-a3"]));
    assert.deepEqual([...counts.values()], [2, 1, 2]);
  });

  it("bindings: insertBindings adds new pairs after a move, in the order given; a bound pair is refused", async () => {
    await bindAll([bind("uhost-a1", "secgroup-a1", 1), bind("uhost-a1", "secgroup-a2", 2)]);
    // As applyBindingPlan does: the move through putBindings, then the new pairs, in one transaction.
    await t.store().write(async (tx) => {
      await tx.putBindings([bind("uhost-a1", "secgroup-a2", 3)]);
      await tx.insertBindings([bind("uhost-a2", "secgroup-a3", 1), bind("uhost-a1", "secgroup-a3", 2)]);
    });
    assert.deepEqual(pairs((await t.store().read((tx) => tx.listBindings(A, undefined, PAGE))).rows), [
      "uhost-a1/secgroup-a1@1",
      "uhost-a1/secgroup-a2@3",
      "uhost-a2/secgroup-a3@1",
      "uhost-a1/secgroup-a3@2",
    ]);
    await rejectsWith(
      t
        .store()
        .write((tx) => tx.insertBindings([bind("uhost-a3", "secgroup-a1", 1), bind("uhost-a1", "secgroup-a1", 4)])),
      "unique",
    );
    assert.deepEqual(pairs(await t.store().read((tx) => tx.bindingsOfResources(["uhost-a3"]))), []);
    const counts = await t.store().write((tx) => loadsOf(tx, ["secgroup-a1", "secgroup-a2", "secgroup-a3"]));
    assert.deepEqual([...counts.values()], [1, 1, 2]);
  });

  it("bindings: putBindings of more than one statement's worth keeps order, moves as a set, counts", async () => {
    await t.store().write((tx) => tx.upsertResources(manyHosts.map((id) => resource(id, A, "uvnet-a1"))));
    const groups = ["secgroup-a1", "secgroup-a2", "secgroup-a3"];
    // 1,200 new pairs, interleaved across groups.
    const first = manyHosts.flatMap((h) => groups.map((g, p) => bind(h, g, p + 1)));
    await bindAll(first);
    const listed = async () => pairs((await t.store().read((tx) => tx.listBindings(A, undefined, ALL))).rows);
    assert.deepEqual(await listed(), pairs(first));
    // Rotate every resource's priorities (1,200 moves, each onto a priority another group leaves) and add a group
    // to some: the moves keep their places, the new pairs come last.
    await t.store().write((tx) => tx.insertSecGroup(group("secgroup-a5", A, "uvnet-a1")));
    const rotated = manyHosts.flatMap((h) => groups.map((g, p) => bind(h, g, ((p + 1) % 3) + 1)));
    const added = manyHosts.slice(0, 300).map((h) => bind(h, "secgroup-a5", 5));
    await bindAll([...added, ...rotated]);
    assert.deepEqual(await listed(), [...pairs(rotated), ...pairs(added)]);
    const counts = await t.store().write((tx) => loadsOf(tx, [...groups, "secgroup-a5"]));
    assert.deepEqual([...counts.values()], [MANY, MANY, MANY, 300]);
  });

  it("bindings: resourceRefsWithBindings is resourcesByIds plus bindingsOfResources; resourceIdsBoundTo", async () => {
    // 600 resources (more than one IN-list chunk), with 0, 1 or 2 groups; another company's bound resource; a ghost.
    const hosts = Array.from({ length: 600 }, (_, i) => `uhost-w${String(i).padStart(4, "0")}`);
    await t.store().write((tx) => tx.upsertResources(hosts.map((id) => resource(id, A, "uvnet-a1"))));
    await bindAll(hosts.filter((_, i) => i % 3 !== 0).map((h) => bind(h, "secgroup-a2", 2)));
    await bindAll(hosts.filter((_, i) => i % 3 === 2).map((h) => bind(h, "secgroup-a1", 1)));
    await bindAll([bind("uhost-b1", "secgroup-b1", 1)]);
    const ids = [...hosts].reverse().concat("uhost-b1", "uhost-ghost");
    const { combined, full, bound } = await t.store().read(async (tx) => ({
      combined: await tx.resourceRefsWithBindings(A, ids),
      full: await tx.resourcesByIds(A, ids),
      bound: await tx.bindingsOfResources(hosts),
    }));
    const refs = (rows: readonly ResourceRefRow[]) =>
      rows
        .map(({ resourceId, vpcId, resourceType, securityMode }) => ({ resourceId, vpcId, resourceType, securityMode }))
        .sort((a, b) => (a.resourceId < b.resourceId ? -1 : 1));
    assert.equal(combined.resources.length, 600);
    assert.deepEqual(refs(combined.resources), refs(full));
    assert.deepEqual(combined.bindings, bound);
    assert.equal(combined.bindings.length, 600);
    // Resources bound to either group, once each (200 of them are bound to both).
    const boundTo = await t.store().read((tx) => tx.resourceIdsBoundTo(["secgroup-a1", "secgroup-a2", "secgroup-a3"]));
    assert.deepEqual(
      [...boundTo].sort(),
      hosts.filter((_, i) => i % 3 !== 0),
    );
  });

  it("bindings: a clash anywhere in a large putBindings is refused as before, and nothing of it is kept", async () => {
    await t.store().write((tx) => tx.upsertResources(manyHosts.map((id) => resource(id, A, "uvnet-a1"))));
    const before = manyHosts.flatMap((h) => [bind(h, "secgroup-a1", 1), bind(h, "secgroup-a2", 2)]);
    await bindAll(before);
    const listed = async () => pairs((await t.store().read((tx) => tx.listBindings(A, undefined, ALL))).rows);
    // Every resource moves secgroup-a1 to 3 and gains secgroup-a3 at 1; the last one's a3 lands on a2's priority.
    const moves = manyHosts.flatMap((h, i) => [
      bind(h, "secgroup-a1", 3),
      bind(h, "secgroup-a3", i === MANY - 1 ? 2 : 1),
    ]);
    await rejectsWith(bindAll(moves), "unique");
    // A missing group, or a resource of another VPC, far into the batch.
    const fresh = manyHosts.map((h) => bind(h, "secgroup-a3", 4));
    await rejectsWith(bindAll([...fresh, bind("uhost-a1", "secgroup-nope", 1)]), "foreign-key");
    await rejectsWith(bindAll([...fresh, bind("uhost-a4", "secgroup-a3", 1)]), "foreign-key");
    // The same pair twice in one call, or a priority out of range.
    await rejectsWith(bindAll([...fresh, bind(manyHosts[7] ?? "", "secgroup-a3", 5)]), "unique");
    await rejectsWith(bindAll([...fresh.slice(1), bind(manyHosts[0] ?? "", "secgroup-a3", 6)]), "check");
    assert.deepEqual(await listed(), pairs(before));
    const counts = await t.store().write((tx) => loadsOf(tx, ["secgroup-a1", "secgroup-a2", "secgroup-a3"]));
    assert.deepEqual([...counts.values()], [MANY, MANY, 0]);
  });

  it("bindings: a priority that is not an integer is refused (check), not rounded", async () => {
    await rejectsWith(bindAll([bind("uhost-a1", "secgroup-a1", 1.5)]), "check");
    await rejectsWith(bindAll([bind("uhost-a1", "secgroup-a1", 1), bind("uhost-a2", "secgroup-a1", 2.5)]), "check");
    assert.deepEqual(pairs(await t.store().read((tx) => tx.bindingsOfSecGroups(["secgroup-a1"]))), []);
  });

  it("bindings: foreign keys refuse missing rows, another VPC, and deleting what is bound", async () => {
    await rejectsWith(bindAll([bind("uhost-nope", "secgroup-a1", 1)]), "foreign-key");
    await rejectsWith(bindAll([bind("uhost-a1", "secgroup-nope", 1)]), "foreign-key");
    await rejectsWith(bindAll([bind("uhost-a4", "secgroup-a1", 1)]), "foreign-key");
    await rejectsWith(bindAll([bind("uhost-b1", "secgroup-a1", 1)]), "foreign-key");
    await bindAll([bind("uhost-a1", "secgroup-a1", 1)]);
    await rejectsWith(
      t.store().write((tx) => tx.deleteSecGroups(["secgroup-a1"])),
      "foreign-key",
    );
    await rejectsWith(
      t.store().write((tx) => tx.deleteResource("uhost-a1")),
      "foreign-key",
    );
    // Moving a bound resource to another VPC would break "same VPC": refused too.
    await rejectsWith(
      t.store().write((tx) => tx.upsertResource(resource("uhost-a1", A, "uvnet-a2"))),
      "foreign-key",
    );
    const unbindThenDelete = async (tx: WriteTx) => {
      await tx.deleteBindings([{ resourceId: "uhost-a1", secGroupId: "secgroup-a1" }]);
      await tx.deleteSecGroups(["secgroup-a1"]);
      await tx.deleteResource("uhost-a1");
    };
    await t.store().write(unbindThenDelete);
    assert.equal(await t.store().read((tx) => tx.resourceById("uhost-a1")), undefined);
  });

  it("scope: company B (or another project / region of A) sees none of A's rows through scoped methods", async () => {
    await bindAll([bind("uhost-a1", "secgroup-a1", 1)]);
    const aIds = { groups: ["secgroup-a1", "secgroup-a2"], resources: ["uhost-a1", "uhost-a2"] };
    for (const other of [B, { ...A, projectId: "org-a2" }, { ...A, region: "cn-sh2" }]) {
      await t.store().read(async (tx) => {
        assert.equal(await tx.vpc(other, "uvnet-a1"), undefined);
        assert.deepEqual(await tx.secGroupsByIds(other, aIds.groups), []);
        assert.deepEqual(await tx.resourcesByIds(other, aIds.resources), []);
        const groups = await tx.listSecGroups(other, { vpcId: "uvnet-a1" }, PAGE);
        assert.deepEqual(groups, { rows: [], total: 0 });
        const resources = await tx.listResources(other, { vpcId: "uvnet-a1" }, PAGE);
        assert.deepEqual(resources, { rows: [], total: 0 });
        assert.deepEqual(await tx.listBindings(other, "secgroup-a1", PAGE), { rows: [], total: 0 });
        const everything = await tx.listBindings(other, undefined, PAGE);
        assert.ok(everything.rows.every((b) => !b.secGroupId.startsWith("secgroup-a")));
      });
    }
    const bSees = await t.store().read((tx) => tx.listSecGroups(B, {}, PAGE));
    assert.deepEqual(
      bSees.rows.map((g) => g.secGroupId),
      ["secgroup-b1"],
    );
  });

  it("resetTenants deletes every company and all in it, keeping regions and operator keys", async () => {
    await t.store().write(async (tx) => {
      await tx.upsertOperatorKey("op", "op-priv");
      await tx.upsertUser(A.companyId, { name: "dev", subAccount: true, projects: ["org-a1"] });
      await tx.upsertKey(A.companyId, "dev", "dev-pub", "p");
      await tx.putBindings([bind("uhost-a1", "secgroup-a1", 1)]);
      await tx.insertRules([
        {
          ruleId: "r1",
          secGroupId: "secgroup-a1",
          direction: "Ingress",
          protocolType: "TCP",
          dstPort: "22",
          ipRange: "0.0.0.0/0",
          priority: 1,
          ruleAction: "Accept",
          remark: "",
          ipVersion: "IPv4",
        },
      ]);
    });
    await t.store().write((tx) => tx.resetTenants());
    await t.store().read(async (tx) => {
      assert.deepEqual(await tx.companies(), []);
      assert.equal(await tx.findKey("dev-pub"), undefined);
      assert.equal((await tx.findKey("op"))?.operator, true);
      assert.deepEqual(await tx.regions(), ["cn-bj2", "cn-sh2"]);
      assert.deepEqual(await tx.bindingsOfResources(["uhost-a1"]), []);
      assert.deepEqual(await tx.rulesOf(["secgroup-a1"]), []);
      assert.equal(await tx.resourceById("uhost-a1"), undefined);
    });
  });
}
