// Property tests: the binding planners against a deliberately naive reference model of the same rules.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "@sgplane/catalogue";
import fc from "fast-check";
import { planAssociate, planAssociateDynamic } from "./associate.ts";
import { applyPlan, type Binding, type BindingPlan, type BindingWorld, type PriorityEntry } from "./binding-model.ts";
import { planDisassociate } from "./disassociate.ts";
import { testWorld } from "./test-world.ts";

const GROUPS = ["g0", "g1", "g2", "g3", "g4", "g5"];
const RESOURCES = ["r0", "r1", "r2", "r3"];
const FAR_GROUP = "g5"; // lives in another VPC
const FIREWALL = "r3"; // not in SecGroup mode

const perResource = fc.tuple(
  fc.shuffledSubarray(
    GROUPS.filter((g) => g !== FAR_GROUP),
    { maxLength: 5 },
  ),
  fc.shuffledSubarray([1, 2, 3, 4, 5], { minLength: 5, maxLength: 5 }),
);

const worldArb = fc
  .record({
    slots: fc.tuple(perResource, perResource, perResource, perResource),
    secGroupsPerResource: fc.integer({ min: 1, max: 5 }),
    resourcesPerSecGroup: fc.integer({ min: 1, max: 5 }),
  })
  .map(({ slots, ...quotas }) =>
    testWorld({
      ...quotas,
      groups: GROUPS.map((id) => (id === FAR_GROUP ? { id, vpc: "vpc-2" } : id)),
      resources: RESOURCES.map((id) => (id === FIREWALL ? { id, mode: "Firewall" as const } : id)),
      bindings: slots.flatMap(([groups, priorities], i) =>
        groups.map((g, j) => [RESOURCES[i] ?? "", g, priorities[j] ?? 0] as const),
      ),
    }),
  );

const idsArb = (known: readonly string[]) => fc.uniqueArray(fc.constantFrom(...known, "unknown-1"), { maxLength: 3 });

type Outcome = { error: string } | { bindings: string[] };

const snapshot = (bindings: readonly Binding[]) =>
  bindings.map((b) => `${b.resourceId}/${b.secGroupId}@${b.priority}`).sort();

function outcomeOf(world: BindingWorld, plan: () => BindingPlan): Outcome {
  try {
    return { bindings: snapshot(applyPlan(world.bindings, plan())) };
  } catch (error) {
    if (error instanceof ApiError) return { error: error.errorName };
    throw error;
  }
}

const countOf = (bindings: readonly Binding[], id: string) => bindings.filter((b) => b.resourceId === id).length;

/** §3.12 restated as directly as possible. */
function referenceDisassociate(
  world: BindingWorld,
  s: readonly string[],
  r: readonly string[],
  force: boolean,
  policy: "Ignore" | "Error",
): Outcome {
  if (s.length === 0 && r.length === 0) return { error: "MissingParams" };
  if (s.length > 1 && r.length > 1) return { error: "InvalidParams" };
  if (s.some((id) => !world.groups.has(id))) return { error: "SecGroupNotFound" };
  if (r.some((id) => !world.resources.has(id))) return { error: "ResourceNotFound" };
  const hit = (b: Binding) =>
    (s.length === 0 || s.includes(b.secGroupId)) && (r.length === 0 || r.includes(b.resourceId));
  const left = world.bindings.filter((b) => !hit(b));
  if (s.length > 0 && r.length > 0 && policy === "Error") {
    const bound = (rid: string, gid: string) =>
      world.bindings.some((b) => b.resourceId === rid && b.secGroupId === gid);
    if (r.some((rid) => s.some((gid) => !bound(rid, gid)))) return { error: "NotBound" };
  }
  const emptied = RESOURCES.some(
    (id) => id !== FIREWALL && world.bindings.some((b) => hit(b) && b.resourceId === id) && countOf(left, id) === 0,
  );
  if (emptied && !force) return { error: "LastSecGroupOfResource" };
  return { bindings: snapshot(left) };
}

/** §3.9 restated: validate, overwrite the listed pairs, then check the final state. */
function referenceAssociate(world: BindingWorld, r: readonly string[], entries: readonly PriorityEntry[]): Outcome {
  if (r.length === 0 || entries.length === 0) return { error: "MissingParams" };
  if (r.length > 1 && entries.length > 1) return { error: "InvalidParams" };
  const gids = entries.map((e) => e.secGroupId);
  if (new Set(gids).size < gids.length) return { error: "InvalidParams" };
  if (new Set(entries.map((e) => e.priority)).size < entries.length) return { error: "InvalidParams" };
  if (gids.some((id) => !world.groups.has(id))) return { error: "SecGroupNotFound" };
  if (r.some((id) => !world.resources.has(id))) return { error: "ResourceNotFound" };
  if (r.includes(FIREWALL)) return { error: "AssociateNotPermitted" };
  if (gids.includes(FAR_GROUP)) return { error: "VPCMismatch" };
  const final = world.bindings.filter((b) => !(r.includes(b.resourceId) && gids.includes(b.secGroupId)));
  for (const resourceId of r) for (const e of entries) final.push({ resourceId, ...e });
  const limit = world.quotas.secGroupsPerResource;
  if (r.some((id) => countOf(final, id) > limit && countOf(final, id) > countOf(world.bindings, id))) {
    return { error: "ResourceSecGroupQuotaExceeded" };
  }
  for (const id of r) {
    const priorities = final.filter((b) => b.resourceId === id).map((b) => b.priority);
    if (new Set(priorities).size < priorities.length) return { error: "BindingPriorityConflict" };
  }
  for (const g of gids) {
    const before = world.bindings.filter((b) => b.secGroupId === g).length;
    const after = final.filter((b) => b.secGroupId === g).length;
    if (after > before && after > world.quotas.resourcesPerSecGroup) return { error: "SecGroupBindingQuotaExceeded" };
  }
  return { bindings: snapshot(final) };
}

describe("binding planners against the reference model", () => {
  it("DisassociateSecGroup agrees with §3.12 on error or final state", () => {
    fc.assert(
      fc.property(
        worldArb,
        idsArb(GROUPS),
        idsArb(RESOURCES),
        fc.boolean(),
        fc.constantFrom("Ignore" as const, "Error" as const),
        (world, s, r, force, policy) => {
          const actual = outcomeOf(world, () =>
            planDisassociate(world, { secGroupIds: s, resourceIds: r, force }, policy),
          );
          assert.deepEqual(actual, referenceDisassociate(world, s, r, force, policy));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("AssociateSecGroup agrees with §3.9 on error or final state", () => {
    const entries = fc.array(
      fc.record({ secGroupId: fc.constantFrom(...GROUPS, "unknown-1"), priority: fc.integer({ min: 1, max: 5 }) }),
      { maxLength: 3 },
    );
    fc.assert(
      fc.property(worldArb, idsArb(RESOURCES), entries, (world, r, e) => {
        assert.deepEqual(
          outcomeOf(world, () => planAssociate(world, r, e)),
          referenceAssociate(world, r, e),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("AssociateSecGroupDynamic puts the group first, keeps the others in order, and stays within 1-5", () => {
    fc.assert(
      fc.property(worldArb, fc.constantFrom(...GROUPS.filter((g) => g !== FAR_GROUP)), (world, g) => {
        const targets = RESOURCES.filter((id) => id !== FIREWALL);
        let plan: BindingPlan;
        try {
          plan = planAssociateDynamic(world, targets, g);
        } catch (error) {
          assert.ok(error instanceof ApiError);
          assert.ok(["ResourceSecGroupQuotaExceeded", "SecGroupBindingQuotaExceeded"].includes(error.errorName));
          return;
        }
        const final = applyPlan(world.bindings, plan);
        for (const id of targets) {
          const before = world.bindings.filter((b) => b.resourceId === id);
          const after = final.filter((b) => b.resourceId === id).sort((a, b) => a.priority - b.priority);
          const already = before.find((b) => b.secGroupId === g);
          if (already) {
            assert.deepEqual(
              after,
              [...before].sort((a, b) => a.priority - b.priority),
            );
            continue;
          }
          assert.equal(after[0]?.secGroupId, g);
          assert.equal(after[0]?.priority, 1);
          assert.equal(new Set(after.map((b) => b.priority)).size, after.length);
          assert.ok(after.every((b) => b.priority >= 1 && b.priority <= 5));
          const order = (list: readonly Binding[]) =>
            [...list].sort((a, b) => a.priority - b.priority).map((b) => b.secGroupId);
          assert.deepEqual(order(after.slice(1)), order(before));
          // Nobody moves further than one step, and only groups in the run starting at 1 move at all.
          for (const b of before) {
            const moved = after.find((x) => x.secGroupId === b.secGroupId);
            assert.ok(moved && (moved.priority === b.priority || moved.priority === b.priority + 1));
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
