// SwitchToSecGroup (§3.15) over signed HTTP: firewall → security-group mode with bindings on the host and its NICs.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { B_GROUP, B_HOST, CO_A, Family, KEY_A, PROJECT_A1, VPC2, type WorldSpec, world } from "./family-world.ts";
import { startServer } from "./harness.ts";

let fam: Family;
before(async () => {
  fam = new Family(await startServer());
});
after(async () => {
  await fam.server.stop();
});

const [G1, G2, G3, G4, GV2] = [
  "secgroup-sw-g1",
  "secgroup-sw-g2",
  "secgroup-sw-g3",
  "secgroup-sw-g4",
  "secgroup-sw-gv2",
] as const;
const [SW, SWN, H1, H1N] = ["uhost-sw-host", "uni-sw-nic", "uhost-sw-h1", "uni-sw-h1nic"];

// sw (Firewall) with its NIC swn (Firewall); h1 (SecGroup, g1@1) with its NIC h1n.
const BASE: WorldSpec = {
  resources: [
    { id: SW, mode: "Firewall" },
    { id: SWN, type: "uni", parent: SW, mode: "Firewall" },
    { id: H1 },
    { id: H1N, type: "uni", parent: H1 },
  ],
  groups: [{ id: G1 }, { id: G2 }, { id: G3 }, { id: G4 }, { id: GV2, vpc: VPC2 }],
  bindings: [[H1, G1, 1]],
};

const client = (options = {}) => fam.server.client(KEY_A, { projectId: PROJECT_A1, ...options });
const switchTo = (params: Record<string, unknown>, options = {}) =>
  client(options).call("SwitchToSecGroup", { IsRemoveFirewall: true, ...params });
const uniMap = (map: Record<string, [string, number][]>) =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries(map).map(([nic, list]) => [nic, list.map(([SecGroupId, Priority]) => ({ SecGroupId, Priority }))]),
    ),
  );
const modes = async () =>
  Object.fromEntries((await fam.company()).Resources.map((r) => [r.ResourceId, r.SecurityMode]));

describe("SwitchToSecGroup", () => {
  it("Go style: bare ids take position + 1, JSON elements their own priority; NIC map binds the NIC; both switch", async () => {
    await fam.use(world(BASE));
    const res = await client({ actionInQuery: true }).send("SwitchToSecGroup", {
      ResourceId: SW,
      IsRemoveFirewall: true,
      PrioritySecGroup: [G1, JSON.stringify({ SecGroupId: G2, Priority: 4 })],
      UniToPrioritySecGroup: uniMap({ [SWN]: [[G3, 1]] }),
    });
    assert.deepEqual(res.body, { Action: "SwitchToSecGroupResponse", RetCode: 0 });
    assert.deepEqual(await fam.bindings(), [`${H1}/${G1}@1`, `${SW}/${G1}@1`, `${SW}/${G2}@4`, `${SWN}/${G3}@1`]);
    assert.deepEqual(await modes(), { [SW]: "SecGroup", [SWN]: "SecGroup", [H1]: "SecGroup", [H1N]: "SecGroup" });
    const described = await fam.server
      .client(KEY_A)
      .call<{ DataSet: { PermitAssociate: boolean }[] }>("DescribeResourceSecGroup", { ResourceId: [SW] });
    assert.equal(described.DataSet[0]?.PermitAssociate, true);
    // Now an ordinary bind works where it used to be refused with 58210.
    await fam.server
      .client(KEY_A)
      .call("AssociateSecGroup", { ResourceId: [SW], PrioritySecGroup: [{ SecGroupId: G4, Priority: 5 }] });
  });

  it("only a NIC map (JS flat JSON, IsRemoveFirewall false): the host switches too, its groups sit on the NIC", async () => {
    await fam.use(world(BASE));
    await switchTo(
      {
        ResourceId: SW,
        IsRemoveFirewall: false,
        UniToPrioritySecGroup: uniMap({
          [SWN]: [
            [G1, 2],
            [G2, 1],
          ],
        }),
      },
      { encoding: "json" },
    );
    assert.deepEqual(await fam.bindings(), [`${H1}/${G1}@1`, `${SWN}/${G1}@2`, `${SWN}/${G2}@1`]);
    assert.equal((await modes())[SW], "SecGroup");
  });

  it("flattened PrioritySecGroup.N.SecGroupId / .Priority objects are accepted (§3.15 Decision)", async () => {
    await fam.use(world(BASE));
    // Form: PrioritySecGroup.0.SecGroupId=…&PrioritySecGroup.0.Priority=3
    await switchTo({ ResourceId: SW, PrioritySecGroup: [{ SecGroupId: G3, Priority: 3 }] });
    assert.deepEqual(await fam.bindings(), [`${H1}/${G1}@1`, `${SW}/${G3}@3`]);
    // Go JSON encoder: a native array of objects.
    await fam.use(world(BASE));
    await switchTo(
      { ResourceId: SW, PrioritySecGroup: [{ SecGroupId: G3, Priority: 3 }] },
      { encoding: "json-nested" },
    );
    assert.deepEqual(await fam.bindings(), [`${H1}/${G1}@1`, `${SW}/${G3}@3`]);
  });

  it("220 without ProjectId, ResourceId, IsRemoveFirewall, or any group", async () => {
    await fam.use(world(BASE));
    const noProject = fam.server.client(KEY_A);
    await fam.failsUnchanged(
      () => noProject.call("SwitchToSecGroup", { ResourceId: SW, IsRemoveFirewall: true, PrioritySecGroup: [G1] }),
      220,
      "Missing params [ProjectId]",
    );
    await fam.failsUnchanged(() => switchTo({ PrioritySecGroup: [G1] }), 220, "Missing params [ResourceId]");
    await fam.failsUnchanged(
      () => client().call("SwitchToSecGroup", { ResourceId: SW, PrioritySecGroup: [G1] }),
      220,
      "Missing params [IsRemoveFirewall]",
    );
    await fam.failsUnchanged(() => switchTo({ ResourceId: SW }), 220, "Missing params [PrioritySecGroup]");
  });

  it("230 for malformed inputs, naming where", async () => {
    await fam.use(world(BASE));
    const base = { ResourceId: SW };
    await fam.failsUnchanged(
      () => switchTo({ ...base, IsRemoveFirewall: "maybe", PrioritySecGroup: [G1] }),
      230,
      "[IsRemoveFirewall]",
    );
    await fam.failsUnchanged(
      () => switchTo({ ...base, PrioritySecGroup: ['{"SecGroupId":'] }),
      230,
      "PrioritySecGroup.0",
    );
    await fam.failsUnchanged(
      () => switchTo({ ...base, PrioritySecGroup: [G1, JSON.stringify({ SecGroupId: G2, Priority: 7 })] }),
      230,
      "PrioritySecGroup.1",
    );
    await fam.failsUnchanged(
      () => switchTo({ ...base, PrioritySecGroup: [G1, "not an id!"] }),
      230,
      "PrioritySecGroup.1",
    );
    await fam.failsUnchanged(
      () => switchTo({ ...base, PrioritySecGroup: [G1, JSON.stringify({ SecGroupId: G2, Priority: 1 })] }),
      230,
      "PrioritySecGroup.1.Priority",
    );
    await fam.failsUnchanged(
      () => switchTo({ ...base, UniToPrioritySecGroup: "{nope" }),
      230,
      "[UniToPrioritySecGroup]",
    );
    await fam.failsUnchanged(() => switchTo({ ...base, UniToPrioritySecGroup: "[1]" }), 230, "[UniToPrioritySecGroup]");
    await fam.failsUnchanged(
      () => switchTo({ ...base, UniToPrioritySecGroup: JSON.stringify({ [SWN]: G1 }) }),
      230,
      `UniToPrioritySecGroup.${SWN}`,
    );
  });

  it("8039 for unknown or foreign groups and resources, and for a NIC that is not the resource's", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(
      () => switchTo({ ResourceId: SW, PrioritySecGroup: ["secgroup-sw-x"] }),
      8039,
      "secgroup-sw-x",
    );
    await fam.failsUnchanged(() => switchTo({ ResourceId: SW, PrioritySecGroup: [B_GROUP] }), 8039, B_GROUP);
    await fam.failsUnchanged(() => switchTo({ ResourceId: "uhost-sw-x", PrioritySecGroup: [G1] }), 8039, "uhost-sw-x");
    await fam.failsUnchanged(() => switchTo({ ResourceId: B_HOST, PrioritySecGroup: [G1] }), 8039, B_HOST);
    await fam.failsUnchanged(
      () => switchTo({ ResourceId: SW, PrioritySecGroup: [G1], UniToPrioritySecGroup: uniMap({ [H1N]: [[G2, 1]] }) }),
      8039,
      `Resource [${H1N}] not exist`,
    );
  });

  it("58209 across VPCs; 58205 on a priority already held; 58204 over the quota — the resource stays in Firewall mode", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => switchTo({ ResourceId: SW, PrioritySecGroup: [GV2] }), 58209, SW, GV2);
    await fam.failsUnchanged(() => switchTo({ ResourceId: H1, PrioritySecGroup: [G2] }), 58205, H1, G1);
    await fam.admin().call("AdminSetQuota", { CompanyId: CO_A, SecGroupsPerResource: 1 });
    await fam.failsUnchanged(() => switchTo({ ResourceId: SW, PrioritySecGroup: [G1, G2] }), 58204, SW);
    assert.equal((await modes())[SW], "Firewall");
  });

  it("58206 when a group is at its resources quota", async () => {
    await fam.use(world({ ...BASE, quotas: { ResourcesPerSecGroup: 1 } }));
    await fam.failsUnchanged(() => switchTo({ ResourceId: SW, PrioritySecGroup: [G1] }), 58206, G1, "limit is 1");
    assert.equal((await modes())[SW], "Firewall");
  });
});
