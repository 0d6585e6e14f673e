// Handler tests of DisassociateSecGroup against a real store: every mode, every error, nothing half-done.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { rejectsApiError } from "../domain/assert-api-error.ts";
import { disassociateSecGroup } from "./disassociate-sec-group.ts";
import { groupRow, resourceRow, type TestEnv, testEnv } from "./test-env.ts";

let env: TestEnv;
const call = (input: Parameters<typeof disassociateSecGroup>[0]) => disassociateSecGroup(input, env.ctx);

// h1: a@1 b@2; h2: a@1 c@2; h3: b@1 (its only group); fw: c@1 in Firewall mode.
const INITIAL = ["fw/c@1", "h1/a@1", "h1/b@2", "h2/a@1", "h2/c@2", "h3/b@1"];

beforeEach(async () => {
  env = await testEnv();
  await env.addResources(
    resourceRow("h1"),
    resourceRow("h2"),
    resourceRow("h3"),
    resourceRow("h4"),
    resourceRow("fw", { securityMode: "Firewall" }),
  );
  await env.addGroups(groupRow("a"), groupRow("b"), groupRow("c"), groupRow("d"));
  await env.bind(["h1", "a", 1], ["h1", "b", 2], ["h2", "a", 1], ["h2", "c", 2], ["h3", "b", 1], ["fw", "c", 1]);
});
afterEach(() => env.close());

describe("DisassociateSecGroup modes", () => {
  it("groups only: drops every binding of those groups", async () => {
    assert.deepEqual(await call({ SecGroupId: ["a"] }), {});
    assert.deepEqual(await env.bindings(), ["fw/c@1", "h1/b@2", "h2/c@2", "h3/b@1"]);
  });

  it("resources only: drops every binding of those resources (Force, since they end with none)", async () => {
    await call({ ResourceId: ["h1", "h2"], Force: true });
    assert.deepEqual(await env.bindings(), ["fw/c@1", "h3/b@1"]);
  });

  it("pairs with the groups batched", async () => {
    await call({ SecGroupId: ["a", "c", "d"], ResourceId: ["h2"], Force: true });
    assert.deepEqual(await env.bindings(), ["fw/c@1", "h1/a@1", "h1/b@2", "h3/b@1"]);
  });

  it("pairs with the resources batched", async () => {
    await call({ SecGroupId: ["a"], ResourceId: ["h1", "h2"] });
    assert.deepEqual(await env.bindings(), ["fw/c@1", "h1/b@2", "h2/c@2", "h3/b@1"]);
  });

  it("a single pair", async () => {
    await call({ SecGroupId: ["b"], ResourceId: ["h1"] });
    assert.deepEqual(await env.bindings(), ["fw/c@1", "h1/a@1", "h2/a@1", "h2/c@2", "h3/b@1"]);
  });
});

describe("DisassociateSecGroup errors", () => {
  it("neither list → 220", async () => {
    await rejectsApiError(call({}), "MissingParams", "SecGroupId/ResourceId");
    await rejectsApiError(call({ SecGroupId: [], ResourceId: [], Force: true }), "MissingParams");
  });

  it("both lists batched → 230, nothing changed", async () => {
    await rejectsApiError(call({ SecGroupId: ["a", "b"], ResourceId: ["h1", "h2"], Force: true }), "InvalidParams");
    assert.deepEqual(await env.bindings(), INITIAL);
  });

  it("unknown ids → 8039 naming them, nothing changed", async () => {
    await rejectsApiError(call({ SecGroupId: ["a", "nope"] }), "SecGroupNotFound", "[nope]");
    await rejectsApiError(call({ ResourceId: ["h1", "ghost"], Force: true }), "ResourceNotFound", "[ghost]");
    await rejectsApiError(call({ SecGroupId: ["a"], ResourceId: ["h1", "ghost"] }), "ResourceNotFound", "ghost");
    assert.deepEqual(await env.bindings(), INITIAL);
  });

  it("another company's group or resource → 8039, exactly like an unknown one", async () => {
    await rejectsApiError(call({ SecGroupId: ["secgroup-other"], Force: true }), "SecGroupNotFound", "secgroup-other");
    await rejectsApiError(call({ ResourceId: ["uhost-other"], Force: true }), "ResourceNotFound", "uhost-other");
  });

  it("last group without Force → 58208 naming the resource, nothing changed", async () => {
    await rejectsApiError(call({ SecGroupId: ["b"] }), "LastSecGroupOfResource", "Resource [h3]");
    await rejectsApiError(call({ ResourceId: ["h1", "h2"] }), "LastSecGroupOfResource", "h1,h2");
    assert.deepEqual(await env.bindings(), INITIAL);
  });

  it("last group with Force → removed", async () => {
    await call({ SecGroupId: ["b"], Force: true });
    assert.deepEqual(await env.bindings(), ["fw/c@1", "h1/a@1", "h2/a@1", "h2/c@2"]);
  });

  it("a Firewall-mode resource may lose its last group without Force", async () => {
    await call({ ResourceId: ["fw"] });
    assert.deepEqual(
      await env.bindings(),
      INITIAL.filter((b) => b !== "fw/c@1"),
    );
  });

  it("a batch where one pair would empty its resource fails whole", async () => {
    // Removing b from h1 is fine, from h3 it is not: neither happens.
    await rejectsApiError(call({ SecGroupId: ["b"], ResourceId: ["h1", "h3"] }), "LastSecGroupOfResource", "[h3]");
    assert.deepEqual(await env.bindings(), INITIAL);
  });
});

describe("DisassociateSecGroup on pairs that are not bound", () => {
  it("policy Ignore (default): success, no change", async () => {
    await call({ SecGroupId: ["d"], ResourceId: ["h1"] });
    await call({ SecGroupId: ["c"], ResourceId: ["h1", "h3"] });
    await call({ ResourceId: ["h4"] });
    assert.deepEqual(await env.bindings(), INITIAL);
  });

  it("a retried unbind is a no-op", async () => {
    await call({ SecGroupId: ["b"], ResourceId: ["h1"] });
    await call({ SecGroupId: ["b"], ResourceId: ["h1"] });
    assert.deepEqual(await env.bindings(), ["fw/c@1", "h1/a@1", "h2/a@1", "h2/c@2", "h3/b@1"]);
  });

  it("policy Error: NotBound (58211) naming the pair, and the bound pairs in the batch stay", async () => {
    await env.setQuotas({}, "Error");
    await rejectsApiError(call({ SecGroupId: ["a", "d"], ResourceId: ["h1"] }), "NotBound", "[d]", "[h1]");
    assert.deepEqual(await env.bindings(), INITIAL);
    await call({ SecGroupId: ["a"], ResourceId: ["h1"] });
    assert.deepEqual(
      await env.bindings(),
      INITIAL.filter((b) => b !== "h1/a@1"),
    );
  });
});

describe("The Terraform path", () => {
  it("unbinding every group of a SecGroup-mode resource without Force is refused at the first step", async () => {
    // Terraform removes the whole set of groups of an instance in one disassociation (no Force).
    await rejectsApiError(call({ SecGroupId: ["a", "b"], ResourceId: ["h1"] }), "LastSecGroupOfResource", "[h1]");
    assert.deepEqual(await env.bindings(), INITIAL);
    // One at a time: the first succeeds, the last one is refused.
    await call({ SecGroupId: ["a"], ResourceId: ["h1"] });
    await rejectsApiError(call({ SecGroupId: ["b"], ResourceId: ["h1"] }), "LastSecGroupOfResource", "[h1]");
    assert.deepEqual(await env.bindings(), ["fw/c@1", "h1/b@2", "h2/a@1", "h2/c@2", "h3/b@1"]);
  });
});
