import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { binding, event, resource, rule } from "../test/fixtures.ts";
import { World } from "./world.ts";

describe("agent world", () => {
  const start = () =>
    World.from({
      Resources: [resource("uhost-a", "198.18.1.2", { EIP: ["fd00:5367::1:2"] }), resource("uhost-b", "198.18.1.3")],
      Rules: [rule("r1", "sg-1"), rule("r2", "sg-1", { Priority: 2 }), rule("r3", "sg-2")],
      Bindings: [binding("uhost-a", "sg-1", 1), binding("uhost-b", "sg-1", 1), binding("uhost-a", "sg-2", 2)],
    });

  it("keeps rules by group, bindings by priority, members and addresses", () => {
    const world = start();
    assert.deepEqual(
      world.rulesOf("sg-1").map((r) => r.RuleId),
      ["r1", "r2"],
    );
    assert.deepEqual(world.bindingsOf("uhost-a"), [
      { SecGroupId: "sg-1", Priority: 1 },
      { SecGroupId: "sg-2", Priority: 2 },
    ]);
    assert.deepEqual([...world.membersOf("sg-1")].sort(), ["uhost-a", "uhost-b"]);
    assert.deepEqual(world.addressesOf("uhost-a"), ["198.18.1.2", "fd00:5367::1:2"]);
    assert.deepEqual(World.from(world.rows()).rows(), world.rows());
  });

  it("reports what each event made stale", () => {
    const world = start();
    const ruleChange = world.apply(event("Rule", "Updated", rule("r1", "sg-1", { DstPort: "80" })));
    assert.deepEqual([...ruleChange.rules], ["sg-1"]);
    assert.equal(world.rulesOf("sg-1").find((r) => r.RuleId === "r1")?.DstPort, "80");

    const unbind = world.apply(event("Binding", "Deleted", binding("uhost-a", "sg-2", 2)));
    assert.deepEqual([...unbind.resources], ["uhost-a"]);
    assert.deepEqual([...unbind.members], ["sg-2"]);
    assert.deepEqual(world.membersOf("sg-2"), []);

    const moved = world.apply(event("Resource", "Updated", resource("uhost-b", "198.18.1.9")));
    assert.deepEqual([...moved.members], ["sg-1"]);
    assert.deepEqual(world.addressesOf("uhost-b"), ["198.18.1.9"]);

    const gone = world.apply(event("Rule", "Deleted", rule("r2", "sg-1")));
    assert.deepEqual([...gone.rules], ["sg-1"]);
    assert.deepEqual(
      world.rulesOf("sg-1").map((r) => r.RuleId),
      ["r1"],
    );
  });

  it("forgets a deleted group's rules and bindings", () => {
    const world = start();
    const stale = world.apply(event("SecGroup", "Deleted", { SecGroupId: "sg-1" }));
    assert.deepEqual(world.rulesOf("sg-1"), []);
    assert.deepEqual(world.bindingsOf("uhost-b"), []);
    assert.deepEqual([...stale.resources].sort(), ["uhost-a", "uhost-b"]);
  });

  it("ignores the kinds it does not enforce", () => {
    const world = start();
    const before = JSON.stringify(world.rows());
    const stale = world.apply(event("SecGroup", "Updated", { SecGroupId: "sg-1", Name: "renamed" }));
    assert.equal(stale.rules.size + stale.members.size + stale.resources.size, 0);
    assert.equal(JSON.stringify(world.rows()), before);
  });
});
