// Contract: regions, keys, companies, projects, users and VPCs.
import assert from "node:assert/strict";
import { it } from "node:test";
import { DEFAULT_REGIONS } from "@sgplane/catalogue";
import { type ContractContext, rejectsWith } from "./context.ts";
import { A, A_SH, B } from "./world.ts";

export function tenantTests(t: ContractContext): void {
  it("regions: setRegions replaces the list and keeps its order; none configured means UCloud's list", async () => {
    assert.deepEqual(await t.store().read((tx) => tx.regions()), ["cn-bj2", "cn-sh2"]);
    await t.store().write((tx) => tx.setRegions(["hk", "cn-bj2", "hk"]));
    assert.deepEqual(await t.store().read((tx) => tx.regions()), ["hk", "cn-bj2"]);
    await t.store().write((tx) => tx.setRegions([]));
    assert.deepEqual(await t.store().read((tx) => tx.regions()), DEFAULT_REGIONS);
  });

  it("keys: operator, main account and sub-account records; unknown key", async () => {
    await t.store().write(async (tx) => {
      await tx.upsertOperatorKey("op-pub", "op-priv");
      await tx.upsertUser(A.companyId, { name: "root", subAccount: false, projects: [] });
      await tx.upsertUser(A.companyId, { name: "dev", subAccount: true, projects: ["org-a2", "org-a1"] });
      await tx.upsertKey(A.companyId, "root", "root-pub", "root-priv");
      await tx.upsertKey(A.companyId, "dev", "dev-pub", "dev-priv");
    });
    const [op, root, dev, none] = await t
      .store()
      .read((tx) => Promise.all(["op-pub", "root-pub", "dev-pub", "nope"].map((k) => tx.findKey(k))));
    assert.deepEqual(op, {
      publicKey: "op-pub",
      privateKey: "op-priv",
      operator: true,
      companyId: null,
      userName: null,
      subAccount: false,
      projects: [],
    });
    assert.deepEqual(root, {
      publicKey: "root-pub",
      privateKey: "root-priv",
      operator: false,
      companyId: A.companyId,
      userName: "root",
      subAccount: false,
      projects: [],
    });
    assert.equal(dev?.subAccount, true);
    assert.deepEqual(dev?.projects, ["org-a2", "org-a1"]);
    assert.equal(none, undefined);
  });

  it("keys: re-upsert changes the private key; a key cannot change owner; grants must name own projects", async () => {
    await t.store().write(async (tx) => {
      await tx.upsertOperatorKey("op-pub", "v1");
      await tx.upsertOperatorKey("op-pub", "v2");
      await tx.upsertUser(A.companyId, { name: "root", subAccount: false, projects: [] });
      await tx.upsertUser(B.companyId, { name: "root", subAccount: false, projects: [] });
      await tx.upsertKey(A.companyId, "root", "a-pub", "a1");
      await tx.upsertKey(A.companyId, "root", "a-pub", "a2");
    });
    assert.equal((await t.store().read((tx) => tx.findKey("op-pub")))?.privateKey, "v2");
    assert.equal((await t.store().read((tx) => tx.findKey("a-pub")))?.privateKey, "a2");
    await rejectsWith(
      t.store().write((tx) => tx.upsertKey(B.companyId, "root", "a-pub", "x")),
      "unique",
    );
    await rejectsWith(
      t.store().write((tx) => tx.upsertKey(A.companyId, "root", "op-pub", "x")),
      "unique",
    );
    await rejectsWith(
      t.store().write((tx) => tx.upsertOperatorKey("a-pub", "x")),
      "unique",
    );
    await rejectsWith(
      t.store().write((tx) => tx.upsertKey(A.companyId, "ghost", "g-pub", "x")),
      "foreign-key",
    );
    await rejectsWith(
      t.store().write((tx) => tx.upsertUser(A.companyId, { name: "dev", subAccount: true, projects: [B.projectId] })),
      "foreign-key",
    );
  });

  it("users: usersOf returns the seed shape with keys and grants in order", async () => {
    await t.store().write(async (tx) => {
      await tx.upsertUser(A.companyId, { name: "root", subAccount: false, projects: [] });
      await tx.upsertUser(A.companyId, { name: "dev", subAccount: true, projects: ["org-a1"] });
      await tx.upsertKey(A.companyId, "root", "k2", "p2");
      await tx.upsertKey(A.companyId, "dev", "k3", "p3");
      await tx.upsertKey(A.companyId, "root", "k1", "p1");
      // Re-upserting replaces the grants.
      await tx.upsertUser(A.companyId, { name: "dev", subAccount: true, projects: ["org-a2", "org-a1"] });
    });
    assert.deepEqual(await t.store().read((tx) => tx.usersOf(A.companyId)), [
      {
        Name: "root",
        SubAccount: false,
        Keys: [
          { PublicKey: "k2", PrivateKey: "p2" },
          { PublicKey: "k1", PrivateKey: "p1" },
        ],
      },
      { Name: "dev", SubAccount: true, Projects: ["org-a2", "org-a1"], Keys: [{ PublicKey: "k3", PrivateKey: "p3" }] },
    ]);
    assert.deepEqual(await t.store().read((tx) => tx.usersOf(B.companyId)), []);
  });

  it("companies: defaults, partial setQuotas, policy, order; bad quota is a CHECK violation", async () => {
    const a = await t.store().read((tx) => tx.company(A.companyId));
    assert.deepEqual(a, {
      companyId: A.companyId,
      name: "company-1001",
      defaultProjectId: "org-a1",
      quotas: { SecGroupsPerCompany: 50, SecGroupsPerResource: 5, ResourcesPerSecGroup: 500, RulesPerDirection: 50 },
      notBoundPolicy: "Ignore",
    });
    await t.store().write(async (tx) => {
      await tx.setQuotas(A.companyId, { SecGroupsPerResource: 2, RulesPerDirection: 3 }, "Error");
      await tx.setQuotas(A.companyId, { SecGroupsPerCompany: 7 });
      await tx.upsertCompany({ companyId: A.companyId, name: "renamed" });
    });
    const after = await t.store().read((tx) => tx.company(A.companyId));
    assert.equal(after?.name, "renamed");
    assert.deepEqual(after?.quotas, {
      SecGroupsPerCompany: 7,
      SecGroupsPerResource: 2,
      ResourcesPerSecGroup: 500,
      RulesPerDirection: 3,
    });
    assert.equal(after?.notBoundPolicy, "Error");
    const all = await t.store().read((tx) => tx.companies());
    assert.deepEqual(
      all.map((c) => c.companyId),
      [A.companyId, B.companyId],
    );
    assert.equal(await t.store().read((tx) => tx.company(9999)), undefined);
    await rejectsWith(
      t.store().write((tx) => tx.setQuotas(A.companyId, { SecGroupsPerResource: 6 })),
      "check",
    );
    await rejectsWith(
      t.store().write((tx) => tx.setQuotas(9999, {})),
      "not-found",
    );
  });

  it("projects: default first; a new default takes over; a project id belongs to one company", async () => {
    assert.deepEqual(await t.store().read((tx) => tx.projectsOf(A.companyId)), [
      { projectId: "org-a1", name: "org-a1", isDefault: true },
      { projectId: "org-a2", name: "org-a2", isDefault: false },
    ]);
    await t.store().write((tx) => tx.upsertProject(A.companyId, { projectId: "org-a2", name: "two", isDefault: true }));
    assert.deepEqual(await t.store().read((tx) => tx.projectsOf(A.companyId)), [
      { projectId: "org-a2", name: "two", isDefault: true },
      { projectId: "org-a1", name: "org-a1", isDefault: false },
    ]);
    assert.equal((await t.store().read((tx) => tx.company(A.companyId)))?.defaultProjectId, "org-a2");
    await rejectsWith(
      t.store().write((tx) => tx.upsertProject(B.companyId, { projectId: "org-a1", name: "steal", isDefault: false })),
      "unique",
    );
    await rejectsWith(
      t.store().write((tx) => tx.upsertProject(9999, { projectId: "org-x", name: "x", isDefault: true })),
      "foreign-key",
    );
  });

  it("vpcs: scoped lookup, vpcsOf in creation order; scope must match a project of the company", async () => {
    assert.equal((await t.store().read((tx) => tx.vpc(A, "uvnet-a1")))?.name, "a1");
    for (const other of [B, A_SH, { ...A, projectId: "org-a2" }]) {
      assert.equal(await t.store().read((tx) => tx.vpc(other, "uvnet-a1")), undefined);
    }
    assert.deepEqual(
      (await t.store().read((tx) => tx.vpcsOf(A.companyId))).map((v) => v.vpcId),
      ["uvnet-a1", "uvnet-a2", "uvnet-ash", "uvnet-ap2"],
    );
    await t.store().write((tx) => tx.upsertVpc({ vpcId: "uvnet-a1", ...A, name: "renamed" }));
    assert.equal((await t.store().read((tx) => tx.vpc(A, "uvnet-a1")))?.name, "renamed");
    await rejectsWith(
      t.store().write((tx) => tx.upsertVpc({ vpcId: "uvnet-a1", ...B, name: "steal" })),
      "unique",
    );
    await rejectsWith(
      t.store().write((tx) => tx.upsertVpc({ vpcId: "uvnet-x", ...A, projectId: B.projectId, name: "x" })),
      "foreign-key",
    );
  });
}
