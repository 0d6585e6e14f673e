// Golden wire tests of the UNet firewall family: each request exactly as the Go SDK's unet client sends it (POST
// /?Action=X, a form body with Rule.0, Rule.1, ..., PublicKey and Signature; ints as decimal strings; nil fields
// left out), and the whole envelope that comes back. Also what the Terraform provider relies on: 54002 for a
// missing firewall, two defaults listed, reads equal to what was written, and the one-resource-one-mode refusals.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sign } from "@sgplane/catalogue";
import { DEFAULTS, FIREWALL_WORLD, FW_KEY, NON_WEB_ID, WEB_ID } from "./firewall-world.ts";
import { OPERATOR, postRaw, type ServerProcess, startServer } from "./harness.ts";

let server: ServerProcess;
before(async () => {
  server = await startServer({ seed: FIREWALL_WORLD });
});
after(async () => {
  await server.stop();
});

type Envelope = Record<string, unknown>;

/** What ucloud-sdk-go's FormEncoder sends: Action in the query too, every parameter a string in the form body. */
async function goSdk(action: string, params: Record<string, string>, key = FW_KEY): Promise<Envelope> {
  const bag = { Action: action, Region: "cn-bj2", ...params, PublicKey: key.publicKey };
  const body = new URLSearchParams({ ...bag, Signature: sign(bag, key.privateKey) }).toString();
  const res = await postRaw(`${server.url}/?Action=${action}`, body, "application/x-www-form-urlencoded");
  assert.equal(res.status, 200);
  assert.ok(res.json !== undefined, res.text);
  return res.json;
}

const rules = (...texts: string[]): Record<string, string> =>
  Object.fromEntries(texts.map((text, i) => [`Rule.${i}`, text]));

/** The Terraform provider's buildRuleParameter: five fields, an empty port for ICMP/GRE. */
const TF_RULES = ["TCP|22|0.0.0.0/0|ACCEPT|HIGH", "TCP|8000-8080|10.0.0.0/8|DROP|LOW", "ICMP||0.0.0.0/0|ACCEPT|MEDIUM"];
const TF_RULE_SETS = [
  { SrcIP: "0.0.0.0/0", Priority: "HIGH", ProtocolType: "TCP", DstPort: "22", RuleAction: "ACCEPT", Remark: "" },
  { SrcIP: "10.0.0.0/8", Priority: "LOW", ProtocolType: "TCP", DstPort: "8000-8080", RuleAction: "DROP", Remark: "" },
  { SrcIP: "0.0.0.0/0", Priority: "MEDIUM", ProtocolType: "ICMP", DstPort: "", RuleAction: "ACCEPT", Remark: "" },
];

describe("UNet firewall family on the wire (Go SDK requests)", () => {
  let fwId = "";
  let createdAt = 0;

  it("DescribeFirewall before anything was written: the project's two default firewalls", async () => {
    const res = await goSdk("DescribeFirewall", { Limit: "100", Offset: "0" });
    assert.deepEqual(res, { Action: "DescribeFirewallResponse", RetCode: 0, DataSet: DEFAULTS, TotalCount: 2 });
  });

  it("CreateFirewall as ucloud_security_group sends it: FWId back", async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await goSdk("CreateFirewall", { Name: "tf-security-group-01", Tag: "Default", ...rules(...TF_RULES) });
    assert.deepEqual(Object.keys(res).sort(), ["Action", "FWId", "RetCode"]);
    assert.equal(res.Action, "CreateFirewallResponse");
    assert.equal(res.RetCode, 0);
    assert.match(String(res.FWId), /^firewall-[0-9a-z]{8}$/);
    fwId = String(res.FWId);
    createdAt = before;
  });

  it("DescribeFirewall FWId: exactly what was written (the provider lower-cases and compares)", async () => {
    const res = await goSdk("DescribeFirewall", { FWId: fwId });
    const dataSet = res.DataSet as Envelope[];
    const createTime = Number(dataSet[0]?.CreateTime);
    assert.ok(createTime >= createdAt && createTime <= createdAt + 5, `CreateTime ${createTime}`);
    assert.deepEqual(res, {
      Action: "DescribeFirewallResponse",
      RetCode: 0,
      TotalCount: 1,
      DataSet: [
        {
          FWId: fwId,
          GroupId: fwId,
          Name: "tf-security-group-01",
          Tag: "Default",
          Remark: "",
          ResourceCount: 0,
          CreateTime: createTime,
          Type: "user defined",
          Rule: TF_RULE_SETS,
        },
      ],
    });
  });

  it("DescribeFirewall Limit/Offset (data.ucloud_security_groups pages by 100): defaults first, then by creation", async () => {
    const all = await goSdk("DescribeFirewall", { Limit: "100", Offset: "0" });
    assert.equal(all.TotalCount, 3);
    assert.deepEqual(
      (all.DataSet as Envelope[]).map((f) => f.FWId),
      [WEB_ID, NON_WEB_ID, fwId],
    );
    const second = await goSdk("DescribeFirewall", { Limit: "2", Offset: "1" });
    assert.deepEqual(
      (second.DataSet as Envelope[]).map((f) => f.FWId),
      [NON_WEB_ID, fwId],
    );
    assert.equal(second.TotalCount, 3);
    const beyond = await goSdk("DescribeFirewall", { Limit: "100", Offset: "100" });
    assert.deepEqual(beyond, { Action: "DescribeFirewallResponse", RetCode: 0, DataSet: [], TotalCount: 3 });
  });

  it("a missing firewall answers 54002 (the provider's 'not there')", async () => {
    assert.deepEqual(await goSdk("DescribeFirewall", { FWId: "firewall-nope0000" }), {
      Action: "DescribeFirewallResponse",
      RetCode: 54002,
      Message: "Firewall [firewall-nope0000] not exist",
    });
    for (const action of ["UpdateFirewallAttribute", "DeleteFirewall", "DescribeFirewallResource"]) {
      const res = await goSdk(action, { FWId: "firewall-nope0000", Name: "x" });
      assert.equal(res.RetCode, 54002, `${action}: ${JSON.stringify(res)}`);
    }
  });

  it("a bad rule answers 230 naming Rule.N and what is wrong; nothing is created", async () => {
    const res = await goSdk("CreateFirewall", {
      Name: "bad",
      ...rules("TCP|22|0.0.0.0/0|ACCEPT|HIGH", "TCP|99999|0.0.0.0/0|ACCEPT|HIGH"),
    });
    assert.deepEqual(res, {
      Action: "CreateFirewallResponse",
      RetCode: 230,
      Message: "Params [Rule.1] not available: PORT '99999' is not a port 1-65535 or a from-to range",
    });
    const missing = await goSdk("CreateFirewall", { Name: "bad" });
    assert.deepEqual(missing, { Action: "CreateFirewallResponse", RetCode: 220, Message: "Missing params [Rule]" });
    assert.equal((await goSdk("DescribeFirewall", {})).TotalCount, 3);
  });

  it("UpdateFirewall replaces the whole rule set and answers the FWId", async () => {
    const res = await goSdk("UpdateFirewall", { FWId: fwId, ...rules("UDP|53|0.0.0.0/0|ACCEPT|HIGH|dns") });
    assert.deepEqual(res, { Action: "UpdateFirewallResponse", RetCode: 0, FWId: fwId });
    const [read] = (await goSdk("DescribeFirewall", { FWId: fwId })).DataSet as Envelope[];
    assert.deepEqual(read?.Rule, [
      { SrcIP: "0.0.0.0/0", Priority: "HIGH", ProtocolType: "UDP", DstPort: "53", RuleAction: "ACCEPT", Remark: "dns" },
    ]);
  });

  it("UpdateFirewallAttribute: Name, Tag, Remark; none given is 220", async () => {
    const res = await goSdk("UpdateFirewallAttribute", { FWId: fwId, Name: "renamed", Remark: "r1" });
    assert.deepEqual(res, { Action: "UpdateFirewallAttributeResponse", RetCode: 0 });
    const [read] = (await goSdk("DescribeFirewall", { FWId: fwId })).DataSet as Envelope[];
    assert.deepEqual([read?.Name, read?.Tag, read?.Remark], ["renamed", "Default", "r1"]);
    assert.deepEqual(await goSdk("UpdateFirewallAttribute", { FWId: fwId }), {
      Action: "UpdateFirewallAttributeResponse",
      RetCode: 220,
      Message: "Missing params [Name]",
    });
  });

  it("GrantFirewall, DescribeFirewall by ResourceId/ResourceType, DescribeFirewallResource", async () => {
    const grant = await goSdk("GrantFirewall", { FWId: fwId, ResourceType: "uhost", ResourceId: "uhost-fw1" });
    assert.deepEqual(grant, { Action: "GrantFirewallResponse", RetCode: 0 });
    const ofHost = await goSdk("DescribeFirewall", { ResourceId: "uhost-fw1", ResourceType: "uhost" });
    assert.equal(ofHost.TotalCount, 1);
    const [only] = ofHost.DataSet as Envelope[];
    assert.deepEqual([only?.FWId, only?.ResourceCount], [fwId, 1]);
    const none = await goSdk("DescribeFirewall", { ResourceId: "uhost-fw2", ResourceType: "uhost" });
    assert.deepEqual(none, { Action: "DescribeFirewallResponse", RetCode: 0, DataSet: [], TotalCount: 0 });
    const resources = await goSdk("DescribeFirewallResource", { FWId: fwId, Limit: "20", Offset: "0" });
    assert.deepEqual(resources, {
      Action: "DescribeFirewallResourceResponse",
      RetCode: 0,
      TotalCount: 1,
      ResourceSet: [
        {
          Zone: 4001,
          Name: "name-uhost-fw1",
          PrivateIP: "10.20.0.2",
          Remark: "",
          ResourceID: "uhost-fw1",
          ResourceType: "uhost",
          Status: 1,
          Tag: "Default",
          SubResourceId: "",
          SubResourceName: "",
          SubResourceType: "",
        },
      ],
    });
  });

  it("granting a default firewall replaces the resource's firewall and stores the default as it was", async () => {
    const res = await goSdk("GrantFirewall", { FWId: NON_WEB_ID, ResourceType: "UHost", ResourceId: "uhost-fw1" });
    assert.equal(res.RetCode, 0, JSON.stringify(res));
    const [granted] = (await goSdk("DescribeFirewall", { ResourceId: "uhost-fw1" })).DataSet as Envelope[];
    assert.deepEqual(granted, { ...DEFAULTS[1], ResourceCount: 1 });
    const [mine] = (await goSdk("DescribeFirewall", { FWId: fwId })).DataSet as Envelope[];
    assert.equal(mine?.ResourceCount, 0, "the previous firewall lost the resource");
  });

  it("DeleteFirewall: 4361 while granted, 4358 for a default, then deleted (and 54002 after)", async () => {
    await goSdk("GrantFirewall", { FWId: fwId, ResourceType: "uhost", ResourceId: "uhost-fw1" });
    assert.deepEqual(await goSdk("DeleteFirewall", { FWId: fwId }), {
      Action: "DeleteFirewallResponse",
      RetCode: 4361,
      Message: `Firewall [${fwId}] is in use by 1 resource(s)`,
    });
    assert.deepEqual(await goSdk("DeleteFirewall", { FWId: WEB_ID }), {
      Action: "DeleteFirewallResponse",
      RetCode: 4358,
      Message: `Firewall [${WEB_ID}] is a default firewall (recommend web) and cannot be deleted`,
    });
    await goSdk("GrantFirewall", { FWId: NON_WEB_ID, ResourceType: "uhost", ResourceId: "uhost-fw1" });
    assert.deepEqual(await goSdk("DeleteFirewall", { FWId: fwId }), { Action: "DeleteFirewallResponse", RetCode: 0 });
    assert.equal((await goSdk("DescribeFirewall", { FWId: fwId })).RetCode, 54002);
  });

  it("one resource, one mode: GrantFirewall on a SecGroup-mode resource 58213, AssociateSecGroup on a firewall one 58210", async () => {
    assert.deepEqual(await goSdk("GrantFirewall", { FWId: WEB_ID, ResourceType: "uhost", ResourceId: "uhost-sg1" }), {
      Action: "GrantFirewallResponse",
      RetCode: 58213,
      Message: "Resource [uhost-sg1] is in SecGroup mode and takes no firewall",
    });
    const assoc = await goSdk("AssociateSecGroup", {
      "ResourceId.0": "uhost-fw1",
      "PrioritySecGroup.0.SecGroupId": "secgroup-fw1",
      "PrioritySecGroup.0.Priority": "1",
    });
    assert.deepEqual(assoc, {
      Action: "AssociateSecGroupResponse",
      RetCode: 58210,
      Message: "Resource [uhost-fw1] does not permit secgroup",
    });
    const wrongType = await goSdk("GrantFirewall", { FWId: WEB_ID, ResourceType: "ulb", ResourceId: "uhost-fw1" });
    assert.deepEqual(wrongType, {
      Action: "GrantFirewallResponse",
      RetCode: 230,
      Message: "Params [ResourceType] not available: resource [uhost-fw1] is a uhost, not ulb",
    });
  });

  it("SwitchToSecGroup takes the resource out of firewall mode and off its firewall", async () => {
    await goSdk("GrantFirewall", { FWId: WEB_ID, ResourceType: "uhost", ResourceId: "uhost-fw2" });
    const res = await goSdk("SwitchToSecGroup", {
      ProjectId: "org-fw1",
      ResourceId: "uhost-fw2",
      IsRemoveFirewall: "true",
      "PrioritySecGroup.0": "secgroup-fw1",
    });
    assert.equal(res.RetCode, 0, JSON.stringify(res));
    const left = await goSdk("DescribeFirewallResource", { FWId: WEB_ID });
    assert.deepEqual(left, { Action: "DescribeFirewallResourceResponse", RetCode: 0, ResourceSet: [], TotalCount: 0 });
    const regrant = await goSdk("GrantFirewall", { FWId: WEB_ID, ResourceType: "uhost", ResourceId: "uhost-fw2" });
    assert.equal(regrant.RetCode, 58213);
  });

  it("DisassociateFirewall: a ULB only, and only the firewall it has", async () => {
    await goSdk("GrantFirewall", { FWId: WEB_ID, ResourceType: "ulb", ResourceId: "ulb-fw1" });
    assert.deepEqual(
      await goSdk("DisassociateFirewall", { FWId: NON_WEB_ID, ResourceType: "ulb", ResourceId: "ulb-fw1" }),
      {
        Action: "DisassociateFirewallResponse",
        RetCode: 58214,
        Message: `Firewall [${NON_WEB_ID}] is not granted to Resource [ulb-fw1]`,
      },
    );
    const host = await goSdk("DisassociateFirewall", {
      FWId: NON_WEB_ID,
      ResourceType: "uhost",
      ResourceId: "uhost-fw1",
    });
    assert.equal(host.RetCode, 58215, JSON.stringify(host));
    assert.deepEqual(
      await goSdk("DisassociateFirewall", { FWId: WEB_ID, ResourceType: "ULB", ResourceId: "ulb-fw1" }),
      {
        Action: "DisassociateFirewallResponse",
        RetCode: 0,
      },
    );
    const none = await goSdk("DescribeFirewall", { ResourceId: "ulb-fw1", ResourceType: "ulb" });
    assert.equal(none.TotalCount, 0);
  });

  it("AdminExportState holds the stored firewalls and grants; importing the export changes nothing", async () => {
    const client = server.client(OPERATOR);
    const exported = await client.call<{ State: { Companies: { Firewalls?: unknown[] }[] } }>("AdminExportState");
    const firewalls = exported.State.Companies[0]?.Firewalls ?? [];
    assert.deepEqual(
      firewalls.map((f) => (f as { FWId: string; Resources: string[] }).FWId),
      [NON_WEB_ID, WEB_ID],
    );
    await client.call("AdminImportState", { State: JSON.stringify(exported.State) });
    const again = await client.call<{ State: unknown }>("AdminExportState");
    assert.deepEqual(again.State, exported.State);
    const read = await goSdk("DescribeFirewall", { ResourceId: "uhost-fw1" });
    assert.deepEqual(
      (read.DataSet as Envelope[]).map((f) => f.FWId),
      [NON_WEB_ID],
    );
  });
});
