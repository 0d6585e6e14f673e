// Contract: resources, security groups and rules.
import assert from "node:assert/strict";
import { it } from "node:test";
import { isStoreError } from "../errors.ts";
import type { RuleRow } from "../port.ts";
import { type ContractContext, rejectsWith } from "./context.ts";
import { A, B, group, PAGE, resource, rule } from "./world.ts";

/** More rows than one multi-row statement holds. */
const MANY = 1100;
const ALL = { offset: 0, limit: 10_000 } as const;

export function inventoryTests(t: ContractContext): void {
  it("resources: round trip of every field, lookups by id, children, update and delete", async () => {
    const nic = resource("uni-a1", A, "uvnet-a1", {
      resourceType: "uni",
      securityMode: "Firewall",
      privateIp: "10.0.0.9",
      zone: 4001,
      eip: ["1.2.3.4", "5.6.7.8"],
      superResourceId: "uhost-a1",
    });
    await t.store().write((tx) => tx.upsertResource(nic));
    assert.deepEqual(await t.store().read((tx) => tx.resourceById("uni-a1")), nic);
    assert.deepEqual(await t.store().read((tx) => tx.childResources(["uhost-a1", "uhost-a2", ""])), [nic]);
    assert.deepEqual(
      (await t.store().read((tx) => tx.resourcesByIds(A, ["uni-a1", "uhost-b1", "uhost-a2", "nope", "uhost-a2"]))).map(
        (r) => r.resourceId,
      ),
      ["uhost-a2", "uni-a1"],
    );
    await t.store().write((tx) => tx.updateResource("uni-a1", { securityMode: "SecGroup", zone: 0 }));
    const updated = await t.store().read((tx) => tx.resourceById("uni-a1"));
    assert.deepEqual(updated, { ...nic, securityMode: "SecGroup", zone: 0 });
    await t.store().write((tx) => tx.upsertResource({ ...nic, name: "renamed", eip: [] }));
    assert.equal((await t.store().read((tx) => tx.resourceById("uni-a1")))?.name, "renamed");
    await t.store().write((tx) => tx.deleteResource("uni-a1"));
    assert.equal(await t.store().read((tx) => tx.resourceById("uni-a1")), undefined);
    await t.store().write((tx) => tx.deleteResource("uni-a1"));
    await rejectsWith(
      t.store().write((tx) => tx.updateResource("uni-a1", { name: "x" })),
      "not-found",
    );
  });

  it("resources: listResources filters, pages, counts; resourcesOf lists the company", async () => {
    const all = await t.store().read((tx) => tx.listResources(A, {}, PAGE));
    assert.deepEqual(
      all.rows.map((r) => r.resourceId),
      ["uhost-a1", "uhost-a2", "uhost-a3", "uhost-a4"],
    );
    assert.equal(all.total, 4);
    const page = await t.store().read((tx) => tx.listResources(A, { vpcId: "uvnet-a1" }, { offset: 1, limit: 1 }));
    assert.deepEqual(
      page.rows.map((r) => r.resourceId),
      ["uhost-a2"],
    );
    assert.equal(page.total, 3);
    const upm = await t.store().read((tx) => tx.listResources(A, { resourceType: "upm" }, PAGE));
    assert.deepEqual(
      upm.rows.map((r) => r.resourceId),
      ["uhost-a4"],
    );
    const none = await t.store().read((tx) => tx.listResources(A, { vpcId: "uvnet-a1", resourceType: "upm" }, PAGE));
    assert.deepEqual(none, { rows: [], total: 0 });
    assert.equal((await t.store().read((tx) => tx.resourcesOf(B.companyId))).length, 1);
  });

  it("resources: the VPC must exist in the resource's own scope; an id belongs to one company", async () => {
    await rejectsWith(
      t.store().write((tx) => tx.upsertResource(resource("uhost-x", A, "uvnet-b1"))),
      "foreign-key",
    );
    await rejectsWith(
      t.store().write((tx) => tx.upsertResource(resource("uhost-x", A, "uvnet-nope"))),
      "foreign-key",
    );
    await rejectsWith(
      t.store().write((tx) => tx.upsertResource(resource("uhost-a1", B, "uvnet-b1"))),
      "unique",
    );
    await rejectsWith(
      t
        .store()
        .write((tx) =>
          tx.upsertResource({ ...resource("uhost-x", A, "uvnet-a1"), securityMode: "Bogus" as "SecGroup" }),
        ),
      "check",
    );
  });

  it("resources: upsertResources writes many rows in order, updates in place, and takes a repeated id's last row", async () => {
    const rows = Array.from({ length: MANY }, (_, i) =>
      resource(`uhost-m${String(i).padStart(4, "0")}`, A, "uvnet-a1"),
    );
    // Children before parents in the input: the order given is the creation order, nothing is re-sorted.
    const nic = resource("uni-m", A, "uvnet-a1", { resourceType: "uni", superResourceId: "uhost-m0000" });
    await t.store().write((tx) => tx.upsertResources([nic, ...rows]));
    const ids = async () =>
      (await t.store().read((tx) => tx.listResources(A, { vpcId: "uvnet-a1" }, ALL))).rows.map((r) => r.resourceId);
    const expected = ["uhost-a1", "uhost-a2", "uhost-a3", "uni-m", ...rows.map((r) => r.resourceId)];
    assert.deepEqual(await ids(), expected);
    assert.deepEqual(await t.store().read((tx) => tx.resourceById("uhost-m0517")), rows[517]);
    // Again, renamed, with an existing row of the seed world and one id twice (the later row wins).
    const renamed = rows.map((r) => ({ ...r, name: `renamed-${r.resourceId}`, zone: 7 }));
    const a1 = resource("uhost-a1", A, "uvnet-a1", { name: "first" });
    await t.store().write((tx) => tx.upsertResources([a1, ...renamed, { ...a1, name: "second", eip: ["1.1.1.1"] }]));
    assert.deepEqual(await ids(), expected);
    assert.deepEqual(await t.store().read((tx) => tx.resourceById("uhost-m1099")), renamed[MANY - 1]);
    assert.deepEqual(await t.store().read((tx) => tx.resourceById("uhost-a1")), {
      ...a1,
      name: "second",
      eip: ["1.1.1.1"],
    });
    await t.store().write((tx) => tx.upsertResources([]));
  });

  it("resources: upsertResources refuses an id of another company exactly as upsertResource does", async () => {
    const single = await t
      .store()
      .write((tx) => tx.upsertResource(resource("uhost-b1", A, "uvnet-a1")))
      .then(
        () => assert.fail("upsertResource took another company's id"),
        (e: unknown) => e,
      );
    assert.ok(isStoreError(single, "unique"), String(single));
    assert.equal(single.message, "resource uhost-b1 already belongs to another owner");
    const rows = Array.from({ length: MANY }, (_, i) =>
      resource(`uhost-m${String(i).padStart(4, "0")}`, A, "uvnet-a1"),
    );
    for (const at of [0, 700, MANY]) {
      const batch = [...rows.slice(0, at), resource("uhost-b1", A, "uvnet-a1"), ...rows.slice(at)];
      const error = await t
        .store()
        .write((tx) => tx.upsertResources(batch))
        .then(
          () => assert.fail("upsertResources took another company's id"),
          (e: unknown) => e,
        );
      assert.ok(isStoreError(error, "unique"), String(error));
      assert.equal(error.message, single.message);
    }
    // Nothing of the refused writes was kept, and company B's row is untouched.
    assert.equal((await t.store().read((tx) => tx.resourcesOf(A.companyId))).length, 4);
    assert.deepEqual(await t.store().read((tx) => tx.resourceById("uhost-b1")), resource("uhost-b1", B, "uvnet-b1"));
    // Other refusals keep their kinds in a batch too.
    await rejectsWith(
      t.store().write((tx) => tx.upsertResources([...rows, resource("uhost-x", A, "uvnet-b1")])),
      "foreign-key",
    );
    await rejectsWith(
      t.store().write((tx) => tx.upsertResources([...rows, resource("uhost-x", A, "uvnet-a1", { zone: 1.5 })])),
      "check",
    );
    assert.equal((await t.store().read((tx) => tx.resourcesOf(A.companyId))).length, 4);
  });

  it("groups: insert, upsert, lookups, paging, counts, update, delete", async () => {
    await rejectsWith(
      t.store().write((tx) => tx.insertSecGroup(group("secgroup-a1", A, "uvnet-a1"))),
      "unique",
    );
    await t.store().write((tx) => tx.upsertSecGroup(group("secgroup-a2", A, "uvnet-a1", { remark: "r", tag: "t" })));
    const [a2] = await t.store().read((tx) => tx.secGroupsByIds(A, ["secgroup-a2"]));
    assert.deepEqual(a2, group("secgroup-a2", A, "uvnet-a1", { remark: "r", tag: "t" }));
    assert.deepEqual(
      (await t.store().read((tx) => tx.secGroupsByIds(A, ["secgroup-a3", "secgroup-b1", "secgroup-a1"]))).map(
        (g) => g.secGroupId,
      ),
      ["secgroup-a1", "secgroup-a3"],
    );
    const list = await t.store().read((tx) => tx.listSecGroups(A, {}, { offset: 1, limit: 2 }));
    assert.deepEqual(
      list.rows.map((g) => g.secGroupId),
      ["secgroup-a2", "secgroup-a3"],
    );
    assert.equal(list.total, 4);
    const ofVpc = await t.store().read((tx) => tx.listSecGroups(A, { vpcId: "uvnet-a2" }, PAGE));
    assert.deepEqual(
      ofVpc.rows.map((g) => g.secGroupId),
      ["secgroup-a4"],
    );
    assert.equal(ofVpc.total, 1);
    assert.equal(await t.store().read((tx) => tx.countSecGroups(A.companyId)), 4);
    assert.equal((await t.store().read((tx) => tx.secGroupsOf(B.companyId))).length, 1);
    await t.store().write((tx) => tx.updateSecGroup("secgroup-a1", { name: "web" }));
    const [a1] = await t.store().read((tx) => tx.secGroupsByIds(A, ["secgroup-a1"]));
    assert.equal(a1?.name, "web");
    assert.equal(a1?.remark, "");
    await rejectsWith(
      t.store().write((tx) => tx.updateSecGroup("secgroup-zz", { name: "x" })),
      "not-found",
    );
    await t.store().write((tx) => tx.deleteSecGroups(["secgroup-a1", "secgroup-a3", "secgroup-nope"]));
    assert.equal(await t.store().read((tx) => tx.countSecGroups(A.companyId)), 2);
    await rejectsWith(
      t.store().write((tx) => tx.insertSecGroup(group("secgroup-x", A, "uvnet-b1"))),
      "foreign-key",
    );
    await rejectsWith(
      t.store().write((tx) => tx.upsertSecGroup(group("secgroup-b1", A, "uvnet-a1"))),
      "unique",
    );
  });

  it("rules: insert, creation order, replace (priority swap keeps order), delete, cascade with the group", async () => {
    await t
      .store()
      .write((tx) =>
        tx.insertRules([
          rule("r1", "secgroup-a1", 1),
          rule("r2", "secgroup-a1", 2),
          rule("r3", "secgroup-a1", 1, { direction: "Egress", protocolType: "ALL", dstPort: "ALL" }),
          rule("r4", "secgroup-a2", 1, { ruleAction: "Drop", ipVersion: "IPv6", remark: "x" }),
        ]),
      );
    const rules = await t.store().read((tx) => tx.rulesOf(["secgroup-a1", "secgroup-a2"]));
    assert.deepEqual(
      rules.map((r) => r.ruleId),
      ["r1", "r2", "r3", "r4"],
    );
    assert.deepEqual(rules[3], rule("r4", "secgroup-a2", 1, { ruleAction: "Drop", ipVersion: "IPv6", remark: "x" }));
    await t.store().write((tx) => tx.replaceRules([rule("r1", "secgroup-a1", 2), rule("r2", "secgroup-a1", 1)]));
    assert.deepEqual(
      (await t.store().read((tx) => tx.rulesOf(["secgroup-a1"]))).map((r) => [r.ruleId, r.priority]),
      [
        ["r1", 2],
        ["r2", 1],
        ["r3", 1],
      ],
    );
    await t.store().write((tx) => tx.deleteRules(["r2", "nope"]));
    assert.deepEqual(
      (await t.store().read((tx) => tx.rulesOf(["secgroup-a1"]))).map((r) => r.ruleId),
      ["r1", "r3"],
    );
    await t.store().write((tx) => tx.deleteSecGroups(["secgroup-a1"]));
    assert.deepEqual(
      (await t.store().read((tx) => tx.rulesOf(["secgroup-a1", "secgroup-a2"]))).map((r) => r.ruleId),
      ["r4"],
    );
  });

  it("rules: insertRules / replaceRules of more than one statement's worth keep creation order", async () => {
    // 2 groups × 2 directions × 150 priorities.
    const rules: RuleRow[] = [];
    for (let p = 1; p <= 150; p++) {
      for (const secGroupId of ["secgroup-a1", "secgroup-a2"]) {
        for (const direction of ["Ingress", "Egress"] as const) {
          rules.push(rule(`r-${secGroupId}-${direction}-${p}`, secGroupId, p, { direction }));
        }
      }
    }
    await t.store().write((tx) => tx.insertRules(rules));
    const listed = async () =>
      (await t.store().read((tx) => tx.rulesOf(["secgroup-a1", "secgroup-a2"]))).map(
        (r) => `${r.ruleId}@${r.priority}`,
      );
    assert.deepEqual(
      await listed(),
      rules.map((r) => `${r.ruleId}@${r.priority}`),
    );
    // Reverse every priority (each lands on another rule's) and add rules with new ids: replaced rules keep
    // their places, new ones come last.
    const reversed = rules.map((r) => ({ ...r, priority: 151 - r.priority }));
    const added = [rule("r-new-1", "secgroup-a1", 200), rule("r-new-2", "secgroup-a2", 199)];
    await t.store().write((tx) => tx.replaceRules([...added, ...reversed]));
    assert.deepEqual(
      await listed(),
      [...reversed, ...added].map((r) => `${r.ruleId}@${r.priority}`),
    );
    // A clash far into the batch refuses all of it.
    const clash = [...reversed.map((r) => ({ ...r, remark: "changed" })), rule("r-new-3", "secgroup-a1", 1)];
    await rejectsWith(
      t.store().write((tx) => tx.replaceRules(clash)),
      "unique",
    );
    await rejectsWith(
      t
        .store()
        .write((tx) => tx.insertRules([rule("r-new-4", "secgroup-a1", 198), rule("r-new-5", "secgroup-a1", 2.5)])),
      "check",
    );
    const after = await t.store().read((tx) => tx.rulesOf(["secgroup-a1", "secgroup-a2"]));
    assert.equal(after.length, rules.length + 2);
    assert.ok(after.every((r) => r.remark === ""));
  });

  it("rules: the database rejects a duplicate priority per direction, bad priority, bad enums, orphans", async () => {
    await t.store().write((tx) => tx.insertRules([rule("r1", "secgroup-a1", 5)]));
    await rejectsWith(
      t.store().write((tx) => tx.insertRules([rule("r2", "secgroup-a1", 5)])),
      "unique",
    );
    await rejectsWith(
      t.store().write((tx) => tx.insertRules([rule("r2", "secgroup-a1", 201)])),
      "check",
    );
    await rejectsWith(
      t.store().write((tx) => tx.insertRules([rule("r2", "secgroup-a1", 0)])),
      "check",
    );
    await rejectsWith(
      t.store().write((tx) => tx.insertRules([rule("r2", "secgroup-a1", 6, { direction: "Sideways" as "Ingress" })])),
      "check",
    );
    await rejectsWith(
      t.store().write((tx) => tx.insertRules([rule("r2", "secgroup-a1", 6, { ruleAction: "Maybe" as "Drop" })])),
      "check",
    );
    await rejectsWith(
      t.store().write((tx) => tx.insertRules([rule("r2", "secgroup-nope", 6)])),
      "foreign-key",
    );
    await rejectsWith(
      t.store().write((tx) => tx.replaceRules([rule("r9", "secgroup-a1", 6), rule("r1", "secgroup-a1", 6)])),
      "unique",
    );
  });
}
