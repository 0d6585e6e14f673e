// Unit tests of SwitchToSecGroup's input parsing and planning (§3.15).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertApiError } from "./assert-api-error.ts";
import { parsePrioritySecGroups, parseUniToPrioritySecGroup, planSwitchToSecGroup } from "./switch-to-sec-group.ts";
import { testWorld } from "./test-world.ts";

describe("parsePrioritySecGroups", () => {
  it("takes bare ids at position + 1 and JSON objects at their own priority", () => {
    assert.deepEqual(parsePrioritySecGroups(["sg-a", '{"SecGroupId":"sg-b","Priority":4}', "sg-c"]), [
      { secGroupId: "sg-a", priority: 1 },
      { secGroupId: "sg-b", priority: 4 },
      { secGroupId: "sg-c", priority: 3 },
    ]);
    assert.deepEqual(parsePrioritySecGroups(undefined), []);
    assert.deepEqual(parsePrioritySecGroups(['{"SecGroupId":"sg-b","Priority":"2"}']), [
      { secGroupId: "sg-b", priority: 2 },
    ]);
  });

  it("refuses bad JSON, bad priorities, bad ids and duplicates (230)", () => {
    assertApiError(() => parsePrioritySecGroups(["{oops"]), "InvalidParams", "PrioritySecGroup.0");
    assertApiError(
      () => parsePrioritySecGroups(["sg-a", '{"SecGroupId":"sg-b","Priority":9}']),
      "InvalidParams",
      "PrioritySecGroup.1",
    );
    assertApiError(() => parsePrioritySecGroups(['{"SecGroupId":"sg-b"}']), "InvalidParams", "Priority");
    assertApiError(() => parsePrioritySecGroups(["not an id"]), "InvalidParams", "PrioritySecGroup.0");
    assertApiError(
      () => parsePrioritySecGroups(["sg-a", '{"SecGroupId":"sg-b","Priority":1}']),
      "InvalidParams",
      "Priority",
    );
    assertApiError(
      () => parsePrioritySecGroups(["sg-a", '{"SecGroupId":"sg-a","Priority":3}']),
      "InvalidParams",
      "SecGroupId",
    );
  });
});

describe("parseUniToPrioritySecGroup", () => {
  it("reads a NIC → groups map", () => {
    const text = '{"uni-1":[{"SecGroupId":"sg-a","Priority":1}],"uni-2":[]}';
    assert.deepEqual(parseUniToPrioritySecGroup(text), [
      { resourceId: "uni-1", entries: [{ secGroupId: "sg-a", priority: 1 }] },
      { resourceId: "uni-2", entries: [] },
    ]);
    assert.deepEqual(parseUniToPrioritySecGroup(undefined), []);
  });

  it("refuses anything else (230)", () => {
    for (const bad of [
      "[1]",
      "nope",
      '{"uni-1":{}}',
      '{"uni-1":[{"SecGroupId":"sg-a","Priority":0}]}',
      '{"bad id":[]}',
    ]) {
      assertApiError(() => parseUniToPrioritySecGroup(bad), "InvalidParams", "UniToPrioritySecGroup");
    }
  });
});

describe("planSwitchToSecGroup", () => {
  const world = testWorld({
    groups: ["sg-a", "sg-b", { id: "sg-far", vpc: "vpc-9" }],
    resources: [
      { id: "r-fw", mode: "Firewall" },
      { id: "uni-1", type: "uni", mode: "Firewall" },
    ],
  });

  it("binds a Firewall-mode resource and its NICs", () => {
    const plan = planSwitchToSecGroup(world, [
      { resourceId: "r-fw", entries: [{ secGroupId: "sg-a", priority: 1 }] },
      { resourceId: "uni-1", entries: [{ secGroupId: "sg-b", priority: 2 }] },
    ]);
    assert.deepEqual(plan.put, [
      { resourceId: "r-fw", secGroupId: "sg-a", priority: 1 },
      { resourceId: "uni-1", secGroupId: "sg-b", priority: 2 },
    ]);
  });

  it("needs something to bind (220) and checks ids and VPCs", () => {
    assertApiError(
      () => planSwitchToSecGroup(world, [{ resourceId: "r-fw", entries: [] }]),
      "MissingParams",
      "PrioritySecGroup",
    );
    assertApiError(
      () => planSwitchToSecGroup(world, [{ resourceId: "uni-9", entries: [{ secGroupId: "sg-a", priority: 1 }] }]),
      "ResourceNotFound",
      "uni-9",
    );
    assertApiError(
      () => planSwitchToSecGroup(world, [{ resourceId: "r-fw", entries: [{ secGroupId: "sg-far", priority: 1 }] }]),
      "VPCMismatch",
    );
  });
});
