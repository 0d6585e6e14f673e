// Unit tests of the DisassociateSecGroup algorithm (§3.12).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertApiError } from "./assert-api-error.ts";
import type { Pair } from "./binding-model.ts";
import { type DisassociateRequest, planDisassociate } from "./disassociate.ts";
import { testWorld } from "./test-world.ts";

const world = testWorld({
  groups: ["sg-a", "sg-b", "sg-c", "sg-free"],
  resources: ["r1", "r2", "r3", { id: "r-fw", mode: "Firewall" }, "r-bare"],
  bindings: [
    ["r1", "sg-a", 1],
    ["r1", "sg-b", 2],
    ["r2", "sg-a", 1],
    ["r2", "sg-c", 3],
    ["r3", "sg-b", 1],
    ["r-fw", "sg-c", 1],
  ],
});

const request = (secGroupIds: string[], resourceIds: string[], force = false): DisassociateRequest => ({
  secGroupIds,
  resourceIds,
  force,
});

const keys = (pairs: readonly Pair[]) => pairs.map((p) => `${p.resourceId}/${p.secGroupId}`).sort();

describe("planDisassociate: shape and ids", () => {
  it("neither list → 220 naming both", () => {
    assertApiError(() => planDisassociate(world, request([], []), "Ignore"), "MissingParams", "SecGroupId/ResourceId");
  });

  it("both lists batched → 230", () => {
    assertApiError(
      () => planDisassociate(world, request(["sg-a", "sg-b"], ["r1", "r2"]), "Ignore"),
      "InvalidParams",
      "SecGroupId/ResourceId",
    );
  });

  it("unknown group or resource → 8039 naming every unknown id", () => {
    assertApiError(
      () => planDisassociate(world, request(["sg-a", "sg-x", "sg-y"], ["r1"]), "Ignore"),
      "SecGroupNotFound",
      "sg-x,sg-y",
    );
    assertApiError(() => planDisassociate(world, request([], ["r1", "r9"], true), "Ignore"), "ResourceNotFound", "r9");
  });
});

describe("planDisassociate: modes", () => {
  it("groups only → every binding of those groups", () => {
    const plan = planDisassociate(world, request(["sg-a"], []), "Ignore");
    assert.deepEqual(keys(plan.remove), ["r1/sg-a", "r2/sg-a"]);
    assert.deepEqual(plan.put, []);
  });

  it("resources only → every binding of those resources (needs Force when that empties them)", () => {
    assertApiError(() => planDisassociate(world, request([], ["r1"]), "Ignore"), "LastSecGroupOfResource", "r1");
    const plan = planDisassociate(world, request([], ["r1", "r2"], true), "Ignore");
    assert.deepEqual(keys(plan.remove), ["r1/sg-a", "r1/sg-b", "r2/sg-a", "r2/sg-c"]);
  });

  it("pairs, groups batched → only those pairs", () => {
    const plan = planDisassociate(world, request(["sg-a", "sg-c"], ["r1"]), "Ignore");
    assert.deepEqual(keys(plan.remove), ["r1/sg-a"]);
  });

  it("pairs, resources batched → only those pairs", () => {
    const plan = planDisassociate(world, request(["sg-a"], ["r1", "r2"]), "Ignore");
    assert.deepEqual(keys(plan.remove), ["r1/sg-a", "r2/sg-a"]);
  });

  it("one pair → only that binding", () => {
    const plan = planDisassociate(world, request(["sg-b"], ["r1"]), "Ignore");
    assert.deepEqual(keys(plan.remove), ["r1/sg-b"]);
  });
});

describe("planDisassociate: keep one group", () => {
  it("refuses to empty a SecGroup-mode resource without Force, naming every such resource", () => {
    // sg-b is the only group of r3; sg-a and sg-b together are all of r1.
    assertApiError(() => planDisassociate(world, request(["sg-b"], []), "Ignore"), "LastSecGroupOfResource", "[r3]");
    assertApiError(
      () => planDisassociate(world, request(["sg-a", "sg-b"], ["r1"]), "Ignore"),
      "LastSecGroupOfResource",
      "[r1]",
    );
    assertApiError(
      () => planDisassociate(world, request([], ["r1", "r2", "r3"]), "Ignore"),
      "LastSecGroupOfResource",
      "[r1,r2,r3]",
    );
  });

  it("Force allows emptying", () => {
    const plan = planDisassociate(world, request(["sg-b"], [], true), "Ignore");
    assert.deepEqual(keys(plan.remove), ["r1/sg-b", "r3/sg-b"]);
  });

  it("a Firewall-mode resource may lose its last group", () => {
    const plan = planDisassociate(world, request([], ["r-fw"]), "Ignore");
    assert.deepEqual(keys(plan.remove), ["r-fw/sg-c"]);
  });

  it("the Terraform path: removing every group of a resource one by one fails at the last one", () => {
    const one = testWorld({ groups: ["sg-a"], resources: ["r1"], bindings: [["r1", "sg-a", 1]] });
    assertApiError(() => planDisassociate(one, request(["sg-a"], ["r1"]), "Ignore"), "LastSecGroupOfResource", "r1");
  });
});

describe("planDisassociate: pairs that are not bound", () => {
  it("are a no-op under policy Ignore", () => {
    const plan = planDisassociate(world, request(["sg-c"], ["r1"]), "Ignore");
    assert.deepEqual(plan.remove, []);
    assert.deepEqual(keys(planDisassociate(world, request(["sg-free"], []), "Error").remove), []);
    assert.deepEqual(keys(planDisassociate(world, request([], ["r-bare"]), "Error").remove), []);
  });

  it("are NotBound (58211) under policy Error, naming the unbound side", () => {
    assertApiError(
      () => planDisassociate(world, request(["sg-a", "sg-b", "sg-c"], ["r2"]), "Error"),
      "NotBound",
      "SecGroup [sg-b]",
      "Resource [r2]",
    );
    assertApiError(
      () => planDisassociate(world, request(["sg-b"], ["r1", "r2", "r3"], true), "Error"),
      "NotBound",
      "Resource [r2]",
    );
  });

  it("a batch where one pair fails the keep-one rule fails as a whole", () => {
    // r1 keeps sg-a, but sg-b is r3's only group.
    assertApiError(
      () => planDisassociate(world, request(["sg-b"], ["r1", "r3"]), "Ignore"),
      "LastSecGroupOfResource",
      "[r3]",
    );
  });
});
