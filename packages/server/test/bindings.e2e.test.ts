// AssociateSecGroup, AssociateSecGroupDynamic, UpdateSecGroupAssociation (§3.9–3.11) over signed HTTP, every error.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RetCodeError } from "@sgplane/sdk";
import { B_GROUP, B_HOST, CO_A, Family, KEY_A, shapeOf, VPC2, type WorldSpec, world } from "./family-world.ts";
import { startServer } from "./harness.ts";

let fam: Family;
before(async () => {
  fam = new Family(await startServer());
});
after(async () => {
  await fam.server.stop();
});

const [G1, G2, G3, G4, G5, G6] = [
  "secgroup-bnd-g1",
  "secgroup-bnd-g2",
  "secgroup-bnd-g3",
  "secgroup-bnd-g4",
  "secgroup-bnd-g5",
  "secgroup-bnd-g6",
] as const;
const GV2 = "secgroup-bnd-v2";
const [H1, H2, H3, H4, FW, N1] = [
  "uhost-bnd-h1",
  "uhost-bnd-h2",
  "uhost-bnd-h3",
  "uhost-bnd-h4",
  "uhost-bnd-fw",
  "uni-bnd-n1",
] as const;

// h1: g1@1 g2@2; h2: g1@1; h3: none; h4: in VPC2; fw: Firewall mode; n1: a NIC-type resource (uni) in VPC1.
const BASE: WorldSpec = {
  resources: [
    { id: H1 },
    { id: H2 },
    { id: H3 },
    { id: H4, vpc: VPC2 },
    { id: FW, mode: "Firewall" },
    { id: N1, type: "uni" },
  ],
  groups: [{ id: G1 }, { id: G2 }, { id: G3 }, { id: G4 }, { id: G5 }, { id: G6 }, { id: GV2, vpc: VPC2 }],
  bindings: [
    [H1, G1, 1],
    [H1, G2, 2],
    [H2, G1, 1],
  ],
};
const INITIAL = [`${H1}/${G1}@1`, `${H1}/${G2}@2`, `${H2}/${G1}@1`];
const plus = (...more: string[]) => [...INITIAL, ...more].sort();

const call = (action: string, params: Record<string, unknown>) => fam.server.client(KEY_A).call(action, params);
const associate = (ResourceId: unknown, PrioritySecGroup: unknown) =>
  call("AssociateSecGroup", { ResourceId, PrioritySecGroup });
const dynamic = (ResourceId: unknown, SecGroupId: unknown) =>
  call("AssociateSecGroupDynamic", { ResourceId, SecGroupId });
const update = (ResourceId: unknown, OldSecGroupId: unknown, NewPrioritySecGroup: unknown) =>
  call("UpdateSecGroupAssociation", { ResourceId, OldSecGroupId, NewPrioritySecGroup });
const psg = (...pairs: [string, number][]) => pairs.map(([SecGroupId, Priority]) => ({ SecGroupId, Priority }));

describe("AssociateSecGroup", () => {
  it("groups batched on one resource (JS flat JSON, priorities as JSON numbers); exact envelope", async () => {
    await fam.use(world(BASE));
    const res = await fam.server
      .client(KEY_A, { encoding: "json" })
      .send("AssociateSecGroup", { ResourceId: [H3], PrioritySecGroup: psg([G1, 1], [G2, 3]) });
    assert.deepEqual(res.body, { Action: "AssociateSecGroupResponse", RetCode: 0 });
    assert.deepEqual(await fam.bindings(), plus(`${H3}/${G1}@1`, `${H3}/${G2}@3`));
  });

  it("resources batched with one group (Go JSON encoder, nested objects)", async () => {
    await fam.use(world(BASE));
    await fam.server
      .client(KEY_A, { encoding: "json-nested", actionInQuery: true })
      .call("AssociateSecGroup", { ResourceId: [H2, H3], PrioritySecGroup: psg([G3, 2]) });
    assert.deepEqual(await fam.bindings(), plus(`${H2}/${G3}@2`, `${H3}/${G3}@2`));
  });

  it("old-SDK forms: PrioritySecGroup as one JSON-array string, ResourceId as a plain id; Priority as text", async () => {
    await fam.use(world(BASE));
    await associate(H3, JSON.stringify(psg([G4, 4], [G5, 5])));
    await associate([H2], [{ SecGroupId: G6, Priority: "3" }]);
    assert.deepEqual(await fam.bindings(), plus(`${H3}/${G4}@4`, `${H3}/${G5}@5`, `${H2}/${G6}@3`));
  });

  it("re-binding a bound group changes its priority; the same priority again is a no-op", async () => {
    await fam.use(world(BASE));
    await associate([H1], psg([G2, 4]));
    assert.deepEqual(await fam.bindings(), [`${H1}/${G1}@1`, `${H1}/${G2}@4`, `${H2}/${G1}@1`]);
    const before = await fam.snapshot();
    await associate([H1], psg([G2, 4]));
    assert.deepEqual(await fam.snapshot(), before);
  });

  it("two bound groups may swap priorities in one call (checked on the final state)", async () => {
    await fam.use(world(BASE));
    await associate([H1], psg([G1, 2], [G2, 1]));
    assert.deepEqual(await fam.bindings(), [`${H1}/${G1}@2`, `${H1}/${G2}@1`, `${H2}/${G1}@1`]);
  });

  it("220 for a missing ResourceId or PrioritySecGroup (or a missing field inside it)", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => call("AssociateSecGroup", { PrioritySecGroup: psg([G3, 1]) }), 220, "[ResourceId]");
    await fam.failsUnchanged(() => call("AssociateSecGroup", { ResourceId: [H3] }), 220, "[PrioritySecGroup]");
    await fam.failsUnchanged(() => associate([H3], [{ SecGroupId: G3 }]), 220, "PrioritySecGroup.0.Priority");
  });

  it("230 for both sides batched, priorities outside 1-5, duplicates in the request, mixed resource types", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => associate([H2, H3], psg([G3, 3], [G4, 4])), 230, "ResourceId/PrioritySecGroup");
    await fam.failsUnchanged(() => associate([H3], psg([G3, 0])), 230, "PrioritySecGroup.0.Priority");
    await fam.failsUnchanged(() => associate([H3], psg([G3, 1], [G4, 6])), 230, "PrioritySecGroup.1.Priority");
    await fam.failsUnchanged(() => associate([H3], [{ SecGroupId: G3, Priority: "x" }]), 230, "Priority");
    await fam.failsUnchanged(() => associate([H3], psg([G3, 1], [G3, 2])), 230, "PrioritySecGroup.1.SecGroupId", G3);
    await fam.failsUnchanged(() => associate([H3], psg([G3, 1], [G4, 1])), 230, "PrioritySecGroup.1.Priority");
    await fam.failsUnchanged(() => associate([H3, N1], psg([G3, 3])), 230, "[ResourceId]", H3, N1);
  });

  it("8039 for unknown or another company's group or resource, naming them, same message shape", async () => {
    await fam.use(world(BASE));
    const unknown = await fam.failsUnchanged(() => associate([H3], psg([G3, 1], ["secgroup-bnd-x", 2])), 8039);
    assert.equal(unknown, "SecGroup [secgroup-bnd-x] not exist");
    const theirs = await fam.failsUnchanged(() => associate([H3], psg([B_GROUP, 2])), 8039);
    assert.equal(shapeOf(theirs, B_GROUP), shapeOf(unknown, "secgroup-bnd-x"));
    const host = await fam.failsUnchanged(() => associate([H3, "uhost-bnd-x"], psg([G3, 1])), 8039);
    assert.equal(host, "Resource [uhost-bnd-x] not exist");
    const theirHost = await fam.failsUnchanged(() => associate([B_HOST], psg([G3, 1])), 8039);
    assert.equal(shapeOf(theirHost, B_HOST), shapeOf(host, "uhost-bnd-x"));
  });

  it("58210 for a Firewall-mode resource, 58209 across VPCs, naming resource, VPC and group", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => associate([FW], psg([G3, 1])), 58210, `Resource [${FW}] does not permit secgroup`);
    await fam.failsUnchanged(() => associate([H4], psg([G3, 1])), 58209, H4, "uvnet-fam-a1", G3);
    await fam.failsUnchanged(() => associate([H3], psg([GV2, 1])), 58209, H3, VPC2, GV2);
  });

  it("58205 when another group holds the priority (names the holder); 58204 over the per-resource quota", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => associate([H1], psg([G3, 1])), 58205, `Resource [${H1}] priority [1]`, G1);
    await fam.failsUnchanged(() => associate([H1, H2], psg([G3, 2])), 58205, H1, G2);
    await fam.admin().call("AdminSetQuota", { CompanyId: CO_A, SecGroupsPerResource: 2 });
    await fam.failsUnchanged(() => associate([H1], psg([G3, 3])), 58204, `Resource [${H1}]`, "limit is 2");
    await associate([H2], psg([G3, 3]));
    assert.deepEqual(await fam.bindings(), plus(`${H2}/${G3}@3`));
  });

  it("58204 at the default quota of 5 groups", async () => {
    await fam.use(world(BASE));
    await associate([H3], psg([G1, 1], [G2, 2], [G3, 3], [G4, 4], [G5, 5]));
    // A sixth group needs a priority that is taken too; either error is a correct answer, the state must not move.
    const before = await fam.snapshot();
    const err = await associate([H3], psg([G6, 5])).then(
      () => assert.fail("a sixth group was bound"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RetCodeError && [58204, 58205].includes(err.retCode), String(err));
    assert.ok(err.apiMessage.includes(H3));
    assert.deepEqual(await fam.snapshot(), before);
    await fam.failsUnchanged(() => dynamic([H3], G6), 58204, H3, "limit is 5");
  });

  it("58206 when a group would exceed its resources quota (AdminSetQuota ResourcesPerSecGroup)", async () => {
    await fam.use(world({ ...BASE, quotas: { ResourcesPerSecGroup: 2 } }));
    await fam.failsUnchanged(() => associate([H3], psg([G1, 3])), 58206, `SecGroup [${G1}]`, "limit is 2");
    await associate([H3], psg([G2, 3]));
    // Moving a bound group does not add to its load; a new resource in the same call does.
    await fam.failsUnchanged(() => associate([H1, H3], psg([G1, 4])), 58206, G1);
    await associate([H1], psg([G1, 4]));
    assert.deepEqual(await fam.bindings(), [`${H1}/${G1}@4`, `${H1}/${G2}@2`, `${H2}/${G1}@1`, `${H3}/${G2}@3`]);
  });
});

describe("AssociateSecGroupDynamic", () => {
  it("binds at priority 1, pushing existing bindings down; a resource already bound is skipped", async () => {
    await fam.use(world(BASE));
    await fam.server.client(KEY_A, { actionInQuery: true }).call("AssociateSecGroupDynamic", {
      ResourceId: [H1, H2, H3],
      SecGroupId: G3,
    });
    assert.deepEqual(
      await fam.bindings(),
      [`${H1}/${G3}@1`, `${H1}/${G1}@2`, `${H1}/${G2}@3`, `${H2}/${G3}@1`, `${H2}/${G1}@2`, `${H3}/${G3}@1`].sort(),
    );
    const before = await fam.snapshot();
    await dynamic([H1, H2], G3);
    assert.deepEqual(await fam.snapshot(), before, "already bound: nothing moves");
  });

  it("the cascade stops at the first free priority", async () => {
    await fam.use(
      world({
        ...BASE,
        bindings: [
          [H1, G1, 1],
          [H1, G2, 3],
        ],
      }),
    );
    await dynamic([H1], G4);
    assert.deepEqual(await fam.bindings(), [`${H1}/${G4}@1`, `${H1}/${G1}@2`, `${H1}/${G2}@3`].sort());
    await fam.use(world({ ...BASE, bindings: [[H1, G1, 2]] }));
    await dynamic([H1], G4);
    assert.deepEqual(await fam.bindings(), [`${H1}/${G4}@1`, `${H1}/${G1}@2`].sort());
  });

  it("220 without ResourceId or SecGroupId; 230 for more than 20 resources", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => call("AssociateSecGroupDynamic", { SecGroupId: G3 }), 220, "[ResourceId]");
    await fam.failsUnchanged(() => call("AssociateSecGroupDynamic", { ResourceId: [H3] }), 220, "[SecGroupId]");
    const many = Array.from({ length: 21 }, (_, i) => `uhost-bnd-m${i}`);
    await fam.failsUnchanged(() => dynamic(many, G3), 230, "[ResourceId]", "20");
  });

  it("8039 for an unknown or foreign group or resource", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => dynamic([H3], "secgroup-bnd-x"), 8039, "secgroup-bnd-x");
    await fam.failsUnchanged(() => dynamic([H3], B_GROUP), 8039, `SecGroup [${B_GROUP}] not exist`);
    await fam.failsUnchanged(() => dynamic([H3, B_HOST], G3), 8039, `Resource [${B_HOST}] not exist`);
  });

  it("58210 / 58209 / 58204 / 58206 fail the whole call (other resources in the batch unchanged)", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => dynamic([H3, FW], G3), 58210, FW);
    await fam.failsUnchanged(() => dynamic([H3], GV2), 58209, H3, GV2);
    await fam.admin().call("AdminSetQuota", { CompanyId: CO_A, SecGroupsPerResource: 2 });
    await fam.failsUnchanged(() => dynamic([H3, H2, H1], G3), 58204, `Resource [${H1}]`);
    await fam.admin().call("AdminSetQuota", { CompanyId: CO_A, SecGroupsPerResource: 5, ResourcesPerSecGroup: 1 });
    await fam.failsUnchanged(() => dynamic([H2, H3], G3), 58206, G3, "limit is 1");
  });
});

describe("UpdateSecGroupAssociation", () => {
  it("unbinds the old groups and binds the new ones in one step (the Terraform-friendly swap)", async () => {
    await fam.use(world({ ...BASE, bindings: [[H2, G1, 1]] }));
    await fam.server
      .client(KEY_A, { encoding: "json" })
      .call("UpdateSecGroupAssociation", { ResourceId: H2, OldSecGroupId: [G1], NewPrioritySecGroup: psg([G3, 1]) });
    assert.deepEqual(await fam.bindings(), [`${H2}/${G3}@1`]);
  });

  it("only the listed groups are touched; old ids not bound are ignored; an old id listed as new is moved", async () => {
    await fam.use(world(BASE));
    await update(H1, [G2, G5], psg([G4, 5]));
    assert.deepEqual(await fam.bindings(), [`${H1}/${G1}@1`, `${H1}/${G4}@5`, `${H2}/${G1}@1`]);
    await update(H1, [G1], psg([G1, 3], [G6, 1]));
    assert.deepEqual(await fam.bindings(), [`${H1}/${G1}@3`, `${H1}/${G4}@5`, `${H1}/${G6}@1`, `${H2}/${G1}@1`]);
  });

  it("220 for each missing parameter; 230 for duplicate priorities and bad priorities", async () => {
    await fam.use(world(BASE));
    const full = { ResourceId: H1, OldSecGroupId: [G1], NewPrioritySecGroup: psg([G3, 1]) };
    for (const name of ["ResourceId", "OldSecGroupId", "NewPrioritySecGroup"] as const) {
      const { [name]: _dropped, ...rest } = full;
      await fam.failsUnchanged(() => call("UpdateSecGroupAssociation", rest), 220, `Missing params [${name}]`);
    }
    await fam.failsUnchanged(() => update(H1, [G1], psg([G3, 1], [G4, 1])), 230, "NewPrioritySecGroup.1.Priority");
    await fam.failsUnchanged(() => update(H1, [G1], psg([G3, 9])), 230, "NewPrioritySecGroup.0.Priority");
  });

  it("8039 for an unknown resource, old group or new group (another company's too)", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => update("uhost-bnd-x", [G1], psg([G3, 1])), 8039, "Resource [uhost-bnd-x]");
    await fam.failsUnchanged(() => update(B_HOST, [B_GROUP], psg([G3, 1])), 8039, B_GROUP);
    await fam.failsUnchanged(() => update(H1, ["secgroup-bnd-x"], psg([G3, 1])), 8039, "secgroup-bnd-x");
    await fam.failsUnchanged(() => update(H1, [G1], psg([B_GROUP, 1])), 8039, B_GROUP);
  });

  it("58209 / 58205 / 58204 / 58210 on the resulting state", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => update(H1, [G1], psg([GV2, 1])), 58209, H1, GV2);
    await fam.failsUnchanged(() => update(H1, [G1], psg([G3, 2])), 58205, `priority [2]`, G2);
    await fam.failsUnchanged(() => update(FW, [G1], psg([G3, 1])), 58210, FW);
    await fam.admin().call("AdminSetQuota", { CompanyId: CO_A, SecGroupsPerResource: 2 });
    await fam.failsUnchanged(() => update(H1, [G5], psg([G3, 3])), 58204, H1);
    await update(H1, [G2], psg([G3, 3]));
    assert.deepEqual(await fam.bindings(), [`${H1}/${G1}@1`, `${H1}/${G3}@3`, `${H2}/${G1}@1`]);
  });
  it("58206 when a new group is at its resources quota (an old id that is not bound is ignored)", async () => {
    await fam.use(world({ ...BASE, quotas: { ResourcesPerSecGroup: 2 } }));
    await fam.failsUnchanged(() => update(H3, [G2], psg([G1, 1])), 58206, `SecGroup [${G1}]`, "limit is 2");
    await update(H3, [G5], psg([G2, 1]));
    assert.deepEqual(await fam.bindings(), plus(`${H3}/${G2}@1`));
  });
});
