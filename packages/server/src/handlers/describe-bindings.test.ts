// Handler tests of DescribeSecGroupResource and DescribeResourceSecGroup (§3.13, §3.14).
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { rejectsApiError } from "../domain/assert-api-error.ts";
import { describeResourceSecGroup } from "./describe-resource-sec-group.ts";
import { describeSecGroupResource } from "./describe-sec-group-resource.ts";
import { groupRow, resourceRow, type TestEnv, testEnv } from "./test-env.ts";

let env: TestEnv;
beforeEach(async () => {
  env = await testEnv();
  await env.addResources(
    resourceRow("host", { name: "web-1", privateIp: "10.0.0.5", eip: ["1.2.3.4"], zone: 4001 }),
    resourceRow("uni-1", { resourceType: "uni", name: "nic-1", privateIp: "10.0.0.6", superResourceId: "host" }),
    resourceRow("plain", { name: "db", privateIp: "10.0.0.7" }),
    resourceRow("fw", { resourceType: "upm", securityMode: "Firewall", privateIp: "" }),
  );
  await env.addGroups(groupRow("a", { name: "alpha" }), groupRow("b", { name: "beta" }), groupRow("lonely"));
  await env.bind(["uni-1", "a", 1], ["plain", "b", 2], ["plain", "a", 1]);
});
afterEach(() => env.close());

describe("DescribeSecGroupResource", () => {
  it("lists a group's resources in bind order; a NIC binding shows under its host", async () => {
    const out = await describeSecGroupResource({ SecGroupId: "a" }, env.ctx);
    assert.equal(out.TotalCount, 2);
    assert.deepEqual(out.DataSet, [
      {
        Zone: 4001,
        Name: "web-1",
        PrivateIp: "10.0.0.6",
        ResourceId: "host",
        ResourceType: "uhost",
        SubResourceId: "uni-1",
        SubResourceName: "nic-1",
        SubResourceType: "uni",
        Tag: "Default",
      },
      {
        Zone: 4001,
        Name: "db",
        PrivateIp: "10.0.0.7",
        ResourceId: "plain",
        ResourceType: "uhost",
        SubResourceId: "",
        SubResourceName: "",
        SubResourceType: "",
        Tag: "Default",
      },
    ]);
  });

  it("pages; without SecGroupId lists every binding in scope; an unbound group answers []", async () => {
    const page = await describeSecGroupResource({ SecGroupId: "a", Offset: 1, Limit: 1 }, env.ctx);
    assert.equal(page.TotalCount, 2);
    assert.deepEqual(
      page.DataSet.map((r) => r.ResourceId),
      ["plain"],
    );
    assert.equal((await describeSecGroupResource({}, env.ctx)).TotalCount, 3);
    assert.deepEqual(await describeSecGroupResource({ SecGroupId: "lonely" }, env.ctx), { DataSet: [], TotalCount: 0 });
  });

  it("unknown or foreign group → 8039", async () => {
    await rejectsApiError(describeSecGroupResource({ SecGroupId: "zz" }, env.ctx), "SecGroupNotFound", "zz");
    await rejectsApiError(describeSecGroupResource({ SecGroupId: "secgroup-other" }, env.ctx), "SecGroupNotFound");
  });
});

describe("DescribeResourceSecGroup", () => {
  it("by ids: every field, groups by priority, per-NIC details; unknown and foreign ids skipped", async () => {
    const out = await describeResourceSecGroup({ ResourceId: ["plain", "host", "ghost", "uhost-other"] }, env.ctx);
    assert.equal(out.TotalCount, 2);
    assert.deepEqual(out.DataSet, [
      {
        ResourceId: "host",
        ResourceName: "web-1",
        Count: 0,
        SecGroupInfo: [],
        PermitAssociate: true,
        ExInfo: {
          SuperResourceId: "",
          SuperResourceName: "",
          ResourceName: "web-1",
          IP: ["10.0.0.5", "10.0.0.6"],
          EIP: ["1.2.3.4"],
          Uni: [{ ResourceId: "uni-1", Count: 1, SecGroupInfo: [{ SecGroupId: "a", Name: "alpha" }] }],
        },
      },
      {
        ResourceId: "plain",
        ResourceName: "db",
        Count: 2,
        SecGroupInfo: [
          { SecGroupId: "a", Name: "alpha", VPCId: "uvnet-main", Priority: 1 },
          { SecGroupId: "b", Name: "beta", VPCId: "uvnet-main", Priority: 2 },
        ],
        PermitAssociate: true,
        ExInfo: { SuperResourceId: "", SuperResourceName: "", ResourceName: "db", IP: ["10.0.0.7"], EIP: [], Uni: [] },
      },
    ]);
  });

  it("a NIC names its host; a Firewall-mode resource does not permit association", async () => {
    const out = await describeResourceSecGroup({ ResourceId: ["uni-1", "fw"] }, env.ctx);
    const [nic, fw] = out.DataSet;
    assert.equal(nic?.ExInfo.SuperResourceId, "host");
    assert.equal(nic?.ExInfo.SuperResourceName, "web-1");
    assert.equal(nic?.Count, 1);
    assert.equal(fw?.PermitAssociate, false);
    assert.deepEqual(fw?.ExInfo.IP, []);
  });

  it("paged mode: filters by type (case-insensitive) and VPC, counts before paging", async () => {
    const all = await describeResourceSecGroup({}, env.ctx);
    assert.equal(all.TotalCount, 4);
    const hosts = await describeResourceSecGroup({ ResourceType: "UHost", Limit: 1, Offset: 1 }, env.ctx);
    assert.equal(hosts.TotalCount, 2);
    assert.deepEqual(
      hosts.DataSet.map((r) => r.ResourceId),
      ["plain"],
    );
    const none = await describeResourceSecGroup({ VPCId: "uvnet-second" }, env.ctx);
    assert.deepEqual(none, { TotalCount: 0, DataSet: [] });
  });
});
