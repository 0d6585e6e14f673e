// CreateSecGroup, UpdateSecGroup, DeleteSecGroup, CopySecGroup (§3.2–3.4, §3.16) over signed HTTP, every error.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  B_GROUP,
  CO_A,
  type CompanyState,
  Family,
  KEY_A,
  KEY_A_DEV,
  PROJECT_A1,
  PROJECT_A2,
  ruleSpec,
  shapeOf,
  VPC_P2,
  VPC_SH,
  VPC1,
  VPC2,
  type WorldSpec,
  world,
} from "./family-world.ts";
import { startServer } from "./harness.ts";

let fam: Family;
before(async () => {
  fam = new Family(await startServer());
});
after(async () => {
  await fam.server.stop();
});

const [S1, S2, S3] = ["secgroup-sg-s1", "secgroup-sg-s2", "secgroup-sg-s3"];
const H1 = "uhost-sg-h1";
const H2 = "uhost-sg-h2";
const BASE: WorldSpec = {
  resources: [{ id: H1 }, { id: H2 }],
  groups: [
    { id: S1, name: "one", rules: [ruleSpec(1, { Remark: "ssh" }), ruleSpec(2, { IPRange: S1, DstPort: "80,443" })] },
    { id: S2, name: "two" },
    { id: S3, name: "three", vpc: VPC2 },
  ],
  bindings: [
    [H1, S1, 1],
    [H2, S1, 1],
  ],
};

const call = (action: string, params: Record<string, unknown>) => fam.server.client(KEY_A).call(action, params);
const groupOf = (state: CompanyState, id: string) => state.SecGroups.find((g) => g.SecGroupId === id);
type Described = { DataSet: Record<string, unknown>[]; TotalCount: number };
const describeOne = async (id: string, options = {}) =>
  (await fam.server.client(KEY_A, options).call<Described>("DescribeSecGroup", { SecGroupId: [id] })).DataSet[0];

describe("CreateSecGroup", () => {
  it("Go style (form, VPCID, ?Action=): a new empty 'user defined' group with the defaults of §3.2/§3.17", async () => {
    await fam.use(world(BASE));
    const t0 = Math.floor(Date.now() / 1000);
    const res = await fam.server
      .client(KEY_A, { actionInQuery: true })
      .send("CreateSecGroup", { Name: "测试-安全组 1", VPCID: VPC1 });
    assert.deepEqual(Object.keys(res.body).sort(), ["Action", "RetCode", "SecGroupId"]);
    const id = String(res.body.SecGroupId);
    assert.match(id, /^secgroup-[0-9a-z]{8}$/);
    const info = await describeOne(id);
    assert.ok(info);
    const { CreateTime, ...rest } = info;
    assert.deepEqual(rest, {
      SecGroupId: id,
      Name: "测试-安全组 1",
      VPCId: VPC1,
      Account: CO_A,
      Tag: "Default",
      Remark: "",
      Type: "user defined",
      Rule: [],
    });
    assert.ok(typeof CreateTime === "number" && CreateTime >= t0 - 1 && CreateTime <= t0 + 60, "Unix seconds");
  });

  it("JS style (flat JSON, VPCId spelling) with Tag, Remark and the web template", async () => {
    await fam.use(world(BASE));
    const { SecGroupId } = await fam.server
      .client(KEY_A, { encoding: "json" })
      .call<{ SecGroupId: string }>("CreateSecGroup", {
        Name: "web",
        VPCId: VPC2,
        Tag: "biz",
        Remark: "made by test",
        SecGroupRecommendation: "web",
      });
    const info = await describeOne(SecGroupId);
    assert.equal(info?.Type, "recommend web");
    assert.equal(info?.Tag, "biz");
    assert.equal(info?.Remark, "made by test");
    assert.equal(info?.VPCId, VPC2);
    const rules = info?.Rule as { Direction: string; ProtocolType: string; DstPort: string; Priority: number }[];
    const ports = rules.filter((r) => r.Direction === "Ingress" && r.ProtocolType === "TCP").map((r) => r.DstPort);
    assert.deepEqual(ports.sort(), ["22", "3389", "443", "80"].sort());
    assert.ok(rules.some((r) => r.Direction === "Ingress" && r.ProtocolType === "ICMP"));
    assert.ok(rules.some((r) => r.Direction === "Egress" && r.ProtocolType === "ALL"));
    for (const dir of ["Ingress", "Egress"]) {
      const ps = rules.filter((r) => r.Direction === dir).map((r) => r.Priority);
      assert.equal(new Set(ps).size, ps.length, `${dir} priorities unique`);
    }
  });

  it("the VPC key is matched case-insensitively (VPCID, VPCId, vpcid)", async () => {
    await fam.use(world(BASE));
    const { SecGroupId } = await call("CreateSecGroup", { Name: "lower", vpcid: VPC2 });
    assert.equal((await describeOne(String(SecGroupId)))?.VPCId, VPC2);
  });

  it("noweb template: 'recommend non web' and no rules", async () => {
    await fam.use(world(BASE));
    const { SecGroupId } = await call("CreateSecGroup", { Name: "x", VPCID: VPC1, SecGroupRecommendation: "noweb" });
    const info = await describeOne(String(SecGroupId));
    assert.equal(info?.Type, "recommend non web");
    assert.deepEqual(info?.Rule, []);
  });

  it("220 without Name or VPCID; 230 for a 65-character Name or an unknown template", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => call("CreateSecGroup", { VPCID: VPC1 }), 220, "Missing params [Name]");
    await fam.failsUnchanged(() => call("CreateSecGroup", { VPCID: VPC1, Name: "" }), 220, "[Name]");
    await fam.failsUnchanged(() => call("CreateSecGroup", { Name: "n" }), 220, "Missing params [VPCID]");
    await fam.failsUnchanged(() => call("CreateSecGroup", { VPCID: VPC1, Name: "n".repeat(65) }), 230, "[Name]");
    await call("CreateSecGroup", { VPCID: VPC1, Name: "n".repeat(64) });
    // Length is counted in characters, not bytes.
    await call("CreateSecGroup", { VPCID: VPC1, Name: "安".repeat(64) });
    await fam.failsUnchanged(() => call("CreateSecGroup", { VPCID: VPC1, Name: "安".repeat(65) }), 230, "[Name]");
    await fam.failsUnchanged(
      () => call("CreateSecGroup", { VPCID: VPC1, Name: "n", SecGroupRecommendation: "fancy" }),
      230,
      "[SecGroupRecommendation]",
    );
  });

  it("8039 for an unknown VPC, another company's, or one outside the caller's project/region", async () => {
    await fam.use(world(BASE));
    const unknown = await fam.failsUnchanged(() => call("CreateSecGroup", { Name: "n", VPCID: "uvnet-nope" }), 8039);
    assert.equal(unknown, "VPC [uvnet-nope] not exist");
    const theirs = await fam.failsUnchanged(() => call("CreateSecGroup", { Name: "n", VPCID: "uvnet-fam-b1" }), 8039);
    assert.equal(shapeOf(theirs, "uvnet-fam-b1"), shapeOf(unknown, "uvnet-nope"));
    await fam.failsUnchanged(() => call("CreateSecGroup", { Name: "n", VPCID: VPC_P2 }), 8039, VPC_P2);
    await fam.failsUnchanged(() => call("CreateSecGroup", { Name: "n", VPCID: VPC_SH }), 8039, VPC_SH);
  });

  it("58201 at the company quota (groups in every project and region count)", async () => {
    await fam.use(world({ ...BASE, groups: [...(BASE.groups ?? []), { id: "secgroup-sg-p2", vpc: VPC_P2 }] }));
    await fam.admin().call("AdminSetQuota", { CompanyId: CO_A, SecGroupsPerCompany: 5 });
    await call("CreateSecGroup", { Name: "fifth", VPCID: VPC1 });
    await fam.failsUnchanged(() => call("CreateSecGroup", { Name: "sixth", VPCID: VPC1 }), 58201, "limit is 5");
  });

  it("58202 when the web template's rules exceed RulesPerDirection, naming the group by its Name (it has no id yet)", async () => {
    await fam.use(world(BASE));
    await fam.admin().call("AdminSetQuota", { CompanyId: CO_A, RulesPerDirection: 3 });
    const web = { Name: "front", VPCID: VPC1, SecGroupRecommendation: "web" };
    const message = await fam.failsUnchanged(() => call("CreateSecGroup", web), 58202, "[Ingress]", "limit is 3");
    assert.match(message, /in \[new SecGroup "front"\]$/);
    assert.doesNotMatch(message, /secgroup-/, "no id of a group that was never created");
    await call("CreateSecGroup", { ...web, SecGroupRecommendation: "noweb" });
  });
});

describe("UpdateSecGroup", () => {
  it("changes Name and Remark of one group; empty fields stay unchanged", async () => {
    await fam.use(world(BASE));
    const res = await fam.server
      .client(KEY_A)
      .send("UpdateSecGroup", { SecGroupId: S2, Name: "new-name", Remark: "new remark" });
    assert.deepEqual(res.body, { Action: "UpdateSecGroupResponse", RetCode: 0 }, "no SecGroupId in the response");
    let g = groupOf(await fam.company(), S2);
    assert.deepEqual([g?.Name, g?.Remark, g?.Tag], ["new-name", "new remark", "Default"]);
    await fam.server.client(KEY_A, { encoding: "json" }).call("UpdateSecGroup", { SecGroupId: S2, Name: "", Tag: "t" });
    g = groupOf(await fam.company(), S2);
    assert.deepEqual([g?.Name, g?.Remark, g?.Tag], ["new-name", "new remark", "t"]);
  });

  it("applies to every listed group (SecGroupId.N and a JSON-array string)", async () => {
    await fam.use(world(BASE));
    await call("UpdateSecGroup", { SecGroupId: [S1, S2], Remark: "both" });
    await call("UpdateSecGroup", { SecGroupId: JSON.stringify([S2, S3]), Tag: "tagged" });
    const state = await fam.company();
    assert.deepEqual(
      [S1, S2, S3].map((id) => [groupOf(state, id)?.Remark, groupOf(state, id)?.Tag]),
      [
        ["both", "Default"],
        ["both", "tagged"],
        ["", "tagged"],
      ],
    );
  });

  it("220 without Name/Remark/Tag or SecGroupId; 230 for a long Name; 8039 names only the unknown ids", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => call("UpdateSecGroup", { SecGroupId: S1 }), 220, "Missing params [Name]");
    await fam.failsUnchanged(() => call("UpdateSecGroup", { SecGroupId: S1, Name: "", Remark: "" }), 220, "[Name]");
    await fam.failsUnchanged(() => call("UpdateSecGroup", { Name: "x" }), 220, "Missing params [SecGroupId]");
    await fam.failsUnchanged(() => call("UpdateSecGroup", { SecGroupId: S1, Name: "x".repeat(65) }), 230, "[Name]");
    const msg = await fam.failsUnchanged(
      () => call("UpdateSecGroup", { SecGroupId: [S1, "secgroup-sg-x", B_GROUP], Name: "renamed" }),
      8039,
      "secgroup-sg-x",
      B_GROUP,
    );
    assert.equal(msg.includes(S1), false);
  });
});

describe("DeleteSecGroup", () => {
  it("deletes every listed group with its rules (Go JSON encoder)", async () => {
    await fam.use(world({ ...BASE, bindings: [] }));
    await fam.server
      .client(KEY_A, { encoding: "json-nested", actionInQuery: true })
      .call("DeleteSecGroup", { SecGroupId: [S1, S2] });
    const state = await fam.company();
    assert.deepEqual(
      state.SecGroups.map((g) => g.SecGroupId),
      [S3],
    );
    const described = await call("DescribeSecGroup", { SecGroupId: [S1, S2] });
    assert.deepEqual(described.DataSet, []);
    assert.equal(described.TotalCount, 0);
  });

  it("220 without ids; 8039 (nothing deleted) when any id is unknown or another company's", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => call("DeleteSecGroup", {}), 220, "Missing params [SecGroupId]");
    const msg = await fam.failsUnchanged(() => call("DeleteSecGroup", { SecGroupId: [S2, "secgroup-sg-x"] }), 8039);
    assert.equal(msg, "SecGroup [secgroup-sg-x] not exist");
    await fam.failsUnchanged(() => call("DeleteSecGroup", { SecGroupId: [B_GROUP] }), 8039, B_GROUP);
  });

  it("58207 while bound, naming the bound group; deletable after unbinding", async () => {
    await fam.use(world(BASE));
    const msg = await fam.failsUnchanged(
      () => call("DeleteSecGroup", { SecGroupId: [S2, S1] }),
      58207,
      `SecGroup [${S1}] is in use by 2 resource(s)`,
    );
    assert.equal(msg.includes(S2), false);
    await call("DisassociateSecGroup", { SecGroupId: [S1], Force: true });
    await call("DeleteSecGroup", { SecGroupId: [S1, S2] });
    assert.deepEqual(
      (await fam.company()).SecGroups.map((g) => g.SecGroupId),
      [S3],
    );
  });
});

describe("CopySecGroup", () => {
  const inA1 = () => fam.server.client(KEY_A, { projectId: PROJECT_A1 });
  const copy = (params: Record<string, unknown>, client = inA1()) =>
    client.call<{ SecGroupId: string; RuleID: string[] }>("CopySecGroup", params);
  const toSh = { SecGroupId: S1, DstRegion: "cn-sh2", DstProjectId: PROJECT_A1, DstVPCId: VPC_SH };

  it("copies the group and its rules (new rule ids, self-references follow) into another region", async () => {
    await fam.use(world(BASE));
    const out = await copy({ ...toSh, DstRemark: "copied" });
    assert.match(out.SecGroupId, /^secgroup-[0-9a-z]{8}$/);
    assert.ok(Array.isArray(out.RuleID) && out.RuleID.length === 2 && out.RuleID.every((r) => typeof r === "string"));
    const state = await fam.company();
    const src = groupOf(state, S1);
    const dst = groupOf(state, out.SecGroupId);
    assert.ok(src && dst);
    assert.deepEqual(
      [dst.Region, dst.ProjectId, dst.VPCId, dst.Name, dst.Remark],
      ["cn-sh2", PROJECT_A1, VPC_SH, "one", "copied"],
    );
    assert.deepEqual(dst.Rules.map((r) => r.RuleId).sort(), [...out.RuleID].sort());
    assert.equal(
      dst.Rules.some((r) => src.Rules.some((s) => s.RuleId === r.RuleId)),
      false,
    );
    const strip = (rules: CompanyState["SecGroups"][number]["Rules"], self: string) =>
      rules
        .map(({ RuleId: _id, ...r }) => ({ ...r, IPRange: r.IPRange.replace(self, "<self>") }))
        .sort((a, b) => a.Priority - b.Priority);
    assert.deepEqual(strip(dst.Rules, dst.SecGroupId), strip(src.Rules, S1));
    assert.ok(
      dst.Rules.some((r) => r.IPRange === dst.SecGroupId),
      "the self-reference names the copy",
    );
    const seen = await fam.server
      .client(KEY_A, { region: "cn-sh2" })
      .call<{ DataSet: { SecGroupId: string }[] }>("DescribeSecGroup", {});
    assert.deepEqual(
      seen.DataSet.map((g) => g.SecGroupId),
      [out.SecGroupId],
    );
    assert.equal(groupOf(state, S1)?.Rules.length, 2, "the source is untouched");
  });

  it("into another project with a new name; bindings are not copied", async () => {
    await fam.use(world(BASE));
    const out = await copy({
      SecGroupId: S1,
      DstRegion: "cn-bj2",
      DstProjectId: PROJECT_A2,
      DstVPCId: VPC_P2,
      DstName: "c",
    });
    const dst = groupOf(await fam.company(), out.SecGroupId);
    assert.deepEqual([dst?.ProjectId, dst?.Name], [PROJECT_A2, "c"]);
    assert.deepEqual(await fam.bindings(), [`${H1}/${S1}@1`, `${H2}/${S1}@1`]);
    const empty = await copy({ ...toSh, SecGroupId: S2 });
    assert.deepEqual(empty.RuleID, [], "a group without rules copies with RuleID []");
  });

  it("220 without ProjectId or a Dst* parameter; 230 for an unknown region or a long DstName", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => copy(toSh, fam.server.client(KEY_A)), 220, "Missing params [ProjectId]");
    for (const name of ["SecGroupId", "DstRegion", "DstProjectId", "DstVPCId"] as const) {
      const { [name]: _dropped, ...rest } = toSh;
      await fam.failsUnchanged(() => copy(rest), 220, `Missing params [${name}]`);
    }
    await fam.failsUnchanged(() => copy({ ...toSh, DstRegion: "mars-1" }), 230, "[DstRegion]");
    await fam.failsUnchanged(() => copy({ ...toSh, DstName: "n".repeat(65) }), 230, "[DstName]");
  });

  it("8039 for an unknown or foreign source or destination VPC; 292 for a foreign project; 299 for an ungranted one", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => copy({ ...toSh, SecGroupId: "secgroup-sg-x" }), 8039, "SecGroup [secgroup-sg-x]");
    await fam.failsUnchanged(() => copy({ ...toSh, SecGroupId: B_GROUP }), 8039, `SecGroup [${B_GROUP}] not exist`);
    await fam.failsUnchanged(() => copy({ ...toSh, DstVPCId: "uvnet-nope" }), 8039, "VPC [uvnet-nope]");
    await fam.failsUnchanged(() => copy({ ...toSh, DstVPCId: VPC1 }), 8039, `VPC [${VPC1}]`);
    await fam.failsUnchanged(() => copy({ ...toSh, DstVPCId: "uvnet-fam-b1" }), 8039, "uvnet-fam-b1");
    await fam.failsUnchanged(() => copy({ ...toSh, DstProjectId: "org-fam-b1" }), 292, "org-fam-b1");
    const dev = fam.server.client(KEY_A_DEV, { projectId: PROJECT_A1 });
    await fam.failsUnchanged(
      () => copy({ ...toSh, DstRegion: "cn-bj2", DstProjectId: PROJECT_A2, DstVPCId: VPC_P2 }, dev),
      299,
      PROJECT_A2,
    );
    await copy(toSh, dev);
  });

  it("58201 at the company quota", async () => {
    await fam.use(world({ ...BASE, quotas: { SecGroupsPerCompany: 3 } }));
    await fam.failsUnchanged(() => copy(toSh), 58201, "limit is 3");
  });
});
