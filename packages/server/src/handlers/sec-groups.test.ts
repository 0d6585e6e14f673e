// Handler tests of CreateSecGroup, DescribeSecGroup, UpdateSecGroup, DeleteSecGroup and CopySecGroup.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { rejectsApiError } from "../domain/assert-api-error.ts";
import { copySecGroup } from "./copy-sec-group.ts";
import { createSecGroup } from "./create-sec-group.ts";
import { deleteSecGroup } from "./delete-sec-group.ts";
import { describeSecGroup } from "./describe-sec-group.ts";
import { groupRow, NOW, resourceRow, ruleRow, SCOPE, type TestEnv, testEnv } from "./test-env.ts";
import { updateSecGroup } from "./update-sec-group.ts";

let env: TestEnv;
beforeEach(async () => {
  env = await testEnv();
});
afterEach(() => env.close());

const describeAll = (input: Parameters<typeof describeSecGroup>[0] = {}) => describeSecGroup(input, env.ctx);

describe("CreateSecGroup", () => {
  it("creates a user-defined group with defaults, visible in DescribeSecGroup with every field", async () => {
    const { SecGroupId } = await createSecGroup({ VPCID: "uvnet-main", Name: "web" }, env.ctx);
    assert.match(SecGroupId, /^secgroup-/);
    const { DataSet, TotalCount } = await describeAll({ SecGroupId: [SecGroupId] });
    assert.equal(TotalCount, 1);
    assert.deepEqual(DataSet, [
      {
        SecGroupId,
        Name: "web",
        VPCId: "uvnet-main",
        Account: SCOPE.companyId,
        Tag: "Default",
        Remark: "",
        Type: "user defined",
        CreateTime: NOW,
        Rule: [],
      },
    ]);
  });

  it("web template: recommend web type and its rules, Ingress first; noweb: no rules", async () => {
    const web = await createSecGroup(
      { VPCID: "uvnet-main", Name: "w", SecGroupRecommendation: "web", Tag: "biz", Remark: "r" },
      env.ctx,
    );
    const noweb = await createSecGroup({ VPCID: "uvnet-main", Name: "n", SecGroupRecommendation: "noweb" }, env.ctx);
    const { DataSet } = await describeAll({ SecGroupId: [web.SecGroupId, noweb.SecGroupId] });
    const [w, n] = DataSet;
    assert.equal(w?.Type, "recommend web");
    assert.equal(w?.Tag, "biz");
    assert.equal(w?.Remark, "r");
    assert.deepEqual(
      w?.Rule.map((r) => `${r.Direction} ${r.ProtocolType} ${r.DstPort} ${r.Priority}`),
      [
        "Ingress TCP 22 1",
        "Ingress TCP 3389 2",
        "Ingress TCP 80 3",
        "Ingress TCP 443 4",
        "Ingress ICMP ALL 5",
        "Ingress ALL ALL 6",
        "Egress ALL ALL 7",
      ],
    );
    assert.equal(n?.Type, "recommend non web");
    assert.deepEqual(n?.Rule, []);
  });

  it("unknown VPC, or one of another project/company → 8039", async () => {
    await rejectsApiError(createSecGroup({ VPCID: "uvnet-nope", Name: "x" }, env.ctx), "VPCNotFound", "uvnet-nope");
    await rejectsApiError(createSecGroup({ VPCID: "uvnet-side", Name: "x" }, env.ctx), "VPCNotFound");
    await rejectsApiError(createSecGroup({ VPCID: "uvnet-other", Name: "x" }, env.ctx), "VPCNotFound");
  });

  it("company quota → 58201", async () => {
    await env.setQuotas({ SecGroupsPerCompany: 1 });
    await createSecGroup({ VPCID: "uvnet-main", Name: "one" }, env.ctx);
    await rejectsApiError(createSecGroup({ VPCID: "uvnet-main", Name: "two" }, env.ctx), "SecGroupQuotaExceeded", "1");
  });
});

describe("DescribeSecGroup", () => {
  beforeEach(async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `g${String(i).padStart(2, "0")}`);
    await env.addGroups(...ids.map((id, i) => groupRow(id, { vpcId: i % 5 === 0 ? "uvnet-second" : "uvnet-main" })));
    await env.addRules(
      ruleRow("r-e1", "g00", 1, { direction: "Egress" }),
      ruleRow("r-i9", "g00", 9),
      ruleRow("r-i2", "g00", 2, { protocolType: "ICMP", dstPort: "ALL" }),
    );
  });

  it("pages with Limit 20 by default and counts before paging", async () => {
    const first = await describeAll();
    assert.equal(first.TotalCount, 25);
    assert.equal(first.DataSet.length, 20);
    assert.equal(first.DataSet[0]?.SecGroupId, "g00");
    const rest = await describeAll({ Offset: 20, Limit: 0 });
    assert.deepEqual(
      rest.DataSet.map((g) => g.SecGroupId),
      ["g20", "g21", "g22", "g23", "g24"],
    );
    const two = await describeAll({ Offset: 1, Limit: 2 });
    assert.deepEqual(
      two.DataSet.map((g) => g.SecGroupId),
      ["g01", "g02"],
    );
  });

  it("filters by VPC", async () => {
    const { DataSet, TotalCount } = await describeAll({ VPCId: "uvnet-second" });
    assert.equal(TotalCount, 5);
    assert.deepEqual(
      DataSet.map((g) => g.SecGroupId),
      ["g00", "g05", "g10", "g15", "g20"],
    );
  });

  it("by ids: unknown and foreign ids skipped, paging ignored", async () => {
    const { DataSet, TotalCount } = await describeAll({
      SecGroupId: ["g03", "nope", "secgroup-other", "g01"],
      Limit: 1,
    });
    assert.equal(TotalCount, 2);
    assert.deepEqual(
      DataSet.map((g) => g.SecGroupId),
      ["g01", "g03"],
    );
  });

  it("rules: Ingress first, then by priority, every field typed", async () => {
    const { DataSet } = await describeAll({ SecGroupId: ["g00"] });
    assert.deepEqual(
      DataSet[0]?.Rule.map((r) => r.RuleId),
      ["r-i2", "r-i9", "r-e1"],
    );
    assert.deepEqual(DataSet[0]?.Rule[0], {
      RuleId: "r-i2",
      Direction: "Ingress",
      IPRange: "0.0.0.0/0",
      Priority: 2,
      ProtocolType: "ICMP",
      DstPort: "ALL",
      RuleAction: "Accept",
      Remark: "",
      IPVersion: "IPv4",
    });
  });

  it("an empty scope answers an empty DataSet", async () => {
    const { DataSet, TotalCount } = await describeSecGroup({}, { ...env.ctx, scope: { ...SCOPE, region: "cn-sh2" } });
    assert.deepEqual(DataSet, []);
    assert.equal(TotalCount, 0);
  });
});

describe("UpdateSecGroup", () => {
  beforeEach(() => env.addGroups(groupRow("a", { remark: "old", tag: "t0" }), groupRow("b")));

  it("changes only the given fields, on every listed group", async () => {
    await updateSecGroup({ SecGroupId: ["a", "b"], Name: "renamed" }, env.ctx);
    await updateSecGroup({ SecGroupId: ["b"], Tag: "biz", Remark: "new" }, env.ctx);
    const { DataSet } = await describeAll({ SecGroupId: ["a", "b"] });
    assert.deepEqual(
      DataSet.map((g) => [g.Name, g.Remark, g.Tag]),
      [
        ["renamed", "old", "t0"],
        ["renamed", "new", "biz"],
      ],
    );
  });

  it("nothing to change → 220 Missing params [Name]; unknown group → 8039, nothing changed", async () => {
    await rejectsApiError(updateSecGroup({ SecGroupId: ["a"] }, env.ctx), "MissingParams", "[Name]");
    await rejectsApiError(updateSecGroup({ SecGroupId: ["a", "zz"], Name: "x" }, env.ctx), "SecGroupNotFound", "[zz]");
    await rejectsApiError(updateSecGroup({ SecGroupId: ["secgroup-other"], Name: "x" }, env.ctx), "SecGroupNotFound");
    const { DataSet } = await describeAll({ SecGroupId: ["a"] });
    assert.equal(DataSet[0]?.Name, "name-a");
  });
});

describe("DeleteSecGroup", () => {
  beforeEach(async () => {
    await env.addGroups(groupRow("a"), groupRow("b"), groupRow("c"));
    await env.addRules(ruleRow("ra", "a", 1));
    await env.addResources(resourceRow("h1"));
    await env.bind(["h1", "c", 1]);
  });

  it("deletes groups and their rules", async () => {
    await deleteSecGroup({ SecGroupId: ["a", "b"] }, env.ctx);
    const { DataSet } = await describeAll();
    assert.deepEqual(
      DataSet.map((g) => g.SecGroupId),
      ["c"],
    );
    assert.deepEqual(await env.store.read((tx) => tx.rulesOf(["a"])), []);
  });

  it("a bound group → 58207 naming it, nothing deleted", async () => {
    await rejectsApiError(deleteSecGroup({ SecGroupId: ["a", "c"] }, env.ctx), "SecGroupInUse", "SecGroup [c]");
    assert.equal((await describeAll()).TotalCount, 3);
  });

  it("unknown or foreign → 8039, nothing deleted; empty list → 220", async () => {
    await rejectsApiError(deleteSecGroup({ SecGroupId: ["a", "zz"] }, env.ctx), "SecGroupNotFound", "zz");
    await rejectsApiError(deleteSecGroup({ SecGroupId: ["secgroup-other"] }, env.ctx), "SecGroupNotFound");
    await rejectsApiError(deleteSecGroup({ SecGroupId: [] }, env.ctx), "MissingParams", "SecGroupId");
    assert.equal((await describeAll()).TotalCount, 3);
  });
});

describe("CopySecGroup", () => {
  beforeEach(async () => {
    await env.addGroups(groupRow("src", { remark: "orig", tag: "biz" }));
    await env.addRules(
      ruleRow("r1", "src", 1),
      ruleRow("r2", "src", 1, { direction: "Egress", ipRange: "src" }),
      ruleRow("r3", "src", 5, { dstPort: "80,443" }),
    );
  });

  const copy = (input: Partial<Parameters<typeof copySecGroup>[0]>, ctx = env.ctx) =>
    copySecGroup(
      { SecGroupId: "src", DstRegion: "cn-sh2", DstProjectId: SCOPE.projectId, DstVPCId: "uvnet-sh", ...input },
      ctx,
    );

  it("copies the group and its rules with new ids into the destination scope", async () => {
    const out = await copy({ DstName: "copy" });
    assert.equal(out.RuleID.length, 3);
    const shanghai = { ...env.ctx, scope: { ...SCOPE, region: "cn-sh2" } };
    const { DataSet } = await describeSecGroup({ SecGroupId: [out.SecGroupId] }, shanghai);
    const g = DataSet[0];
    assert.equal(g?.Name, "copy");
    assert.equal(g?.Remark, "orig");
    assert.equal(g?.VPCId, "uvnet-sh");
    assert.equal(g?.CreateTime, NOW);
    assert.deepEqual(
      g?.Rule.map((r) => [r.RuleId, r.DstPort, r.IPRange]),
      [
        [out.RuleID[0], "22", "0.0.0.0/0"],
        [out.RuleID[1], "80,443", "0.0.0.0/0"],
        [out.RuleID[2], "22", out.SecGroupId],
      ],
    );
  });

  it("refuses an unknown source, region, project, VPC, or a project the sub-account lacks", async () => {
    await rejectsApiError(copy({ SecGroupId: "zz" }), "SecGroupNotFound");
    await rejectsApiError(copy({ DstRegion: "mars-1" }), "InvalidParams", "DstRegion");
    await rejectsApiError(copy({ DstProjectId: "org-other" }), "ProjectNotFound", "org-other");
    await rejectsApiError(copy({ DstVPCId: "uvnet-main" }), "VPCNotFound", "uvnet-main");
    await rejectsApiError(
      copy({ DstProjectId: "org-side", DstRegion: "cn-bj2", DstVPCId: "uvnet-side" }, env.subCtx),
      "PermissionDenied",
    );
    await copy({ DstProjectId: "org-side", DstRegion: "cn-bj2", DstVPCId: "uvnet-side" });
  });

  it("company quota → 58201", async () => {
    await env.setQuotas({ SecGroupsPerCompany: 1 });
    await rejectsApiError(copy({}), "SecGroupQuotaExceeded");
  });
});
