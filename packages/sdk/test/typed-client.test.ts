// The typed SDK: one method per catalogue action, wire encoding, and compile-time checks that `tsc` enforces.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ActionName, actionNames, catalogue, sign } from "@sgplane/catalogue";
import { type ActionMethods, createClient, type Encoding, methodName, SgplaneClient } from "@sgplane/sdk";
import { type FakeGateway, startFakeGateway } from "./fake-gateway.ts";

let gateway: FakeGateway;
before(async () => {
  gateway = await startFakeGateway();
});
after(async () => {
  await gateway.close();
});

const options = { publicKey: "pub", privateKey: "priv", region: "cn-bj2", projectId: "org-x" };

// Never run: `tsc -p tsconfig.json` checks these lines, and each @ts-expect-error fails the build if it stops erroring.
export function typeChecks(sdk: SgplaneClient): void {
  const rule = {
    Direction: "Ingress",
    ProtocolType: "TCP",
    DstPort: "22",
    IPRange: "0.0.0.0/0",
    RuleAction: "Accept",
  } as const;
  const inbound = { ...rule, Priority: 1, Direction: "Inbound" } as const;
  const textPriority = { SecGroupId: "secgroup-a", Priority: "1" } as const;
  void sdk.disassociateSecGroup({ SecGroupId: ["a"], Force: true });
  void sdk.describeSecGroup();
  void sdk.adminReset();
  void sdk.associateSecGroup({
    ResourceId: ["uhost-1"],
    PrioritySecGroup: [{ SecGroupId: "secgroup-a", Priority: 1 }],
  });
  void sdk.createSecGroupRule({ SecGroupId: "secgroup-a", Rule: [{ ...rule, Priority: 1 }] });

  // @ts-expect-error a wrong field name
  void sdk.describeSecGroup({ SecGroupId: ["a"], VPCid: "x" });
  // @ts-expect-error a wrong field name
  void sdk.disassociateSecGroup({ SecGroupIds: ["a"] });
  // @ts-expect-error a wrong field type (a boolean field given a string)
  void sdk.disassociateSecGroup({ SecGroupId: ["a"], Force: "yes" });
  // @ts-expect-error a list field given a single string
  void sdk.deleteSecGroup({ SecGroupId: "secgroup-a" });
  // @ts-expect-error a required field missing
  void sdk.associateSecGroup({ ResourceId: ["uhost-1"] });
  // @ts-expect-error an action with required fields called without input
  void sdk.createSecGroup();
  // @ts-expect-error an enum field given a value outside the enum
  void sdk.createSecGroupRule({ SecGroupId: "s", Rule: [inbound] });
  // @ts-expect-error an integer field given a string
  void sdk.associateSecGroup({ ResourceId: ["uhost-1"], PrioritySecGroup: [textPriority] });
  // @ts-expect-error a method that is not in the catalogue
  void sdk.disassociateSecGroups({});
  // @ts-expect-error the wire casing is not a method name
  void sdk.DescribeSecGroup();

  void (async () => {
    const groups = await sdk.describeSecGroup({ VPCId: "uvnet-a" });
    const name: string | undefined = groups.DataSet[0]?.Name;
    const total: number = groups.TotalCount;
    const requestId: string | undefined = groups.$metadata.requestId;
    // @ts-expect-error an output field that does not exist
    void groups.Total;
    // @ts-expect-error output fields keep their types
    const wrong: string = groups.TotalCount;
    const created = await sdk.createSecGroup({ VPCID: "uvnet-a", Name: "g" });
    const id: string = created.SecGroupId;
    void [name, total, requestId, wrong, id];
  })();
}

describe("SgplaneClient", () => {
  it("has exactly one camelCase method per catalogue action", () => {
    const sdk = createClient({ baseUrl: gateway.url, ...options });
    for (const action of actionNames) {
      const name = methodName(action);
      assert.match(name, /^[a-z][A-Za-z]+$/);
      assert.equal(typeof sdk[name], "function", name);
    }
    assert.equal(methodName("AdminCreateVPC"), "adminCreateVPC");
    assert.equal(new Set(actionNames.map(methodName)).size, Object.keys(catalogue).length);
  });

  for (const encoding of ["form", "json", "json-nested"] as const satisfies readonly Encoding[]) {
    it(`sends the action, common parameters and a valid signature (${encoding})`, async () => {
      gateway.script({ retCode: 0 });
      const sdk = new SgplaneClient({ baseUrl: gateway.url, ...options, encoding });
      const res = await sdk.disassociateSecGroup({ SecGroupId: ["secgroup-a", "secgroup-b"], Force: true });
      assert.deepEqual({ ...res }, {});
      const params = gateway.received[0]?.params ?? {};
      assert.equal(params.Action, "DisassociateSecGroup");
      assert.equal(params.Region, "cn-bj2");
      assert.equal(params.ProjectId, "org-x");
      if (encoding === "json-nested") assert.deepEqual(params.SecGroupId, ["secgroup-a", "secgroup-b"]);
      else assert.equal(params["SecGroupId.1"], "secgroup-b");
      const { Signature, ...rest } = params;
      assert.equal(Signature, sign(rest as Parameters<typeof sign>[0], "priv"));
    });
  }

  it("resolves to the output fields only, with non-enumerable $metadata", async () => {
    gateway.script({ retCode: 0, fields: { SecGroupId: "secgroup-new" } });
    const sdk = new SgplaneClient({ baseUrl: gateway.url, ...options });
    const res = await sdk.createSecGroup({ VPCID: "uvnet-a", Name: "g" });
    assert.deepEqual(JSON.parse(JSON.stringify(res)), { SecGroupId: "secgroup-new" });
    assert.deepEqual(res.$metadata, { requestId: "req-1", attempts: 1 });
  });

  it("invoke() takes an action name chosen at run time", async () => {
    gateway.script({ retCode: 0, fields: { DataSet: [], TotalCount: 0 } });
    const sdk = new SgplaneClient({ baseUrl: gateway.url, ...options });
    const action: ActionName = "DescribeSecGroupResource";
    const res = await sdk.invoke(action, {});
    assert.equal(gateway.received[0]?.params.Action, action);
    assert.ok(res.$metadata.attempts === 1);
  });

  it("the method table type covers the catalogue", () => {
    const keys: (keyof ActionMethods)[] = ["disassociateSecGroup", "adminExportState"];
    assert.equal(keys.length, 2);
  });
});
