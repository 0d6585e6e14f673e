// Operator-only admin actions over HTTP: building a world, quotas, export/import round trip, reset.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RetCodeError } from "@sgplane/sdk";
import { OPERATOR, type ServerProcess, startServer } from "./harness.ts";

let server: ServerProcess;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server.stop();
});

const admin = () => server.client(OPERATOR);

async function retCodeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (error) {
    if (error instanceof RetCodeError) return error.retCode;
    throw error;
  }
}

describe("admin actions", () => {
  it("build a company from nothing and use it with the key it was given", async () => {
    await admin().call("AdminCreateCompany", { CompanyId: 7, Name: "acme", ProjectId: "org-acme01" });
    const created = await admin().call<{ Keys: { PublicKey: string; PrivateKey: string }[] }>("AdminCreateKey", {
      CompanyId: 7,
      UserName: "root",
    });
    const key = created.Keys[0];
    assert.ok(key);
    assert.match(key.PrivateKey, /^[0-9a-f]{40}$/);
    await admin().call("AdminCreateVPC", {
      CompanyId: 7,
      VPCId: "uvnet-acme",
      Region: "cn-bj2",
      ProjectId: "org-acme01",
      Name: "main",
    });
    await admin().call("AdminRegisterResource", {
      CompanyId: 7,
      ResourceId: "uhost-acme1",
      ResourceType: "uhost",
      Region: "cn-bj2",
      ProjectId: "org-acme01",
      VPCId: "uvnet-acme",
      Name: "h1",
      SecurityMode: "secgroup",
      EIP: ["1.2.3.4"],
    });
    const tenant = server.client({ publicKey: key.PublicKey, privateKey: key.PrivateKey });
    const described = await tenant.call<{
      DataSet: { ResourceId: string; PermitAssociate: boolean; ExInfo: { EIP: string[] } }[];
    }>("DescribeResourceSecGroup", { ResourceId: ["uhost-acme1"] });
    assert.equal(described.DataSet[0]?.PermitAssociate, true);
    assert.deepEqual(described.DataSet[0]?.ExInfo.EIP, ["1.2.3.4"]);
  });

  it("errors: unknown company 8039, unknown project 292, a key already in use 230", async () => {
    assert.equal(
      await retCodeOf(admin().call("AdminCreateProject", { CompanyId: 999, ProjectId: "org-x", Name: "x" })),
      8039,
    );
    assert.equal(
      await retCodeOf(
        admin().call("AdminCreateVPC", {
          CompanyId: 7,
          VPCId: "uvnet-x",
          Region: "cn-bj2",
          ProjectId: "org-nope",
          Name: "x",
        }),
      ),
      292,
    );
    const dup = { CompanyId: 7, UserName: "dev", Keys: [{ PublicKey: "dup-key", PrivateKey: "p" }] };
    await admin().call("AdminCreateKey", dup);
    assert.equal(await retCodeOf(admin().call("AdminCreateKey", dup)), 230);
  });

  it("another company's project, an unknown region, a VPC moving from under its resources: 230 naming the field", async () => {
    const refusal = async (action: string, params: Record<string, unknown>): Promise<string> => {
      try {
        await admin().call(action, params);
      } catch (error) {
        assert.ok(error instanceof RetCodeError);
        assert.equal(error.retCode, 230, error.apiMessage);
        return error.apiMessage;
      }
      assert.fail(`${action} should be refused`);
    };
    await admin().call("AdminCreateCompany", { CompanyId: 8, Name: "other", ProjectId: "org-other01" });
    assert.match(
      await refusal("AdminCreateCompany", { CompanyId: 9, Name: "thief", ProjectId: "org-acme01" }),
      /^Params \[ProjectId\] not available: org-acme01 belongs to another company/,
    );
    assert.match(
      await refusal("AdminCreateProject", { CompanyId: 8, ProjectId: "org-acme01", Name: "x" }),
      /ProjectId.*org-acme01 belongs to another company/,
    );
    const vpc = { CompanyId: 7, VPCId: "uvnet-acme", ProjectId: "org-acme01", Name: "main" };
    assert.match(await refusal("AdminCreateVPC", { ...vpc, Region: "xx-nope" }), /Region.*unknown region xx-nope/);
    // uvnet-acme holds uhost-acme1: moving it to cn-sh2 would leave the resource in a VPC of another region.
    assert.match(await refusal("AdminCreateVPC", { ...vpc, Region: "cn-sh2" }), /VPCId.*uvnet-acme cannot move/);
    assert.match(
      await refusal("AdminCreateVPC", { ...vpc, CompanyId: 8, ProjectId: "org-other01", Region: "cn-bj2" }),
      /VPCId.*uvnet-acme belongs to another company/,
    );
  });

  it("AdminSetQuota changes the limit a tenant hits", async () => {
    await admin().call("AdminSetQuota", { CompanyId: 7, SecGroupsPerCompany: 1 });
    const tenant = server.client({ publicKey: "dup-key", privateKey: "p" });
    await tenant.call("CreateSecGroup", { VPCID: "uvnet-acme", Name: "one" });
    assert.equal(await retCodeOf(tenant.call("CreateSecGroup", { VPCID: "uvnet-acme", Name: "two" })), 58201);
  });

  it("AdminDeregisterResource refuses a bound resource without Force", async () => {
    const tenant = server.client({ publicKey: "dup-key", privateKey: "p" });
    const groups = await tenant.call<{ DataSet: { SecGroupId: string }[] }>("DescribeSecGroup", {});
    const group = groups.DataSet[0]?.SecGroupId;
    assert.ok(group);
    await tenant.call("AssociateSecGroup", {
      ResourceId: ["uhost-acme1"],
      PrioritySecGroup: [{ SecGroupId: group, Priority: 1 }],
    });
    assert.equal(await retCodeOf(admin().call("AdminDeregisterResource", { ResourceId: "uhost-acme1" })), 58212);
    await admin().call("AdminDeregisterResource", { ResourceId: "uhost-acme1", Force: true });
    assert.equal(await retCodeOf(admin().call("AdminUpdateResource", { ResourceId: "uhost-acme1", Name: "x" })), 8039);
  });

  it("export → reset → import round-trips; an invalid import names the path and changes nothing", async () => {
    const exported = await admin().call<{ State: unknown }>("AdminExportState");
    const invalid = JSON.parse(JSON.stringify(exported.State)) as { Companies: { VPCs: { Region: string }[] }[] };
    const vpc = invalid.Companies[0]?.VPCs[0];
    assert.ok(vpc);
    vpc.Region = "mars-1";
    const bad = await admin().send("AdminImportState", { State: JSON.stringify(invalid) });
    assert.equal(bad.body.RetCode, 230);
    assert.match(String(bad.body.Message), /State\.Companies\[0\]\.VPCs\[0\]\.Region/);
    await admin().call("AdminReset");
    const empty = await admin().call<{ State: { Companies: unknown[] } }>("AdminExportState");
    assert.deepEqual(empty.State.Companies, []);
    await admin().call("AdminImportState", { State: JSON.stringify(exported.State) });
    const again = await admin().call<{ State: unknown }>("AdminExportState");
    assert.deepEqual(again.State, exported.State);
  });
});
