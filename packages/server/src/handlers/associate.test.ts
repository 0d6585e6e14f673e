// Handler tests of AssociateSecGroup, AssociateSecGroupDynamic, UpdateSecGroupAssociation and SwitchToSecGroup.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { rejectsApiError } from "../domain/assert-api-error.ts";
import { associateSecGroup } from "./associate-sec-group.ts";
import { associateSecGroupDynamic } from "./associate-sec-group-dynamic.ts";
import { switchToSecGroup } from "./switch-to-sec-group.ts";
import { groupRow, resourceRow, type TestEnv, testEnv } from "./test-env.ts";
import { updateSecGroupAssociation } from "./update-sec-group-association.ts";

let env: TestEnv;
beforeEach(async () => {
  env = await testEnv();
  await env.addResources(
    resourceRow("h1"),
    resourceRow("h2"),
    resourceRow("fw", { securityMode: "Firewall" }),
    resourceRow("far", { vpcId: "uvnet-second" }),
    resourceRow("uni-1", { resourceType: "uni", superResourceId: "fw", securityMode: "Firewall" }),
    resourceRow("uni-x", { resourceType: "uni", superResourceId: "h2" }),
  );
  await env.addGroups(...["a", "b", "c", "d", "e", "f"].map((id) => groupRow(id)));
  await env.bind(["h1", "a", 1], ["h1", "b", 2]);
});
afterEach(() => env.close());

const INITIAL = ["h1/a@1", "h1/b@2"];
const ps = (SecGroupId: string, Priority: number) => ({ SecGroupId, Priority });

describe("AssociateSecGroup", () => {
  const call = (ResourceId: string[], PrioritySecGroup: { SecGroupId: string; Priority: number }[]) =>
    associateSecGroup({ ResourceId, PrioritySecGroup }, env.ctx);

  it("binds, re-prioritises, and treats an identical re-bind as a no-op", async () => {
    await call(["h1", "h2"], [ps("c", 3)]);
    await call(["h1"], [ps("a", 5), ps("b", 1)]);
    await call(["h1"], [ps("a", 5)]);
    assert.deepEqual(await env.bindings(), ["h1/a@5", "h1/b@1", "h1/c@3", "h2/c@3"]);
  });

  it("refuses bad shapes (220/230), unknown ids (8039), and changes nothing", async () => {
    await rejectsApiError(call([], [ps("c", 3)]), "MissingParams", "ResourceId");
    await rejectsApiError(call(["h1"], []), "MissingParams", "PrioritySecGroup");
    await rejectsApiError(call(["h1", "h2"], [ps("c", 3), ps("d", 4)]), "InvalidParams");
    await rejectsApiError(call(["h1"], [ps("c", 3), ps("d", 3)]), "InvalidParams", "Priority");
    await rejectsApiError(call(["h1"], [ps("c", 3), ps("c", 4)]), "InvalidParams", "SecGroupId");
    await rejectsApiError(call(["h1"], [ps("zz", 3)]), "SecGroupNotFound", "zz");
    await rejectsApiError(call(["h1", "ghost"], [ps("c", 3)]), "ResourceNotFound", "ghost");
    await rejectsApiError(call(["uhost-other"], [ps("c", 3)]), "ResourceNotFound");
    await rejectsApiError(call(["h2"], [ps("secgroup-other", 3)]), "SecGroupNotFound");
    assert.deepEqual(await env.bindings(), INITIAL);
  });

  it("refuses mixed types (230), Firewall mode (58210), other VPCs (58209), taken priority (58205)", async () => {
    await rejectsApiError(call(["h2", "uni-x"], [ps("c", 3)]), "InvalidParams", "mixed resource types");
    await rejectsApiError(call(["h2", "fw"], [ps("c", 3)]), "AssociateNotPermitted", "[fw]");
    await rejectsApiError(call(["h2", "far"], [ps("c", 3)]), "VPCMismatch", "far");
    await rejectsApiError(call(["h1"], [ps("c", 2)]), "BindingPriorityConflict", "priority [2]", "[b]");
    assert.deepEqual(await env.bindings(), INITIAL);
  });

  it("enforces the resource and group quotas (58204, 58206)", async () => {
    await env.setQuotas({ SecGroupsPerResource: 2, ResourcesPerSecGroup: 1 });
    await rejectsApiError(call(["h1"], [ps("c", 3)]), "ResourceSecGroupQuotaExceeded", "h1");
    await rejectsApiError(call(["h2"], [ps("a", 1)]), "SecGroupBindingQuotaExceeded", "[a]");
    await call(["h2"], [ps("c", 1)]);
    assert.deepEqual(await env.bindings(), [...INITIAL, "h2/c@1"]);
  });
});

describe("AssociateSecGroupDynamic", () => {
  it("puts the group at 1 and cascades to the first free slot; already-bound resources are skipped", async () => {
    await env.bind(["h1", "c", 4], ["h2", "d", 2]);
    await associateSecGroupDynamic({ ResourceId: ["h1", "h2"], SecGroupId: "e" }, env.ctx);
    assert.deepEqual(await env.bindings(), ["h1/a@2", "h1/b@3", "h1/c@4", "h1/e@1", "h2/d@2", "h2/e@1"]);
    await associateSecGroupDynamic({ ResourceId: ["h1"], SecGroupId: "c" }, env.ctx);
    assert.deepEqual(await env.bindings(), ["h1/a@2", "h1/b@3", "h1/c@4", "h1/e@1", "h2/d@2", "h2/e@1"]);
  });

  it("fails whole when one resource is full (58204); > 20 resources → 230; unknown → 8039", async () => {
    await env.bind(["h2", "a", 1], ["h2", "b", 2], ["h2", "c", 3], ["h2", "d", 4], ["h2", "e", 5]);
    const before = await env.bindings();
    await rejectsApiError(
      associateSecGroupDynamic({ ResourceId: ["h1", "h2"], SecGroupId: "f" }, env.ctx),
      "ResourceSecGroupQuotaExceeded",
      "h2",
    );
    const many = Array.from({ length: 21 }, (_, i) => `h${i}`);
    await rejectsApiError(associateSecGroupDynamic({ ResourceId: many, SecGroupId: "f" }, env.ctx), "InvalidParams");
    await rejectsApiError(
      associateSecGroupDynamic({ ResourceId: ["h1"], SecGroupId: "zz" }, env.ctx),
      "SecGroupNotFound",
    );
    await rejectsApiError(
      associateSecGroupDynamic({ ResourceId: ["fw"], SecGroupId: "f" }, env.ctx),
      "AssociateNotPermitted",
    );
    await rejectsApiError(associateSecGroupDynamic({ ResourceId: ["far"], SecGroupId: "f" }, env.ctx), "VPCMismatch");
    assert.deepEqual(await env.bindings(), before);
  });
});

describe("UpdateSecGroupAssociation", () => {
  const call = (
    OldSecGroupId: string[],
    NewPrioritySecGroup: { SecGroupId: string; Priority: number }[],
    ResourceId = "h1",
  ) => updateSecGroupAssociation({ ResourceId, OldSecGroupId, NewPrioritySecGroup }, env.ctx);

  it("swaps groups in one step; old groups not bound are ignored", async () => {
    await call(["a", "c"], [ps("d", 1)]);
    assert.deepEqual(await env.bindings(), ["h1/b@2", "h1/d@1"]);
  });

  it("refuses unknown ids (8039), conflicts (58205), missing lists (220); nothing changed", async () => {
    await rejectsApiError(call(["zz"], [ps("d", 1)]), "SecGroupNotFound", "zz");
    await rejectsApiError(call(["a"], [ps("d", 1)], "ghost"), "ResourceNotFound", "ghost");
    await rejectsApiError(call(["a"], [ps("d", 2)]), "BindingPriorityConflict", "[b]");
    await rejectsApiError(call([], [ps("d", 1)]), "MissingParams", "OldSecGroupId");
    await rejectsApiError(call(["a"], []), "MissingParams", "NewPrioritySecGroup");
    await rejectsApiError(call(["a"], [ps("d", 1), ps("e", 1)]), "InvalidParams");
    assert.deepEqual(await env.bindings(), INITIAL);
  });
});

describe("SwitchToSecGroup", () => {
  it("switches a Firewall-mode resource and its NIC, binding groups to each", async () => {
    await switchToSecGroup(
      {
        ResourceId: "fw",
        IsRemoveFirewall: true,
        PrioritySecGroup: ["a", '{"SecGroupId":"b","Priority":3}'],
        UniToPrioritySecGroup: '{"uni-1":[{"SecGroupId":"c","Priority":1}]}',
      },
      env.ctx,
    );
    assert.deepEqual(await env.bindings(), ["fw/a@1", "fw/b@3", ...INITIAL, "uni-1/c@1"]);
    const modes = await env.store.read((tx) => tx.resourcesByIds(env.ctx.scope, ["fw", "uni-1"]));
    assert.deepEqual(
      modes.map((r) => r.securityMode),
      ["SecGroup", "SecGroup"],
    );
    // Now an ordinary SecGroup-mode resource: AssociateSecGroup works on it.
    await associateSecGroup({ ResourceId: ["fw"], PrioritySecGroup: [ps("d", 2)] }, env.ctx);
  });

  it("refuses a NIC of another resource (8039), bad JSON (230), nothing to bind (220); nothing changed", async () => {
    const base = { ResourceId: "fw", IsRemoveFirewall: false };
    await rejectsApiError(
      switchToSecGroup({ ...base, UniToPrioritySecGroup: '{"uni-x":[{"SecGroupId":"c","Priority":1}]}' }, env.ctx),
      "ResourceNotFound",
      "uni-x",
    );
    await rejectsApiError(switchToSecGroup({ ...base, UniToPrioritySecGroup: "{" }, env.ctx), "InvalidParams");
    await rejectsApiError(switchToSecGroup(base, env.ctx), "MissingParams", "PrioritySecGroup");
    await rejectsApiError(switchToSecGroup({ ...base, PrioritySecGroup: ["zz"] }, env.ctx), "SecGroupNotFound");
    await rejectsApiError(
      switchToSecGroup({ ...base, ResourceId: "ghost", PrioritySecGroup: ["a"] }, env.ctx),
      "ResourceNotFound",
    );
    assert.deepEqual(await env.bindings(), INITIAL);
    const [fw] = await env.store.read((tx) => tx.resourcesByIds(env.ctx.scope, ["fw"]));
    assert.equal(fw?.securityMode, "Firewall");
  });
});
