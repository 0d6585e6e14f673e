// The tenant handler table holds exactly the catalogue's tenant actions.
import assert from "node:assert/strict";
import { it } from "node:test";
import { catalogue } from "@sgplane/catalogue";
import { tenantHandlers } from "./index.ts";

it("tenantHandlers has one handler per tenant action of the catalogue, and nothing else", () => {
  const tenantActions = Object.values(catalogue)
    .filter((spec) => spec.scope === "tenant")
    .map((spec) => spec.name)
    .sort();
  assert.deepEqual(Object.keys(tenantHandlers).sort(), tenantActions);
  // The 17 security-group and evaluator actions, plus the 8 UNet firewall actions (issue 20).
  assert.equal(tenantActions.length, 25);
});
