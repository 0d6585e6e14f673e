// Unit tests of the AssociateSecGroup, AssociateSecGroupDynamic and UpdateSecGroupAssociation planners.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertApiError } from "./assert-api-error.ts";
import { checkAssociateShape, planAssociate, planAssociateDynamic, planUpdateAssociation } from "./associate.ts";
import { applyPlan, type Binding, type BindingPlan } from "./binding-model.ts";
import { testWorld } from "./test-world.ts";

const sorted = (bindings: readonly Binding[]) =>
  [...bindings].sort((a, b) => a.resourceId.localeCompare(b.resourceId) || a.priority - b.priority);

const after = (bindings: readonly Binding[], plan: BindingPlan) => sorted(applyPlan(bindings, plan));

describe("AssociateSecGroup shape", () => {
  it("requires both lists (220)", () => {
    assertApiError(() => checkAssociateShape([], [{ secGroupId: "sg-a", priority: 1 }]), "MissingParams", "ResourceId");
    assertApiError(() => checkAssociateShape(["r1"], []), "MissingParams", "PrioritySecGroup");
  });

  it("refuses both sides batched (230)", () => {
    const entries = [
      { secGroupId: "sg-a", priority: 1 },
      { secGroupId: "sg-b", priority: 2 },
    ];
    assertApiError(() => checkAssociateShape(["r1", "r2"], entries), "InvalidParams", "ResourceId/PrioritySecGroup");
  });

  it("refuses a group or a priority twice in one request (230)", () => {
    const twiceGroup = [
      { secGroupId: "sg-a", priority: 1 },
      { secGroupId: "sg-a", priority: 2 },
    ];
    assertApiError(() => checkAssociateShape(["r1"], twiceGroup), "InvalidParams", "PrioritySecGroup.1.SecGroupId");
    const twicePriority = [
      { secGroupId: "sg-a", priority: 3 },
      { secGroupId: "sg-b", priority: 3 },
    ];
    assertApiError(() => checkAssociateShape(["r1"], twicePriority), "InvalidParams", "PrioritySecGroup.1.Priority");
  });
});

describe("planAssociate", () => {
  const base = {
    groups: ["sg-a", "sg-b", "sg-c"],
    resources: ["r1", "r2"],
  };

  it("binds several resources to one group", () => {
    const world = testWorld(base);
    const plan = planAssociate(world, ["r1", "r2"], [{ secGroupId: "sg-a", priority: 2 }]);
    assert.deepEqual(plan.remove, []);
    assert.deepEqual(sorted(plan.put), [
      { resourceId: "r1", secGroupId: "sg-a", priority: 2 },
      { resourceId: "r2", secGroupId: "sg-a", priority: 2 },
    ]);
  });

  it("re-binding a bound group changes its priority; the same priority is a no-op", () => {
    const world = testWorld({ ...base, bindings: [["r1", "sg-a", 1]] });
    assert.deepEqual(planAssociate(world, ["r1"], [{ secGroupId: "sg-a", priority: 1 }]).put, []);
    const plan = planAssociate(world, ["r1"], [{ secGroupId: "sg-a", priority: 4 }]);
    assert.deepEqual(after(world.bindings, plan), [{ resourceId: "r1", secGroupId: "sg-a", priority: 4 }]);
  });

  it("refuses unknown groups and resources (8039), naming them", () => {
    const world = testWorld(base);
    assertApiError(
      () => planAssociate(world, ["r1"], [{ secGroupId: "sg-x", priority: 1 }]),
      "SecGroupNotFound",
      "sg-x",
    );
    assertApiError(
      () => planAssociate(world, ["r1", "r9", "r8"], [{ secGroupId: "sg-a", priority: 1 }]),
      "ResourceNotFound",
      "r9,r8",
    );
  });

  it("refuses mixed resource types (230)", () => {
    const world = testWorld({ ...base, resources: ["r1", { id: "uni-1", type: "uni" }] });
    assertApiError(
      () => planAssociate(world, ["r1", "uni-1"], [{ secGroupId: "sg-a", priority: 1 }]),
      "InvalidParams",
      "mixed resource types",
      "uni-1",
    );
  });

  it("refuses Firewall-mode resources (58210) and other VPCs (58209)", () => {
    const world = testWorld({
      groups: ["sg-a", { id: "sg-far", vpc: "vpc-2" }],
      resources: ["r1", { id: "r-fw", mode: "Firewall" }],
    });
    assertApiError(
      () => planAssociate(world, ["r1", "r-fw"], [{ secGroupId: "sg-a", priority: 1 }]),
      "AssociateNotPermitted",
      "r-fw",
    );
    assertApiError(
      () => planAssociate(world, ["r1"], [{ secGroupId: "sg-far", priority: 1 }]),
      "VPCMismatch",
      "r1",
      "vpc-2",
      "sg-far",
    );
  });

  it("refuses a priority held by another group (58205), naming the holder", () => {
    const world = testWorld({ ...base, bindings: [["r1", "sg-b", 2]] });
    assertApiError(
      () => planAssociate(world, ["r1"], [{ secGroupId: "sg-a", priority: 2 }]),
      "BindingPriorityConflict",
      "r1",
      "[2]",
      "sg-b",
    );
  });

  it("allows swapping priorities of two bound groups in one call", () => {
    const world = testWorld({
      ...base,
      bindings: [
        ["r1", "sg-a", 1],
        ["r1", "sg-b", 2],
      ],
    });
    const plan = planAssociate(
      world,
      ["r1"],
      [
        { secGroupId: "sg-a", priority: 2 },
        { secGroupId: "sg-b", priority: 1 },
      ],
    );
    assert.deepEqual(after(world.bindings, plan), [
      { resourceId: "r1", secGroupId: "sg-b", priority: 1 },
      { resourceId: "r1", secGroupId: "sg-a", priority: 2 },
    ]);
  });

  it("refuses more groups than the resource quota (58204)", () => {
    const world = testWorld({
      ...base,
      bindings: [
        ["r1", "sg-a", 1],
        ["r1", "sg-b", 2],
      ],
      secGroupsPerResource: 2,
    });
    assertApiError(
      () => planAssociate(world, ["r1"], [{ secGroupId: "sg-c", priority: 3 }]),
      "ResourceSecGroupQuotaExceeded",
      "r1",
      "limit is 2",
    );
  });

  it("refuses more resources than the group quota (58206)", () => {
    const world = testWorld({ ...base, bindings: [["r1", "sg-a", 1]], resourcesPerSecGroup: 1 });
    assertApiError(
      () => planAssociate(world, ["r2"], [{ secGroupId: "sg-a", priority: 1 }]),
      "SecGroupBindingQuotaExceeded",
      "sg-a",
    );
    // Re-prioritising an existing pair does not add load.
    planAssociate(world, ["r1"], [{ secGroupId: "sg-a", priority: 3 }]);
  });
});

describe("planAssociateDynamic", () => {
  const groups = ["sg-new", "sg-a", "sg-b", "sg-c", "sg-d", "sg-e"];

  it("takes priority 1 and cascades holders down only to the first free slot", () => {
    const world = testWorld({
      groups,
      resources: ["r1"],
      bindings: [
        ["r1", "sg-a", 1],
        ["r1", "sg-b", 2],
        ["r1", "sg-c", 4],
      ],
    });
    const plan = planAssociateDynamic(world, ["r1"], "sg-new");
    assert.deepEqual(after(world.bindings, plan), [
      { resourceId: "r1", secGroupId: "sg-new", priority: 1 },
      { resourceId: "r1", secGroupId: "sg-a", priority: 2 },
      { resourceId: "r1", secGroupId: "sg-b", priority: 3 },
      { resourceId: "r1", secGroupId: "sg-c", priority: 4 },
    ]);
  });

  it("moves nobody when priority 1 is free, and skips resources already bound to the group", () => {
    const world = testWorld({
      groups,
      resources: ["r1", "r2"],
      bindings: [
        ["r1", "sg-a", 2],
        ["r2", "sg-new", 3],
      ],
    });
    const plan = planAssociateDynamic(world, ["r1", "r2"], "sg-new");
    assert.deepEqual(plan.put, [{ resourceId: "r1", secGroupId: "sg-new", priority: 1 }]);
  });

  it("fails the whole call when one resource is full (58204)", () => {
    const full: [string, string, number][] = ["sg-a", "sg-b", "sg-c", "sg-d", "sg-e"].map((g, i) => ["r2", g, i + 1]);
    const world = testWorld({ groups, resources: ["r1", "r2"], bindings: full });
    assertApiError(() => planAssociateDynamic(world, ["r1", "r2"], "sg-new"), "ResourceSecGroupQuotaExceeded", "r2");
  });

  it("refuses more than 20 resources (230), none (220), unknown ids (8039), other VPCs (58209)", () => {
    const many = Array.from({ length: 21 }, (_, i) => `r${i}`);
    const world = testWorld({ groups: ["sg-new", { id: "sg-far", vpc: "vpc-2" }], resources: many });
    assertApiError(() => planAssociateDynamic(world, many, "sg-new"), "InvalidParams", "ResourceId", "20");
    assertApiError(() => planAssociateDynamic(world, [], "sg-new"), "MissingParams", "ResourceId");
    assertApiError(() => planAssociateDynamic(world, ["r1"], "sg-x"), "SecGroupNotFound", "sg-x");
    assertApiError(() => planAssociateDynamic(world, ["r1", "zz"], "sg-new"), "ResourceNotFound", "zz");
    assertApiError(() => planAssociateDynamic(world, ["r1"], "sg-far"), "VPCMismatch", "r1");
  });
});

describe("planUpdateAssociation", () => {
  const groups = ["sg-a", "sg-b", "sg-c"];

  it("unbinds the old groups and binds the new ones in one step", () => {
    const world = testWorld({
      groups,
      resources: ["r1"],
      bindings: [
        ["r1", "sg-a", 1],
        ["r1", "sg-b", 2],
      ],
    });
    const plan = planUpdateAssociation(world, "r1", ["sg-a"], [{ secGroupId: "sg-c", priority: 1 }]);
    assert.deepEqual(after(world.bindings, plan), [
      { resourceId: "r1", secGroupId: "sg-c", priority: 1 },
      { resourceId: "r1", secGroupId: "sg-b", priority: 2 },
    ]);
  });

  it("ignores old groups that are not bound, and re-prioritises a group listed on both sides", () => {
    const world = testWorld({ groups, resources: ["r1"], bindings: [["r1", "sg-a", 1]] });
    const plan = planUpdateAssociation(world, "r1", ["sg-a", "sg-b"], [{ secGroupId: "sg-a", priority: 5 }]);
    assert.deepEqual(plan.remove, []);
    assert.deepEqual(after(world.bindings, plan), [{ resourceId: "r1", secGroupId: "sg-a", priority: 5 }]);
  });

  it("validates the result (58205, 58204) and the request (220, 230, 8039)", () => {
    const world = testWorld({
      groups,
      resources: ["r1"],
      bindings: [
        ["r1", "sg-a", 1],
        ["r1", "sg-b", 2],
      ],
      secGroupsPerResource: 2,
    });
    assertApiError(
      () => planUpdateAssociation(world, "r1", ["sg-a"], [{ secGroupId: "sg-c", priority: 2 }]),
      "BindingPriorityConflict",
      "sg-b",
    );
    assertApiError(
      () => planUpdateAssociation(world, "r1", ["sg-x"], [{ secGroupId: "sg-c", priority: 3 }]),
      "SecGroupNotFound",
      "sg-x",
    );
    assertApiError(
      () => planUpdateAssociation(world, "r1", ["sg-c"], [{ secGroupId: "sg-c", priority: 3 }]),
      "ResourceSecGroupQuotaExceeded",
      "r1",
    );
    planUpdateAssociation(world, "r1", ["sg-b"], [{ secGroupId: "sg-c", priority: 2 }]);
    assertApiError(
      () => planUpdateAssociation(world, "r1", [], [{ secGroupId: "sg-c", priority: 2 }]),
      "MissingParams",
      "OldSecGroupId",
    );
    assertApiError(() => planUpdateAssociation(world, "r1", ["sg-a"], []), "MissingParams", "NewPrioritySecGroup");
    assertApiError(
      () => planUpdateAssociation(world, "r9", ["sg-a"], [{ secGroupId: "sg-c", priority: 2 }]),
      "ResourceNotFound",
      "r9",
    );
  });
});
