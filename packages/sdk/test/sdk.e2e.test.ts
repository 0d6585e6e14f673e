// End to end through the typed SDK: every catalogue action against the real server seeded with examples/seed.json.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RetCodeError, SgplaneClient } from "@sgplane/sdk";
import { DEMO, EXAMPLE_SEED, OPERATOR, type ServerProcess, startServer } from "../../server/test/harness.ts";

let server: ServerProcess;
let demo: SgplaneClient;
let operator: SgplaneClient;
before(async () => {
  server = await startServer({ seed: EXAMPLE_SEED });
  const connect = (key: typeof DEMO, projectId?: string) =>
    new SgplaneClient({ baseUrl: `${server.url}/`, region: "cn-bj2", ...key, ...(projectId && { projectId }) });
  demo = connect(DEMO, "org-demo01");
  operator = connect(OPERATOR);
});
after(async () => {
  await server?.stop();
});

async function refusal(p: Promise<unknown>): Promise<RetCodeError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof RetCodeError) return error;
    throw error;
  }
  assert.fail("expected a RetCode error");
}

async function groupsOf(resourceId: string): Promise<string[]> {
  const res = await demo.describeResourceSecGroup({ ResourceId: [resourceId] });
  return (res.DataSet[0]?.SecGroupInfo ?? []).map((g) => `${g.SecGroupId}@${g.Priority}`);
}

describe("SDK against the real server: tenant actions", () => {
  let group = "";
  let ruleId = "";

  it("describeSecGroup lists the seeded groups with their rules", async () => {
    const res = await demo.describeSecGroup({ VPCId: "uvnet-demo01" });
    assert.equal(res.TotalCount, 2);
    assert.deepEqual(
      res.DataSet.map((g) => g.SecGroupId),
      ["secgroup-demo01", "secgroup-demo02"],
    );
    assert.equal(res.DataSet[0]?.Rule.length, 3);
    assert.match(res.$metadata.requestId ?? "", /^[0-9a-f-]{36}$/);
  });

  it("createSecGroup, updateSecGroup", async () => {
    const created = await demo.createSecGroup({ VPCID: "uvnet-demo01", Name: "sdk-group", Remark: "from the SDK" });
    group = created.SecGroupId;
    assert.match(group, /^secgroup-/);
    await demo.updateSecGroup({ SecGroupId: [group], Name: "sdk-renamed" });
    const res = await demo.describeSecGroup({ SecGroupId: [group] });
    assert.equal(res.DataSet[0]?.Name, "sdk-renamed");
    assert.equal(res.DataSet[0]?.Remark, "from the SDK");
  });

  it("createSecGroupRule, updateSecGroupRule, deleteSecGroupRule", async () => {
    const rule = {
      Direction: "Ingress",
      ProtocolType: "TCP",
      IPRange: "10.0.0.0/8",
      Priority: 10,
      RuleAction: "Accept",
    } as const;
    const created = await demo.createSecGroupRule({ SecGroupId: group, Rule: [{ ...rule, DstPort: "443" }] });
    assert.equal(created.RuleId.length, 1);
    ruleId = created.RuleId[0] ?? "";
    await demo.updateSecGroupRule({ SecGroupId: group, Rule: [{ ...rule, RuleId: ruleId, DstPort: "8443" }] });
    const updated = await demo.describeSecGroup({ SecGroupId: [group] });
    assert.deepEqual(
      updated.DataSet[0]?.Rule.map((r) => [r.RuleId, r.DstPort]),
      [[ruleId, "8443"]],
    );
    await demo.deleteSecGroupRule({ SecGroupId: group, RuleId: [ruleId] });
    assert.deepEqual((await demo.describeSecGroup({ SecGroupId: [group] })).DataSet[0]?.Rule, []);
  });

  it("associateSecGroup, associateSecGroupDynamic, describeSecGroupResource, describeResourceSecGroup", async () => {
    await demo.associateSecGroup({
      ResourceId: ["uhost-demo02"],
      PrioritySecGroup: [{ SecGroupId: group, Priority: 3 }],
    });
    assert.deepEqual(await groupsOf("uhost-demo02"), ["secgroup-demo01@1", `${group}@3`]);
    await demo.associateSecGroupDynamic({ ResourceId: ["uhost-demo01"], SecGroupId: group });
    assert.equal((await groupsOf("uhost-demo01"))[0], `${group}@1`);
    const bound = await demo.describeSecGroupResource({ SecGroupId: group });
    assert.equal(bound.TotalCount, 2);
    assert.deepEqual(bound.DataSet.map((r) => r.ResourceId).sort(), ["uhost-demo01", "uhost-demo02"]);
  });

  it("updateSecGroupAssociation, disassociateSecGroup", async () => {
    await demo.updateSecGroupAssociation({
      ResourceId: "uhost-demo02",
      OldSecGroupId: [group],
      NewPrioritySecGroup: [{ SecGroupId: "secgroup-demo02", Priority: 4 }],
    });
    assert.deepEqual(await groupsOf("uhost-demo02"), ["secgroup-demo01@1", "secgroup-demo02@4"]);
    await demo.disassociateSecGroup({ SecGroupId: [group], ResourceId: ["uhost-demo01"] });
    assert.ok(!(await groupsOf("uhost-demo01")).some((g) => g.startsWith(group)));
  });

  it("the last group of a resource is refused without Force: a typed, unretried RetCodeError", async () => {
    const error = await refusal(demo.disassociateSecGroup({ ResourceId: ["uhost-demo04"] }));
    assert.equal(error.retCode, 58208);
    assert.match(error.apiMessage, /uhost-demo04.*must keep at least one secgroup/);
    assert.equal(error.action, "DisassociateSecGroup");
    assert.equal(error.attempts, 1);
    assert.ok(error.requestId);
    assert.deepEqual(await groupsOf("uhost-demo04"), ["secgroup-demo03@1"]);
  });

  it("switchToSecGroup moves a firewall-mode host to security groups", async () => {
    assert.equal(
      (await demo.describeResourceSecGroup({ ResourceId: ["uhost-demo03"] })).DataSet[0]?.PermitAssociate,
      false,
    );
    await demo.switchToSecGroup({
      ResourceId: "uhost-demo03",
      IsRemoveFirewall: true,
      PrioritySecGroup: ["secgroup-demo02"],
    });
    const after = await demo.describeResourceSecGroup({ ResourceId: ["uhost-demo03"] });
    assert.equal(after.DataSet[0]?.PermitAssociate, true);
    assert.deepEqual(await groupsOf("uhost-demo03"), ["secgroup-demo02@1"]);
  });

  it("copySecGroup copies a group with its rules; deleteSecGroup deletes groups", async () => {
    const copy = await demo.copySecGroup({
      SecGroupId: "secgroup-demo01",
      DstRegion: "cn-bj2",
      DstProjectId: "org-demo01",
      DstVPCId: "uvnet-demo02",
      DstName: "web-copy",
    });
    assert.equal(copy.RuleID.length, 3);
    await demo.deleteSecGroup({ SecGroupId: [copy.SecGroupId, group] });
    const left = await demo.describeSecGroup({ SecGroupId: [copy.SecGroupId, group] });
    assert.equal(left.DataSet.length, 0);
    const unknown = await refusal(demo.deleteSecGroup({ SecGroupId: [group] }));
    assert.equal(unknown.retCode, 8039);
  });
});

describe("SDK against the real server: operator actions", () => {
  const company = 77001;
  const tenantKey = { publicKey: "acme-root-pub", privateKey: "acme-root-priv" };

  it("a company key calling an admin action gets 299", async () => {
    assert.equal((await refusal(demo.adminExportState())).retCode, 299);
  });

  it("adminCreateCompany, adminCreateProject, adminCreateVPC, adminRegisterResource, adminUpdateResource", async () => {
    await operator.adminCreateCompany({ CompanyId: company, Name: "acme", ProjectId: "org-acme01" });
    await operator.adminCreateProject({ CompanyId: company, ProjectId: "org-acme02", Name: "staging" });
    await operator.adminCreateVPC({
      CompanyId: company,
      VPCId: "uvnet-acme01",
      Region: "cn-bj2",
      ProjectId: "org-acme01",
      Name: "main",
    });
    await operator.adminRegisterResource({
      CompanyId: company,
      ResourceId: "uhost-acme01",
      ResourceType: "uhost",
      Region: "cn-bj2",
      ProjectId: "org-acme01",
      VPCId: "uvnet-acme01",
      Name: "h1",
      SecurityMode: "SecGroup",
    });
    await operator.adminUpdateResource({ ResourceId: "uhost-acme01", Name: "h1-renamed" });
    const state = await operator.adminExportState({ CompanyId: company });
    const acme = state.State.Companies?.[0];
    assert.deepEqual(
      acme?.Projects.map((p) => p.ProjectId),
      ["org-acme01", "org-acme02"],
    );
    assert.equal(acme?.Resources?.[0]?.Name, "h1-renamed");
  });

  it("adminCreateKey creates a key the tenant can use", async () => {
    const created = await operator.adminCreateKey({ CompanyId: company, UserName: "root" });
    const [key] = created.Keys;
    assert.ok(key);
    const tenant = new SgplaneClient({ baseUrl: `${server.url}/`, region: "cn-bj2", ...toClientKey(key) });
    assert.equal((await tenant.describeSecGroup()).TotalCount, 0);
    await operator.adminCreateKey({ CompanyId: company, UserName: "dev", Keys: [toSeedKey(tenantKey)] });
  });

  it("adminImportState loads a state; adminSetQuota changes the limit the tenant hits", async () => {
    const exported = await operator.adminExportState({ CompanyId: company });
    const [acme] = exported.State.Companies ?? [];
    assert.ok(acme);
    await operator.adminImportState({ State: { Companies: [{ ...acme, Name: "acme-imported" }] } });
    const reexported = await operator.adminExportState({ CompanyId: company });
    assert.equal(reexported.State.Companies?.[0]?.Name, "acme-imported");
    await operator.adminSetQuota({ CompanyId: company, SecGroupsPerCompany: 1 });
    const tenant = new SgplaneClient({ baseUrl: `${server.url}/`, region: "cn-bj2", ...tenantKey });
    await tenant.createSecGroup({ VPCID: "uvnet-acme01", Name: "one" });
    assert.equal((await refusal(tenant.createSecGroup({ VPCID: "uvnet-acme01", Name: "two" }))).retCode, 58201);
  });

  it("adminDeregisterResource removes a resource; adminReset empties the world", async () => {
    await operator.adminDeregisterResource({ ResourceId: "uhost-acme01" });
    const state = await operator.adminExportState({ CompanyId: company });
    assert.deepEqual(state.State.Companies?.[0]?.Resources ?? [], []);
    await operator.adminReset();
    assert.deepEqual((await operator.adminExportState()).State.Companies ?? [], []);
  });
});

function toClientKey(key: { PublicKey: string; PrivateKey: string }) {
  return { publicKey: key.PublicKey, privateKey: key.PrivateKey };
}

function toSeedKey(key: { publicKey: string; privateKey: string }) {
  return { PublicKey: key.publicKey, PrivateKey: key.privateKey };
}
