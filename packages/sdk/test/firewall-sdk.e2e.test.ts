// The UNet firewall family through the typed SDK against the real server: every action, its refusals as
// RetCodeErrors, and the change feed and audit trail of firewall changes.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RetCodeError, SgplaneClient } from "@sgplane/sdk";
import { FIREWALL_WORLD, FW_KEY, NON_WEB_ID, WEB_ID } from "../../server/test/firewall-world.ts";
import { type ServerProcess, startServer } from "../../server/test/harness.ts";

let server: ServerProcess;
let sdk: SgplaneClient;
before(async () => {
  server = await startServer({ seed: FIREWALL_WORLD });
  sdk = new SgplaneClient({ baseUrl: `${server.url}/`, region: "cn-bj2", ...FW_KEY });
});
after(async () => {
  await server?.stop();
});

async function retCodeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (error) {
    if (error instanceof RetCodeError) return error.retCode;
    throw error;
  }
  assert.fail("expected a RetCode error");
}

describe("SDK: the firewall family", () => {
  let fwId = "";
  let start = "";

  it("createFirewall, describeFirewall: the rules read back as written, keywords upper-cased", async () => {
    start = (await sdk.describeFeedSnapshot({})).Cursor;
    const created = await sdk.createFirewall({
      Name: "sdk-fw",
      Rule: ["tcp|443|0.0.0.0/0|accept|high|https", "GRE||192.168.0.0/16|DROP|LOW"],
      Remark: "from the SDK",
    });
    fwId = created.FWId;
    const { DataSet, TotalCount } = await sdk.describeFirewall({ FWId: fwId });
    assert.equal(TotalCount, 1);
    assert.deepEqual(
      DataSet[0]?.Rule.map((r) => [r.ProtocolType, r.DstPort, r.SrcIP, r.RuleAction, r.Priority, r.Remark]),
      [
        ["TCP", "443", "0.0.0.0/0", "ACCEPT", "HIGH", "https"],
        ["GRE", "", "192.168.0.0/16", "DROP", "LOW", ""],
      ],
    );
    assert.deepEqual(
      [DataSet[0]?.Tag, DataSet[0]?.Remark, DataSet[0]?.Type],
      ["Default", "from the SDK", "user defined"],
    );
  });

  it("updateFirewall, updateFirewallAttribute, grantFirewall, describeFirewallResource", async () => {
    await sdk.updateFirewall({ FWId: fwId, Rule: ["TCP|22|10.0.0.0/8|ACCEPT|MEDIUM"] });
    await sdk.updateFirewallAttribute({ FWId: fwId, Tag: "ops" });
    await sdk.grantFirewall({ FWId: fwId, ResourceType: "uhost", ResourceId: "uhost-fw1" });
    await sdk.grantFirewall({ FWId: fwId, ResourceType: "ulb", ResourceId: "ulb-fw1" });
    const listed = await sdk.describeFirewallResource({ FWId: fwId });
    assert.deepEqual(
      listed.ResourceSet.map((r) => r.ResourceID),
      ["uhost-fw1", "ulb-fw1"],
    );
    const [fw] = (await sdk.describeFirewall({ FWId: fwId })).DataSet;
    assert.deepEqual([fw?.Tag, fw?.ResourceCount, fw?.Rule.length], ["ops", 2, 1]);
  });

  it("refusals arrive as RetCodeErrors with the documented codes", async () => {
    assert.equal(await retCodeOf(sdk.describeFirewall({ FWId: "firewall-none" })), 54002);
    assert.equal(await retCodeOf(sdk.deleteFirewall({ FWId: fwId })), 4361);
    assert.equal(await retCodeOf(sdk.deleteFirewall({ FWId: NON_WEB_ID })), 4358);
    assert.equal(
      await retCodeOf(sdk.grantFirewall({ FWId: fwId, ResourceType: "uhost", ResourceId: "uhost-sg1" })),
      58213,
    );
    assert.equal(
      await retCodeOf(sdk.disassociateFirewall({ FWId: fwId, ResourceType: "uhost", ResourceId: "uhost-fw1" })),
      58215,
    );
    assert.equal(await retCodeOf(sdk.createFirewall({ Name: "x", Rule: ["TCP|22|0.0.0.0/0|ACCEPT"] })), 230);
  });

  it("disassociateFirewall takes it off the ULB; the last grant moved, the firewall can go", async () => {
    await sdk.disassociateFirewall({ FWId: fwId, ResourceType: "ulb", ResourceId: "ulb-fw1" });
    await sdk.grantFirewall({ FWId: WEB_ID, ResourceType: "uhost", ResourceId: "uhost-fw1" });
    await sdk.deleteFirewall({ FWId: fwId });
    const all = await sdk.describeFirewall({});
    assert.deepEqual(
      all.DataSet.map((f) => [f.FWId, f.ResourceCount]),
      [
        [WEB_ID, 1],
        [NON_WEB_ID, 0],
      ],
    );
  });

  it("the feed holds every firewall change, in order, with its request's action", async () => {
    const { Events } = await sdk.describeFeedEvents({ After: start, Limit: 1000 });
    assert.deepEqual(
      Events.map((e) => [e.Type, e.ObjectId, e.Action]),
      [
        ["FirewallCreated", fwId, "CreateFirewall"],
        ["FirewallUpdated", fwId, "UpdateFirewall"],
        ["FirewallUpdated", fwId, "UpdateFirewallAttribute"],
        ["FirewallGranted", "uhost-fw1", "GrantFirewall"],
        ["FirewallGranted", "ulb-fw1", "GrantFirewall"],
        ["FirewallGrantRemoved", "ulb-fw1", "DisassociateFirewall"],
        // A default firewall is stored, as it was defined, by the first write that needs its row.
        ["FirewallCreated", WEB_ID, "GrantFirewall"],
        ["FirewallGrantChanged", "uhost-fw1", "GrantFirewall"],
        ["FirewallDeleted", fwId, "DeleteFirewall"],
      ],
    );
    const snapshot = await sdk.describeFeedSnapshot({});
    assert.deepEqual(
      snapshot.Firewalls.map((f) => f.FWId),
      [WEB_ID],
    );
    assert.deepEqual(snapshot.FirewallGrants, [{ ResourceId: "uhost-fw1", FWId: WEB_ID }]);
  });

  it("the audit trail records each firewall call, accepted or refused", async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { Records } = await sdk.describeAuditRecords({ Actions: ["DeleteFirewall"] });
    // Newest written first: refusals are written in batches, after the accepted call's own transaction.
    assert.deepEqual(
      Records.map((r) => [r.RetCode, r.Params.FWId, r.Mutating]).sort((a, b) => Number(a[0]) - Number(b[0])),
      [
        [0, fwId, true],
        [4358, NON_WEB_ID, true],
        [4361, fwId, true],
      ],
    );
    const accepted = Records.find((r) => r.RetCode === 0);
    assert.equal(accepted?.EventCount, 1);
  });
});
