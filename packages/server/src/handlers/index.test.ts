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
  assert.equal(tenantActions.length, 17);
});
