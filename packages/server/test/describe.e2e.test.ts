// DescribeSecGroup, DescribeSecGroupResource, DescribeResourceSecGroup (§3.5, §3.13, §3.14): every §3.17 field, exact JSON types.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  arrayOf,
  assertShape,
  B_GROUP,
  B_HOST,
  CO_A,
  expectRetCode,
  Family,
  KEY_A,
  resourceSecgroupInfoExShape,
  ruleSpec,
  secGroupInfoShape,
  secGroupResourceInfoShape,
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
  await fam.use(world(BASE));
});
after(async () => {
  await fam.server.stop();
});

const [D1, D2, D3, DP2, DSH] = [
  "secgroup-ds-d1",
  "secgroup-ds-d2",
  "secgroup-ds-d3",
  "secgroup-ds-dp2",
  "secgroup-ds-dsh",
] as const;
const [HA, NA, HB, FW, DB] = ["uhost-ds-ha", "uni-ds-na", "uhost-ds-hb", "uhost-ds-fw", "upm-ds-db"];
const T = 1_750_000_000;

// Every test here only reads, so the world is loaded once.
const BASE: WorldSpec = {
  resources: [
    { id: HA, name: "host-a", ip: "10.1.0.5", zone: 4001, eip: ["1.2.3.4"] },
    { id: NA, type: "uni", name: "nic-a", ip: "10.1.0.6", parent: HA, zone: 4001 },
    { id: HB, name: "host-b", ip: "10.1.0.7", zone: 0 },
    { id: FW, name: "legacy", mode: "Firewall" },
    { id: DB, type: "upm", vpc: VPC2, name: "db" },
    { id: "uhost-ds-p2", vpc: VPC_P2 },
  ],
  groups: [
    {
      id: D1,
      name: "web",
      createTime: T + 1,
      rules: [
        ruleSpec(2, { RuleId: "rule-ds-2", DstPort: "80", Remark: "http" }),
        ruleSpec(1, { RuleId: "rule-ds-e", Direction: "Egress", ProtocolType: "ALL", DstPort: "ALL" }),
        ruleSpec(1, { RuleId: "rule-ds-1", Remark: "ssh" }),
      ],
    },
    { id: D2, name: "empty", createTime: T + 2 },
    { id: D3, name: "db", vpc: VPC2, createTime: T + 3 },
    { id: DP2, vpc: VPC_P2, createTime: T + 4 },
    { id: DSH, vpc: VPC_SH, createTime: T + 5 },
  ],
  bindings: [
    [HA, D1, 1],
    [HA, D2, 3],
    [NA, D1, 2],
    [HB, D1, 1],
    [DB, D3, 1],
  ],
};

type Out = { DataSet: Record<string, unknown>[]; TotalCount: number };
const call = (action: string, params: Record<string, unknown> = {}, options = {}) =>
  fam.server.client(KEY_A, options).call<Out>(action, params);
const ids = (out: Out, key = "SecGroupId") => out.DataSet.map((d) => d[key]);

describe("DescribeSecGroup", () => {
  it("lists the groups of the caller's project and region in creation order, every §3.17 field typed exactly", async () => {
    const out = await call("DescribeSecGroup");
    assert.deepEqual(Object.keys(out).sort(), ["Action", "DataSet", "RetCode", "TotalCount"]);
    assert.deepEqual(ids(out), [D1, D2, D3]);
    assert.equal(out.TotalCount, 3);
    assert.ok(Number.isInteger(out.TotalCount));
    arrayOf((v, p) => assertShape(v, secGroupInfoShape, p))(out.DataSet, "DataSet");
  });

  it("the full SecGroupInfo of a group with rules (Ingress first, then by priority) and of one without", async () => {
    const out = await call("DescribeSecGroup", { SecGroupId: [D1, D2] }, { encoding: "json" });
    arrayOf((v, p) => assertShape(v, secGroupInfoShape, p))(out.DataSet, "DataSet");
    const r = (id: string, extra: Record<string, unknown>) => ({
      RuleId: id,
      Direction: "Ingress",
      IPRange: "0.0.0.0/0",
      ProtocolType: "TCP",
      DstPort: "22",
      RuleAction: "Accept",
      Remark: "",
      IPVersion: "IPv4",
      ...extra,
    });
    assert.deepEqual(out.DataSet, [
      {
        SecGroupId: D1,
        Name: "web",
        VPCId: VPC1,
        Account: CO_A,
        Tag: "Default",
        Remark: "",
        Type: "user defined",
        CreateTime: T + 1,
        Rule: [
          r("rule-ds-1", { Priority: 1, Remark: "ssh" }),
          r("rule-ds-2", { Priority: 2, DstPort: "80", Remark: "http" }),
          r("rule-ds-e", { Priority: 1, Direction: "Egress", ProtocolType: "ALL", DstPort: "ALL" }),
        ],
      },
      {
        SecGroupId: D2,
        Name: "empty",
        VPCId: VPC1,
        Account: CO_A,
        Tag: "Default",
        Remark: "",
        Type: "user defined",
        CreateTime: T + 2,
        Rule: [],
      },
    ]);
  });

  it("by ids: unknown, another company's and out-of-scope ids are skipped; paging is ignored", async () => {
    const out = await call("DescribeSecGroup", {
      SecGroupId: [D3, "secgroup-ds-x", B_GROUP, DP2, D1],
      Offset: 5,
      Limit: 1,
    });
    assert.deepEqual(ids(out), [D1, D3]);
    assert.equal(out.TotalCount, 2);
  });

  it("VPCId filter and paging (Offset/Limit as text and as JSON numbers); TotalCount counts before paging", async () => {
    assert.deepEqual(ids(await call("DescribeSecGroup", { VPCId: VPC2 })), [D3]);
    const page = await call("DescribeSecGroup", { Offset: 1, Limit: 1 });
    assert.deepEqual([ids(page), page.TotalCount], [[D2], 3]);
    const json = await call("DescribeSecGroup", { Offset: 2, Limit: 5 }, { encoding: "json" });
    assert.deepEqual([ids(json), json.TotalCount], [[D3], 3]);
    const zero = await call("DescribeSecGroup", { Limit: 0 });
    assert.deepEqual(ids(zero), [D1, D2, D3], "Limit 0 means the default 20");
    const past = await call("DescribeSecGroup", { Offset: 10 });
    assert.deepEqual([past.DataSet, past.TotalCount], [[], 3]);
  });

  it("other projects and regions see their own groups; an empty scope gives [] and 0", async () => {
    assert.deepEqual(ids(await call("DescribeSecGroup", {}, { projectId: "org-fam-a2" })), [DP2]);
    assert.deepEqual(ids(await call("DescribeSecGroup", {}, { region: "cn-sh2" })), [DSH]);
    const none = await call("DescribeSecGroup", {}, { region: "cn-sh2", projectId: "org-fam-a2" });
    assert.deepEqual([none.DataSet, none.TotalCount], [[], 0]);
  });

  it("230 for a negative Offset or Limit, or a non-integer", async () => {
    await expectRetCode(call("DescribeSecGroup", { Offset: -1 }), 230, "Params [Offset]");
    await expectRetCode(call("DescribeSecGroup", { Limit: -5 }), 230, "Params [Limit]");
    await expectRetCode(call("DescribeSecGroup", { Limit: "1.5" }), 230, "Params [Limit]");
  });
});

describe("DescribeSecGroupResource", () => {
  it("the resources bound to one group in bind order; a NIC binding shows under its host (every field typed)", async () => {
    const out = await call("DescribeSecGroupResource", { SecGroupId: D1 });
    arrayOf((v, p) => assertShape(v, secGroupResourceInfoShape, p))(out.DataSet, "DataSet");
    assert.equal(out.TotalCount, 3);
    const base = { Tag: "Default", SubResourceId: "", SubResourceName: "", SubResourceType: "" };
    assert.deepEqual(out.DataSet, [
      { ...base, Zone: 4001, Name: "host-a", PrivateIp: "10.1.0.5", ResourceId: HA, ResourceType: "uhost" },
      {
        ...base,
        Zone: 4001,
        Name: "host-a",
        PrivateIp: "10.1.0.6",
        ResourceId: HA,
        ResourceType: "uhost",
        SubResourceId: NA,
        SubResourceName: "nic-a",
        SubResourceType: "uni",
      },
      { ...base, Zone: 0, Name: "host-b", PrivateIp: "10.1.0.7", ResourceId: HB, ResourceType: "uhost" },
    ]);
  });

  it("paging; SecGroupId.0 accepted; no SecGroupId → every binding in scope; an unbound group → [] and 0", async () => {
    const page = await call("DescribeSecGroupResource", { SecGroupId: [D1], Offset: 2, Limit: 1 });
    assert.deepEqual([ids(page, "Name"), page.TotalCount], [["host-b"], 3]);
    const all = await call("DescribeSecGroupResource", {}, { encoding: "json-nested" });
    assert.equal(all.TotalCount, 5);
    assert.deepEqual(new Set(ids(all, "ResourceId")), new Set([HA, HB, DB]));
    const empty = await fam.server.client(KEY_A, { projectId: "org-fam-a2" }).call<Out>("DescribeSecGroupResource", {
      SecGroupId: DP2,
    });
    assert.deepEqual([empty.DataSet, empty.TotalCount], [[], 0]);
  });

  it("8039 for an unknown, another company's or out-of-scope group (same message shape); 230 for bad paging", async () => {
    const unknown = await expectRetCode(call("DescribeSecGroupResource", { SecGroupId: "secgroup-ds-x" }), 8039);
    const theirs = await expectRetCode(call("DescribeSecGroupResource", { SecGroupId: B_GROUP }), 8039);
    assert.equal(shapeOf(theirs, B_GROUP), shapeOf(unknown, "secgroup-ds-x"));
    await expectRetCode(call("DescribeSecGroupResource", { SecGroupId: DSH }), 8039, DSH);
    await expectRetCode(call("DescribeSecGroupResource", { SecGroupId: D1, Offset: -1 }), 230, "[Offset]");
  });
});

describe("DescribeResourceSecGroup", () => {
  const exInfo = (extra: Record<string, unknown>) => ({
    SuperResourceId: "",
    SuperResourceName: "",
    IP: [],
    EIP: [],
    Uni: [],
    ...extra,
  });

  it("by ids: the full ResourceSecgroupInfoEx (groups by priority, NICs under ExInfo.Uni); unknown ids skipped", async () => {
    const out = await call("DescribeResourceSecGroup", { ResourceId: [HA, "uhost-ds-x", B_HOST, NA, FW] });
    arrayOf((v, p) => assertShape(v, resourceSecgroupInfoExShape, p))(out.DataSet, "DataSet");
    assert.equal(out.TotalCount, 3);
    const byId = new Map(out.DataSet.map((d) => [d.ResourceId, d]));
    assert.deepEqual(byId.get(HA), {
      ResourceId: HA,
      ResourceName: "host-a",
      Count: 2,
      SecGroupInfo: [
        { SecGroupId: D1, Name: "web", VPCId: VPC1, Priority: 1 },
        { SecGroupId: D2, Name: "empty", VPCId: VPC1, Priority: 3 },
      ],
      PermitAssociate: true,
      ExInfo: exInfo({
        ResourceName: "host-a",
        IP: ["10.1.0.5", "10.1.0.6"],
        EIP: ["1.2.3.4"],
        Uni: [{ ResourceId: NA, Count: 1, SecGroupInfo: [{ SecGroupId: D1, Name: "web" }] }],
      }),
    });
    assert.deepEqual(byId.get(NA), {
      ResourceId: NA,
      ResourceName: "nic-a",
      Count: 1,
      SecGroupInfo: [{ SecGroupId: D1, Name: "web", VPCId: VPC1, Priority: 2 }],
      PermitAssociate: true,
      ExInfo: exInfo({ SuperResourceId: HA, SuperResourceName: "host-a", ResourceName: "nic-a", IP: ["10.1.0.6"] }),
    });
    assert.deepEqual(byId.get(FW), {
      ResourceId: FW,
      ResourceName: "legacy",
      Count: 0,
      SecGroupInfo: [],
      PermitAssociate: false,
      ExInfo: exInfo({ ResourceName: "legacy", IP: ["10.1.0.2"] }),
    });
  });

  it("paged by ResourceType (case-insensitive) and VPCId; TotalCount before paging; no filter → all in scope", async () => {
    const hosts = await call("DescribeResourceSecGroup", { ResourceType: "UHost" });
    assert.deepEqual([ids(hosts, "ResourceId"), hosts.TotalCount], [[HA, HB, FW], 3]);
    const page = await call(
      "DescribeResourceSecGroup",
      { ResourceType: "uhost", Offset: 1, Limit: 1 },
      { encoding: "json" },
    );
    assert.deepEqual([ids(page, "ResourceId"), page.TotalCount], [[HB], 3]);
    const vpc2 = await call("DescribeResourceSecGroup", { VPCId: VPC2 });
    assert.deepEqual(ids(vpc2, "ResourceId"), [DB]);
    const all = await call("DescribeResourceSecGroup");
    assert.deepEqual([new Set(ids(all, "ResourceId")), all.TotalCount], [new Set([HA, NA, HB, FW, DB]), 5]);
    const byIds = await call("DescribeResourceSecGroup", { ResourceId: [DB, HB], VPCId: VPC1, Limit: 1, Offset: 1 });
    assert.deepEqual(
      [new Set(ids(byIds, "ResourceId")), byIds.TotalCount],
      [new Set([DB, HB]), 2],
      "ids: no paging, VPCId ignored",
    );
    const none = await call("DescribeResourceSecGroup", { ResourceType: "unatgw" });
    assert.deepEqual([none.DataSet, none.TotalCount], [[], 0]);
  });

  it("230 for bad paging or a malformed id", async () => {
    await expectRetCode(call("DescribeResourceSecGroup", { Offset: -1 }), 230, "[Offset]");
    await expectRetCode(call("DescribeResourceSecGroup", { Limit: "x" }), 230, "[Limit]");
    await expectRetCode(call("DescribeResourceSecGroup", { ResourceId: ["bad id"] }), 230, "ResourceId.0");
  });
});
