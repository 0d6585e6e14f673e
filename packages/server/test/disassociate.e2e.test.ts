// DisassociateSecGroup (§3.12, the seed action) over signed HTTP: every mode, every error, all-or-nothing, replay policy.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  B_GROUP,
  B_HOST,
  CO_A,
  expectRetCode,
  Family,
  KEY_A,
  shapeOf,
  VPC_P2,
  VPC_SH,
  type WorldSpec,
  world,
} from "./family-world.ts";
import { startServer } from "./harness.ts";

let fam: Family;
before(async () => {
  fam = new Family(await startServer());
});
after(async () => {
  await fam.server.stop();
});

const [A, B, C, D] = ["secgroup-dis-a", "secgroup-dis-b", "secgroup-dis-c", "secgroup-dis-d"];
const [H1, H2, H3, H4, FW] = ["uhost-dis-h1", "uhost-dis-h2", "uhost-dis-h3", "uhost-dis-h4", "uhost-dis-fw"];

// h1: a@1 b@2; h2: a@1 c@2; h3: b@1 (its only group); h4: none; fw: Firewall mode, none; d: bound nowhere.
const BASE: WorldSpec = {
  resources: [{ id: H1 }, { id: H2 }, { id: H3 }, { id: H4 }, { id: FW, mode: "Firewall" }],
  groups: [{ id: A }, { id: B }, { id: C }, { id: D }],
  bindings: [
    [H1, A, 1],
    [H1, B, 2],
    [H2, A, 1],
    [H2, C, 2],
    [H3, B, 1],
  ],
};
const INITIAL = [`${H1}/${A}@1`, `${H1}/${B}@2`, `${H2}/${A}@1`, `${H2}/${C}@2`, `${H3}/${B}@1`].sort();
const without = (...gone: string[]) => INITIAL.filter((b) => !gone.includes(b));

const client = () => fam.server.client(KEY_A);
const disassociate = (params: Record<string, unknown>) => client().call("DisassociateSecGroup", params);

describe("DisassociateSecGroup modes", () => {
  it("groups only (Go style: form, ?Action=): every binding of the group goes; the envelope is exact", async () => {
    await fam.use(world(BASE));
    const res = await fam.server
      .client(KEY_A, { actionInQuery: true })
      .send("DisassociateSecGroup", { SecGroupId: [A] });
    assert.deepEqual(res.body, { Action: "DisassociateSecGroupResponse", RetCode: 0 });
    assert.deepEqual(await fam.bindings(), without(`${H1}/${A}@1`, `${H2}/${A}@1`));
  });

  it("groups only, batched (JS style flat JSON), a group bound nowhere is fine", async () => {
    await fam.use(world(BASE));
    await fam.server.client(KEY_A, { encoding: "json" }).call("DisassociateSecGroup", { SecGroupId: [C, D] });
    assert.deepEqual(await fam.bindings(), without(`${H2}/${C}@2`));
  });

  it("resources only: every binding of the resource goes (needs Force: it ends with none)", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => disassociate({ ResourceId: [H1] }), 58208, `Resource [${H1}]`, "Force");
    await disassociate({ ResourceId: [H1], Force: true });
    assert.deepEqual(await fam.bindings(), without(`${H1}/${A}@1`, `${H1}/${B}@2`));
  });

  it("resources only, batched (Go JSON encoder: native arrays, Force as a JSON boolean)", async () => {
    await fam.use(world(BASE));
    const nested = fam.server.client(KEY_A, { encoding: "json-nested", actionInQuery: true });
    await nested.call("DisassociateSecGroup", { ResourceId: [H1, H2, H4], Force: true });
    assert.deepEqual(await fam.bindings(), [`${H3}/${B}@1`]);
  });

  it("pairs with the groups batched: only those pairs; a listed pair that is not bound is skipped", async () => {
    await fam.use(world(BASE));
    await disassociate({ SecGroupId: [B, C], ResourceId: [H2] });
    assert.deepEqual(await fam.bindings(), without(`${H2}/${C}@2`));
  });

  it("pairs with the resources batched", async () => {
    await fam.use(world(BASE));
    await disassociate({ SecGroupId: [A], ResourceId: [H1, H2] });
    assert.deepEqual(await fam.bindings(), without(`${H1}/${A}@1`, `${H2}/${A}@1`));
  });

  it("a single pair, sent the old-SDK ways: a plain string, and a JSON-array string; Force=false is the default", async () => {
    await fam.use(world(BASE));
    await disassociate({ SecGroupId: B, ResourceId: H1, Force: false });
    assert.deepEqual(await fam.bindings(), without(`${H1}/${B}@2`));
    await disassociate({ SecGroupId: JSON.stringify([C]), ResourceId: JSON.stringify([H1, H2]) });
    assert.deepEqual(await fam.bindings(), without(`${H1}/${B}@2`, `${H2}/${C}@2`));
  });

  it("a resource with no group (SecGroup or Firewall mode) can be 'unbound' without Force: nothing to do", async () => {
    await fam.use(world(BASE));
    await disassociate({ ResourceId: [H4, FW] });
    assert.deepEqual(await fam.bindings(), INITIAL);
  });

  it("duplicate ids count once (one side batched only after de-duplication); Force as TRUE / 1 text", async () => {
    await fam.use(world(BASE));
    await disassociate({ SecGroupId: [A, A], ResourceId: [H1, H2] });
    assert.deepEqual(await fam.bindings(), without(`${H1}/${A}@1`, `${H2}/${A}@1`));
    await disassociate({ ResourceId: [H1], Force: "TRUE" });
    await disassociate({ ResourceId: [H3, H3], Force: "1" });
    assert.deepEqual(await fam.bindings(), [`${H2}/${C}@2`]);
    await fam.failsUnchanged(() => disassociate({ ResourceId: [H2], Force: "yes" }), 230, "Params [Force]");
  });

  it("the seed document's own example: SecGroupId.n / ResourceId.n placeholders, ResourceType, Force=true", async () => {
    await fam.use(world(BASE));
    await disassociate({ "SecGroupId.n": B, "ResourceId.n": H3, ResourceType: "uhost", Force: true });
    assert.deepEqual(await fam.bindings(), without(`${H3}/${B}@1`));
  });

  it("ResourceType (from the doc example) is accepted and ignored", async () => {
    await fam.use(world(BASE));
    await disassociate({ SecGroupId: [B], ResourceId: [H1], ResourceType: "uhost" });
    assert.deepEqual(await fam.bindings(), without(`${H1}/${B}@2`));
  });
});

describe("DisassociateSecGroup errors (nothing changes on any of them)", () => {
  it("neither list → 220 naming both parameters (also with only Force, and with empty lists)", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => disassociate({}), 220, "Missing params [SecGroupId/ResourceId]");
    await fam.failsUnchanged(() => disassociate({ Force: true }), 220, "SecGroupId/ResourceId");
    await fam.failsUnchanged(() => disassociate({ SecGroupId: [""], ResourceId: "" }), 220, "SecGroupId/ResourceId");
  });

  it("both sides batched → 230 naming both parameters, even with Force", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(
      () => disassociate({ SecGroupId: [A, B], ResourceId: [H1, H2], Force: true }),
      230,
      "Params [SecGroupId/ResourceId] not available",
    );
  });

  it("the last group of a SecGroup-mode resource without Force → 58208 naming it; with Force it goes", async () => {
    await fam.use(world(BASE));
    const msg = await fam.failsUnchanged(() => disassociate({ SecGroupId: [B] }), 58208, `Resource [${H3}]`);
    assert.equal(msg.includes(H1), false, "h1 keeps a group, so it is not named");
    await fam.failsUnchanged(() => disassociate({ SecGroupId: [B], ResourceId: [H3] }), 58208, H3);
    await fam.failsUnchanged(() => disassociate({ SecGroupId: [A, C], Force: false }), 58208, H2);
    await disassociate({ SecGroupId: [B], Force: true });
    assert.deepEqual(await fam.bindings(), without(`${H1}/${B}@2`, `${H3}/${B}@1`));
  });

  it("every resource that would be emptied is named", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => disassociate({ ResourceId: [H1, H2, H3] }), 58208, H1, H2, H3);
  });

  it("unknown ids → 8039 naming exactly the unknown ones", async () => {
    await fam.use(world(BASE));
    const ghostGroup = "secgroup-dis-ghost";
    const ghostHost = "uhost-dis-ghost";
    const g = await fam.failsUnchanged(() => disassociate({ SecGroupId: [A, ghostGroup] }), 8039, ghostGroup);
    assert.equal(g, `SecGroup [${ghostGroup}] not exist`);
    const r = await fam.failsUnchanged(() => disassociate({ ResourceId: [H1, ghostHost], Force: true }), 8039);
    assert.equal(r, `Resource [${ghostHost}] not exist`);
    await fam.failsUnchanged(() => disassociate({ SecGroupId: [A], ResourceId: [H1, ghostHost] }), 8039, ghostHost);
    await fam.failsUnchanged(() => disassociate({ SecGroupId: [ghostGroup], ResourceId: [H1] }), 8039, ghostGroup);
  });

  it("malformed ids → 230 naming the element", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => disassociate({ SecGroupId: [A, "bad id!"] }), 230, "SecGroupId.1");
  });

  it("another company's group or resource answers exactly like an unknown one (8039, same message shape)", async () => {
    await fam.use(world(BASE));
    const theirs = await fam.failsUnchanged(() => disassociate({ SecGroupId: [B_GROUP], Force: true }), 8039);
    const unknown = await expectRetCode(disassociate({ SecGroupId: ["secgroup-nowhere"], Force: true }), 8039);
    assert.equal(shapeOf(theirs, B_GROUP), shapeOf(unknown, "secgroup-nowhere"));
    const theirHost = await fam.failsUnchanged(() => disassociate({ ResourceId: [B_HOST], Force: true }), 8039);
    const unknownHost = await expectRetCode(disassociate({ ResourceId: ["uhost-nowhere"], Force: true }), 8039);
    assert.equal(shapeOf(theirHost, B_HOST), shapeOf(unknownHost, "uhost-nowhere"));
    const pair = await fam.failsUnchanged(() => disassociate({ SecGroupId: [B_GROUP], ResourceId: [B_HOST] }), 8039);
    assert.equal(pair, `SecGroup [${B_GROUP}] not exist`);
    assert.deepEqual(await fam.bindings(72002), [`${B_HOST}/${B_GROUP}@1`]);
  });

  it("objects of another project or region of the same company are out of scope → 8039", async () => {
    const other = "secgroup-dis-p2";
    const sh = "secgroup-dis-sh";
    await fam.use(
      world({ ...BASE, groups: [...(BASE.groups ?? []), { id: other, vpc: VPC_P2 }, { id: sh, vpc: VPC_SH }] }),
    );
    await fam.failsUnchanged(() => disassociate({ SecGroupId: [other] }), 8039, other);
    await fam.failsUnchanged(() => disassociate({ SecGroupId: [sh] }), 8039, sh);
    // In its own project it is found (and bound nowhere, so nothing happens).
    await fam.server.client(KEY_A, { projectId: "org-fam-a2" }).call("DisassociateSecGroup", { SecGroupId: [other] });
    await fam.server.client(KEY_A, { region: "cn-sh2" }).call("DisassociateSecGroup", { SecGroupId: [sh] });
  });
});

describe("DisassociateSecGroup replay policy (operator.md)", () => {
  it("an unbound pair is a successful no-op under the default Ignore policy", async () => {
    await fam.use(world(BASE));
    const before = await fam.snapshot();
    await disassociate({ SecGroupId: [C], ResourceId: [H1] });
    await disassociate({ SecGroupId: [D], ResourceId: [H1, H2, H3] });
    assert.deepEqual(await fam.snapshot(), before);
  });

  it("a replayed unbind succeeds again under Ignore (safe for retrying clients)", async () => {
    await fam.use(world(BASE));
    await disassociate({ SecGroupId: [B], ResourceId: [H1] });
    await disassociate({ SecGroupId: [B], ResourceId: [H1] });
    assert.deepEqual(await fam.bindings(), without(`${H1}/${B}@2`));
  });

  it("under AdminSetQuota DisassociateNotBound=Error an unbound pair → 58211 naming it; bound pairs still unbind", async () => {
    await fam.use(world(BASE));
    await fam.admin().call("AdminSetQuota", { CompanyId: CO_A, DisassociateNotBound: "Error" });
    assert.equal((await fam.company()).Quotas.SecGroupsPerResource, 5, "quotas are kept");
    await fam.failsUnchanged(
      () => disassociate({ SecGroupId: [C], ResourceId: [H1] }),
      58211,
      `SecGroup [${C}] is not bound to Resource [${H1}]`,
    );
    await disassociate({ SecGroupId: [B], ResourceId: [H1] });
    assert.deepEqual(await fam.bindings(), without(`${H1}/${B}@2`));
    // The replay now fails, telling the client the pair is gone.
    await fam.failsUnchanged(() => disassociate({ SecGroupId: [B], ResourceId: [H1] }), 58211, B, H1);
  });

  it("a mixed batch where one pair is not bound fails whole under Error: the bound pair stays", async () => {
    await fam.use(world({ ...BASE, notBound: "Error" }));
    const msg = await fam.failsUnchanged(() => disassociate({ SecGroupId: [A], ResourceId: [H1, H3] }), 58211, H3);
    assert.equal(msg.includes(H1), false, "only the unbound pair is named");
    await fam.failsUnchanged(() => disassociate({ SecGroupId: [A, B, C], ResourceId: [H2] }), 58211, B, H2);
  });

  it("a mixed batch where one pair would empty its resource fails whole: the other pair stays", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => disassociate({ SecGroupId: [B], ResourceId: [H1, H3] }), 58208, H3);
    assert.deepEqual(await fam.bindings(), INITIAL);
  });

  it("a mixed batch with one unknown resource fails whole", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => disassociate({ SecGroupId: [A], ResourceId: [H1, H2, "uhost-dis-x"] }), 8039);
  });
});

describe("racing requests (operator.md: no resource left with zero groups by racing requests)", () => {
  it("two concurrent unbinds of the two groups of each resource: exactly one per resource succeeds", async () => {
    const hosts = Array.from({ length: 8 }, (_, i) => `uhost-dis-race${i}`);
    await fam.use(
      world({
        resources: hosts.map((id) => ({ id })),
        groups: [{ id: A }, { id: B }],
        bindings: hosts.flatMap((h) => [
          [h, A, 1],
          [h, B, 2],
        ]),
      }),
    );
    const results = await Promise.allSettled(
      hosts.flatMap((h) => [A, B].map((g) => disassociate({ SecGroupId: [g], ResourceId: [h] }))),
    );
    const codes = results.map((r) => (r.status === "fulfilled" ? 0 : (r.reason as { retCode?: number }).retCode));
    for (let i = 0; i < hosts.length; i++) {
      assert.deepEqual([codes[2 * i], codes[2 * i + 1]].sort(), [0, 58208], `one winner on ${hosts[i]}`);
    }
    const left = await fam.bindings();
    assert.equal(left.length, hosts.length);
    for (const h of hosts) assert.equal(left.filter((b) => b.startsWith(`${h}/`)).length, 1);
  });

  it("two concurrent group-wide unbinds cannot together empty the resources they share", async () => {
    const hosts = Array.from({ length: 4 }, (_, i) => `uhost-dis-wide${i}`);
    await fam.use(
      world({
        resources: hosts.map((id) => ({ id })),
        groups: [{ id: A }, { id: B }],
        bindings: hosts.flatMap((h) => [
          [h, A, 1],
          [h, B, 2],
        ]),
      }),
    );
    const results = await Promise.allSettled([disassociate({ SecGroupId: [A] }), disassociate({ SecGroupId: [B] })]);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1, "exactly one wins");
    assert.equal((await fam.bindings()).length, hosts.length);
  });
});

describe("Terraform's update path", () => {
  const H5 = "uhost-dis-tf";
  const TF: WorldSpec = {
    resources: [{ id: H5 }],
    groups: [{ id: A }, { id: B }, { id: C }, { id: D }],
    bindings: [
      [H5, A, 1],
      [H5, B, 2],
    ],
  };

  it("disassociate every group without Force, then associate the new ones: rejected at the first step (58208)", async () => {
    await fam.use(world(TF));
    await fam.failsUnchanged(() => disassociate({ SecGroupId: [A, B], ResourceId: [H5] }), 58208, H5);
    await fam.failsUnchanged(() => disassociate({ ResourceId: [H5] }), 58208, H5);
    // One group at a time: the first goes, the last is refused.
    await disassociate({ SecGroupId: [A], ResourceId: [H5] });
    await fam.failsUnchanged(() => disassociate({ SecGroupId: [B], ResourceId: [H5] }), 58208, H5);
    assert.deepEqual(await fam.bindings(), [`${H5}/${B}@2`]);
  });

  it("the order that works: associate the new groups first, then disassociate the old ones", async () => {
    await fam.use(world(TF));
    await client().call("AssociateSecGroup", {
      ResourceId: [H5],
      PrioritySecGroup: [
        { SecGroupId: C, Priority: 3 },
        { SecGroupId: D, Priority: 4 },
      ],
    });
    await disassociate({ SecGroupId: [A, B], ResourceId: [H5] });
    assert.deepEqual(await fam.bindings(), [`${H5}/${C}@3`, `${H5}/${D}@4`]);
  });
});
