// Contract: groups read with their rules stay exact through every kind of change (the read cache must never be
// stale, also for another server on the same database), and binding counts follow every binding write.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { BindingRow, SecGroupWithRules, Store } from "../port.ts";
import type { ContractContext } from "./context.ts";
import { A, A2, B, group, PAGE, rule } from "./world.ts";

/** What a reader sees of a group, in a comparable form. */
const view = (units: readonly SecGroupWithRules[]) =>
  units.map((u) => ({
    id: u.group.secGroupId,
    name: u.group.name,
    remark: u.group.remark,
    project: u.group.projectId,
    rules: u.rules.map((r) => `${r.ruleId}:${r.direction}:${r.priority}:${r.dstPort}`),
  }));

const byIds = (store: Store, ids: readonly string[], scope = A) =>
  store.read(async (tx) => view(await tx.secGroupsWithRules(scope, ids)));
const listed = (store: Store, scope = A) =>
  store.read(async (tx) => {
    const page = await tx.listSecGroupsWithRules(scope, { vpcId: "uvnet-a1" }, PAGE);
    return { total: page.total, rows: view(page.rows) };
  });

const bind = (resourceId: string, secGroupId: string, priority: number): BindingRow => ({
  resourceId,
  secGroupId,
  priority,
});

export function secGroupReadTests(t: ContractContext): void {
  it("groups with rules: by ids in creation order and in scope only, and paged; same answer read twice", async () => {
    await t
      .store()
      .write((tx) =>
        tx.insertRules([rule("r2", "secgroup-a2", 2), rule("r1", "secgroup-a2", 1), rule("r3", "secgroup-a1", 1)]),
      );
    const expected = [
      { id: "secgroup-a1", name: "name-secgroup-a1", remark: "", project: A.projectId, rules: ["r3:Ingress:1:22"] },
      {
        id: "secgroup-a2",
        name: "name-secgroup-a2",
        remark: "",
        project: A.projectId,
        rules: ["r2:Ingress:2:22", "r1:Ingress:1:22"],
      },
    ];
    const a4 = { id: "secgroup-a4", name: "name-secgroup-a4", remark: "", project: A.projectId, rules: [] };
    // Unknown ids and another company's group are skipped; a4 is in scope (another VPC of the same project).
    const ids = ["secgroup-a2", "secgroup-nope", "secgroup-a4", "secgroup-b1", "secgroup-a1"];
    assert.deepEqual(await byIds(t.store(), ids), [...expected, a4]);
    assert.deepEqual(await byIds(t.store(), ids), [...expected, a4]);
    assert.deepEqual(await byIds(t.store(), ["secgroup-a1"], A2), []);
    const page = await listed(t.store());
    assert.equal(page.total, 3);
    assert.deepEqual(page.rows.slice(0, 2), expected);
    assert.deepEqual((await listed(t.store())).rows, page.rows);
  });

  it("groups with rules: every change to a group or its rules shows in the next read", async () => {
    const store = t.store();
    const read = () => byIds(store, ["secgroup-a1"]);
    const rulesNow = async () => (await read())[0]?.rules;
    await read(); // a first read, so that a stale copy would be there to be served
    await store.write((tx) => tx.insertRules([rule("r1", "secgroup-a1", 1)]));
    assert.deepEqual(await rulesNow(), ["r1:Ingress:1:22"]);
    await store.write((tx) => tx.replaceRules([rule("r1", "secgroup-a1", 7, { dstPort: "80" })]));
    assert.deepEqual(await rulesNow(), ["r1:Ingress:7:80"]);
    await store.write((tx) => tx.insertRules([rule("r2", "secgroup-a1", 2, { direction: "Egress" })]));
    assert.deepEqual(await rulesNow(), ["r1:Ingress:7:80", "r2:Egress:2:22"]);
    await store.write((tx) => tx.deleteRules(["r1"]));
    assert.deepEqual(await rulesNow(), ["r2:Egress:2:22"]);
    await store.write((tx) => tx.updateSecGroup("secgroup-a1", { name: "renamed", remark: "why" }));
    assert.deepEqual(
      (await read()).map((g) => [g.name, g.remark]),
      [["renamed", "why"]],
    );
    // A seed upsert may move a group to another project: the old scope must stop seeing it.
    await store.write((tx) => tx.upsertSecGroup(group("secgroup-a1", A2, "uvnet-ap2")));
    assert.deepEqual(await read(), []);
    assert.deepEqual(
      (await byIds(store, ["secgroup-a1"], A2)).map((g) => g.project),
      [A2.projectId],
    );
    // Deleted, then created again under the same id with other rules (an import): the new content, not the old.
    await store.write(async (tx) => {
      await tx.deleteSecGroups(["secgroup-a1"]);
      await tx.insertSecGroup(group("secgroup-a1", A, "uvnet-a1", { name: "again" }));
      await tx.insertRules([rule("r9", "secgroup-a1", 9)]);
    });
    assert.deepEqual(
      (await read()).map((g) => [g.name, g.rules]),
      [["again", ["r9:Ingress:9:22"]]],
    );
  });

  it("groups with rules: a rolled-back change never shows, and the next committed one does", async () => {
    const store = t.store();
    await store.read((tx) => tx.secGroupsWithRules(A, ["secgroup-a1"]));
    await assert.rejects(
      store.write(async (tx) => {
        await tx.insertRules([rule("ghost", "secgroup-a1", 1)]);
        throw new Error("abort");
      }),
      /abort/,
    );
    assert.deepEqual((await byIds(store, ["secgroup-a1"]))[0]?.rules, []);
    await store.write((tx) => tx.insertRules([rule("real", "secgroup-a1", 1, { dstPort: "443" })]));
    assert.deepEqual((await byIds(store, ["secgroup-a1"]))[0]?.rules, ["real:Ingress:1:443"]);
  });

  it("groups with rules: a change made through another server shows in this server's next read", async (ctx) => {
    const openPeer = t.handle().openPeer;
    if (openPeer === undefined) return ctx.skip("this engine's database cannot be opened twice");
    const peer = await openPeer();
    try {
      assert.deepEqual(await byIds(t.store(), ["secgroup-a2"]), await byIds(peer, ["secgroup-a2"]));
      await peer.write(async (tx) => {
        await tx.insertRules([rule("p1", "secgroup-a2", 1)]);
        await tx.updateSecGroup("secgroup-a2", { name: "from-peer" });
      });
      assert.deepEqual(
        (await byIds(t.store(), ["secgroup-a2"])).map((g) => [g.name, g.rules]),
        [["from-peer", ["p1:Ingress:1:22"]]],
      );
      await t.store().write((tx) => tx.deleteRules(["p1"]));
      assert.deepEqual((await byIds(peer, ["secgroup-a2"]))[0]?.rules, []);
    } finally {
      await peer.close();
    }
  });

  it("binding counts follow inserts, priority moves, deletes and resource-wide unbinds", async () => {
    const store = t.store();
    const ids = ["secgroup-a1", "secgroup-a2", "secgroup-a3"];
    const check = async () => {
      const { rows, withLoad, locked, outOfScope } = await store.write(async (tx) => ({
        rows: await tx.bindingsOfSecGroups(ids),
        withLoad: await tx.secGroupsToBind(A, [...ids].reverse()),
        locked: await tx.lockSecGroupLoads([...ids, "secgroup-nope"]),
        outOfScope: await tx.secGroupsToBind(B, ids),
      }));
      // Every group in creation order with its count, and nothing for another company's scope.
      assert.deepEqual(
        withLoad.map((g) => g.group.secGroupId),
        ids,
      );
      const counts = new Map(withLoad.map((g) => [g.group.secGroupId, g.load]));
      for (const id of ids) {
        assert.equal(counts.get(id), rows.filter((b) => b.secGroupId === id).length, `count of ${id}`);
      }
      // The count under the quota lock agrees; an unknown id has none.
      assert.deepEqual(new Map([...locked].sort()), new Map([...counts].sort()));
      assert.deepEqual(outOfScope, []);
      return [...counts.values()];
    };
    await store.write((tx) =>
      tx.putBindings([
        bind("uhost-a1", "secgroup-a1", 1),
        bind("uhost-a2", "secgroup-a1", 1),
        bind("uhost-a1", "secgroup-a2", 2),
      ]),
    );
    assert.deepEqual(await check(), [2, 1, 0]);
    // A priority swap rewrites rows but moves no binding between groups.
    await store.write((tx) => tx.putBindings([bind("uhost-a1", "secgroup-a1", 2), bind("uhost-a1", "secgroup-a2", 1)]));
    assert.deepEqual(await check(), [2, 1, 0]);
    await store.write(async (tx) => {
      await tx.deleteBindings([{ resourceId: "uhost-a1", secGroupId: "secgroup-a1" }]);
      await tx.putBindings([bind("uhost-a3", "secgroup-a3", 1)]);
    });
    assert.deepEqual(await check(), [1, 1, 1]);
    // Deleting a binding that is not there changes nothing.
    await store.write((tx) => tx.deleteBindings([{ resourceId: "uhost-a3", secGroupId: "secgroup-a1" }]));
    assert.deepEqual(await check(), [1, 1, 1]);
    await store.write((tx) =>
      tx.deleteBindings([
        { resourceId: "uhost-a2", secGroupId: "secgroup-a1" },
        { resourceId: "uhost-a1", secGroupId: "secgroup-a2" },
        { resourceId: "uhost-a3", secGroupId: "secgroup-a3" },
      ]),
    );
    assert.deepEqual(await check(), [0, 0, 0]);
  });
}
