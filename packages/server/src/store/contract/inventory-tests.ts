// Contract: resources, security groups and rules.
import assert from "node:assert/strict";
import { it } from "node:test";
import { type ContractContext, rejectsWith } from "./context.ts";
import { A, B, group, PAGE, resource, rule } from "./world.ts";

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
