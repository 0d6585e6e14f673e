// CreateSecGroupRule, UpdateSecGroupRule, DeleteSecGroupRule (§3.1, §3.6–3.8) over signed HTTP, every error.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { B_GROUP, CO_A, type CompanyState, Family, KEY_A, ruleSpec, type WorldSpec, world } from "./family-world.ts";
import { startServer } from "./harness.ts";

let fam: Family;
before(async () => {
  fam = new Family(await startServer());
});
after(async () => {
  await fam.server.stop();
});

const G = "secgroup-rl-g";
const OTHER = "secgroup-rl-o";
// g: Ingress TCP 22 @1 (r1), Ingress TCP 80 @2 (r2), Egress ALL @1 (r3); o: Ingress @1 (o1).
const BASE: WorldSpec = {
  groups: [
    {
      id: G,
      rules: [
        ruleSpec(1, { RuleId: "rule-rl-1", Remark: "ssh" }),
        ruleSpec(2, { RuleId: "rule-rl-2", DstPort: "80" }),
        ruleSpec(1, { RuleId: "rule-rl-3", Direction: "Egress", ProtocolType: "ALL", DstPort: "ALL" }),
      ],
    },
    { id: OTHER, rules: [ruleSpec(1, { RuleId: "rule-rl-o1" })] },
  ],
};

const call = (action: string, params: Record<string, unknown>) => fam.server.client(KEY_A).call(action, params);
const rulesOf = async (id = G) => {
  const state: CompanyState = await fam.company();
  return state.SecGroups.find((g) => g.SecGroupId === id)?.Rules ?? [];
};
type WireRule = Record<string, unknown>;
const rule = (priority: number, extra: WireRule = {}): WireRule => ({
  Direction: "Ingress",
  ProtocolType: "TCP",
  DstPort: "443",
  IPRange: "10.0.0.0/8",
  Priority: priority,
  RuleAction: "Drop",
  ...extra,
});
const create = (Rule: unknown, SecGroupId = G) => call("CreateSecGroupRule", { SecGroupId, Rule });
const update = (Rule: unknown, SecGroupId = G) => call("UpdateSecGroupRule", { SecGroupId, Rule });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("CreateSecGroupRule", () => {
  it("Go style: RuleIds in input order; defaults (Remark '', IPVersion IPv4); enums canonicalised; Describe order", async () => {
    await fam.use(world(BASE));
    const res = await fam.server.client(KEY_A, { actionInQuery: true }).send("CreateSecGroupRule", {
      SecGroupId: G,
      Rule: [
        rule(5, { Direction: "egress", ProtocolType: "udp", RuleAction: "accept", DstPort: "53,1000-2000" }),
        rule(3, { Remark: "https", IPVersion: "ipv6", IPRange: "2001:db8::/32" }),
      ],
    });
    assert.equal(res.body.RetCode, 0);
    const ids = res.body.RuleId as string[];
    assert.ok(Array.isArray(ids) && ids.length === 2 && ids.every((id) => UUID.test(id)));
    const described = await call("DescribeSecGroup", { SecGroupId: [G] });
    const rules = (described.DataSet as { Rule: WireRule[] }[])[0]?.Rule ?? [];
    assert.deepEqual(
      rules.map((r) => `${r.Direction}@${r.Priority}`),
      ["Ingress@1", "Ingress@2", "Ingress@3", "Egress@1", "Egress@5"],
    );
    assert.deepEqual(
      rules.find((r) => r.RuleId === ids[0]),
      {
        RuleId: ids[0],
        Direction: "Egress",
        IPRange: "10.0.0.0/8",
        Priority: 5,
        ProtocolType: "UDP",
        DstPort: "53,1000-2000",
        RuleAction: "Accept",
        Remark: "",
        IPVersion: "IPv4",
      },
    );
    const second = rules.find((r) => r.RuleId === ids[1]);
    assert.deepEqual([second?.Remark, second?.IPVersion, second?.RuleAction], ["https", "IPv6", "Drop"]);
  });

  it("Python style empty Remark, JSON bodies, ICMP/ALL without DstPort, the group's own id as IPRange", async () => {
    await fam.use(world(BASE));
    await call("CreateSecGroupRule", { SecGroupId: G, Rule: [rule(10, { Remark: "" })] });
    await fam.server
      .client(KEY_A, { encoding: "json" })
      .call("CreateSecGroupRule", { SecGroupId: G, Rule: [rule(11, { ProtocolType: "ICMP", DstPort: undefined })] });
    await fam.server.client(KEY_A, { encoding: "json-nested" }).call("CreateSecGroupRule", {
      SecGroupId: G,
      Rule: [rule(12, { ProtocolType: "ALL", DstPort: "", IPRange: G })],
    });
    // Older SDKs: the whole rule list as one JSON-array string.
    await call("CreateSecGroupRule", { SecGroupId: G, Rule: JSON.stringify([rule(13, { Priority: 13 })]) });
    const rules = await rulesOf();
    assert.ok(rules.some((r) => r.Priority === 13));
    const at = (p: number) => rules.find((r) => r.Direction === "Ingress" && r.Priority === p);
    assert.equal(at(10)?.Remark, "");
    assert.equal(at(11)?.DstPort, "ALL");
    assert.deepEqual([at(12)?.DstPort, at(12)?.IPRange], ["ALL", G]);
  });

  it("220 without SecGroupId, Rule, or a required rule field (TCP without DstPort)", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => call("CreateSecGroupRule", { Rule: [rule(9)] }), 220, "Missing params [SecGroupId]");
    await fam.failsUnchanged(() => call("CreateSecGroupRule", { SecGroupId: G }), 220, "Missing params [Rule]");
    await fam.failsUnchanged(() => create([rule(9), rule(8, { Direction: undefined })]), 220, "Rule.1.Direction");
    await fam.failsUnchanged(() => create([rule(9, { DstPort: undefined })]), 220, "Rule.0.DstPort");
  });

  it("230 naming Rule.N.Field for every malformed field; nothing of the batch is added", async () => {
    await fam.use(world(BASE));
    const bad: [WireRule, string][] = [
      [{ DstPort: "70000" }, "DstPort"],
      [{ DstPort: "2000-1000" }, "DstPort"],
      [{ DstPort: "http" }, "DstPort"],
      [{ IPRange: "10.0.0.0/33" }, "IPRange"],
      [{ IPRange: "not-an-ip" }, "IPRange"],
      [{ IPRange: OTHER }, "IPRange"],
      [{ Priority: 0 }, "Priority"],
      [{ Priority: 201 }, "Priority"],
      [{ Direction: "Sideways" }, "Direction"],
      [{ ProtocolType: "SCTP" }, "ProtocolType"],
      [{ RuleAction: "Maybe" }, "RuleAction"],
      [{ IPVersion: "IPv5" }, "IPVersion"],
    ];
    for (const [extra, field] of bad) {
      await fam.failsUnchanged(() => create([rule(20), rule(21, extra)]), 230, `Params [Rule.1.${field}]`);
    }
  });

  it("8039 for an unknown or another company's group", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => create([rule(9)], "secgroup-rl-x"), 8039, "SecGroup [secgroup-rl-x] not exist");
    await fam.failsUnchanged(() => create([rule(9)], B_GROUP), 8039, `SecGroup [${B_GROUP}] not exist`);
  });

  it("58203 for a priority taken in the same direction (existing or within the batch); other direction is fine", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => create([rule(9), rule(2)]), 58203, "Rule priority [2]", G, "Ingress");
    await fam.failsUnchanged(() => create([rule(7), rule(7)]), 58203, "[7]");
    await create([rule(2, { Direction: "Egress" })]);
    assert.equal((await rulesOf()).length, 4);
  });

  it("58202 over the per-direction quota (AdminSetQuota RulesPerDirection)", async () => {
    await fam.use(world(BASE));
    await fam.admin().call("AdminSetQuota", { CompanyId: CO_A, RulesPerDirection: 3 });
    await create([rule(3)]);
    await fam.failsUnchanged(() => create([rule(4)]), 58202, "[Ingress]", "limit is 3", G);
    await create([rule(2, { Direction: "Egress" })]);
  });
});

describe("UpdateSecGroupRule", () => {
  it("replaces a rule in full (direction may change); untouched rules stay", async () => {
    await fam.use(world(BASE));
    await fam.server.client(KEY_A, { encoding: "json" }).call("UpdateSecGroupRule", {
      SecGroupId: G,
      Rule: [{ RuleId: "rule-rl-2", ...rule(9, { Direction: "Egress", Remark: "moved" }) }],
    });
    const rules = await rulesOf();
    assert.deepEqual(
      rules.find((r) => r.RuleId === "rule-rl-2"),
      {
        RuleId: "rule-rl-2",
        Direction: "Egress",
        ProtocolType: "TCP",
        DstPort: "443",
        IPRange: "10.0.0.0/8",
        Priority: 9,
        RuleAction: "Drop",
        Remark: "moved",
        IPVersion: "IPv4",
      },
    );
    assert.equal(rules.find((r) => r.RuleId === "rule-rl-1")?.Remark, "ssh");
  });

  it("two rules may swap priorities in one call (checked on the final rule set)", async () => {
    await fam.use(world(BASE));
    await update([
      { RuleId: "rule-rl-1", ...rule(2) },
      { RuleId: "rule-rl-2", ...rule(1) },
    ]);
    const rules = await rulesOf();
    assert.deepEqual(
      ["rule-rl-1", "rule-rl-2"].map((id) => rules.find((r) => r.RuleId === id)?.Priority),
      [2, 1],
    );
  });

  it("220 without Rule or a RuleId; 230 for a malformed field or the same rule twice", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => call("UpdateSecGroupRule", { SecGroupId: G }), 220, "Missing params [Rule]");
    await fam.failsUnchanged(() => update([rule(5)]), 220, "Rule.0.RuleId");
    await fam.failsUnchanged(
      () => update([{ RuleId: "rule-rl-1", ...rule(5, { DstPort: "0" }) }]),
      230,
      "Rule.0.DstPort",
    );
    await fam.failsUnchanged(
      () =>
        update([
          { RuleId: "rule-rl-1", ...rule(5) },
          { RuleId: "rule-rl-1", ...rule(6) },
        ]),
      230,
      "Rule.1.RuleId",
    );
  });

  it("8039 for an unknown group, or a rule that is not in the group (another group's, another company's)", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(
      () => update([{ RuleId: "rule-rl-1", ...rule(5) }], "secgroup-rl-x"),
      8039,
      "secgroup-rl-x",
    );
    await fam.failsUnchanged(
      () =>
        update([
          { RuleId: "rule-rl-1", ...rule(5) },
          { RuleId: "rule-rl-o1", ...rule(6) },
        ]),
      8039,
      `Rule [rule-rl-o1] not exist in SecGroup [${G}]`,
    );
    await fam.failsUnchanged(() => update([{ RuleId: "rule-fam-b-1", ...rule(5) }]), 8039, "rule-fam-b-1");
    await fam.failsUnchanged(() => update([{ RuleId: "rule-fam-b-1", ...rule(5) }], B_GROUP), 8039, B_GROUP);
  });

  it("58203 for a clash with an untouched rule; 58202 when a direction change overflows the quota", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => update([{ RuleId: "rule-rl-2", ...rule(1) }]), 58203, "[1]", "Ingress");
    await fam.admin().call("AdminSetQuota", { CompanyId: CO_A, RulesPerDirection: 2 });
    await fam.failsUnchanged(
      () => update([{ RuleId: "rule-rl-3", ...rule(5, { Direction: "Ingress" }) }]),
      58202,
      "[Ingress]",
      "limit is 2",
    );
  });
});

describe("DeleteSecGroupRule", () => {
  it("deletes the listed rules (RuleId.N and a plain id)", async () => {
    await fam.use(world(BASE));
    await call("DeleteSecGroupRule", { SecGroupId: G, RuleId: ["rule-rl-1", "rule-rl-3"] });
    assert.deepEqual(
      (await rulesOf()).map((r) => r.RuleId),
      ["rule-rl-2"],
    );
    await fam.server
      .client(KEY_A, { encoding: "json" })
      .call("DeleteSecGroupRule", { SecGroupId: G, RuleId: "rule-rl-2" });
    assert.deepEqual(await rulesOf(), []);
  });

  it("220 without SecGroupId or RuleId; 8039 (nothing deleted) for a rule not in the group or an unknown group", async () => {
    await fam.use(world(BASE));
    await fam.failsUnchanged(() => call("DeleteSecGroupRule", { SecGroupId: G }), 220, "Missing params [RuleId]");
    await fam.failsUnchanged(() => call("DeleteSecGroupRule", { RuleId: ["rule-rl-1"] }), 220, "[SecGroupId]");
    const msg = await fam.failsUnchanged(
      () => call("DeleteSecGroupRule", { SecGroupId: G, RuleId: ["rule-rl-1", "rule-rl-o1", "rule-rl-x"] }),
      8039,
      "rule-rl-o1",
      "rule-rl-x",
    );
    assert.equal(msg.includes("rule-rl-1,"), false, "the rule that exists is not named");
    await fam.failsUnchanged(() => call("DeleteSecGroupRule", { SecGroupId: B_GROUP, RuleId: ["rule-fam-b-1"] }), 8039);
  });
});
