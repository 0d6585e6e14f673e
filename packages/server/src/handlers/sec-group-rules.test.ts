// Handler tests of CreateSecGroupRule, UpdateSecGroupRule and DeleteSecGroupRule.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { models } from "@sgplane/catalogue";
import { rejectsApiError } from "../domain/assert-api-error.ts";
import { createSecGroupRule } from "./create-sec-group-rule.ts";
import { deleteSecGroupRule } from "./delete-sec-group-rule.ts";
import { describeSecGroup } from "./describe-sec-group.ts";
import { groupRow, ruleRow, type TestEnv, testEnv } from "./test-env.ts";
import { updateSecGroupRule } from "./update-sec-group-rule.ts";

let env: TestEnv;
beforeEach(async () => {
  env = await testEnv();
  await env.addGroups(groupRow("sg"));
  await env.addRules(ruleRow("ssh", "sg", 1), ruleRow("out", "sg", 1, { direction: "Egress", protocolType: "ALL" }));
});
afterEach(() => env.close());

const rule = (extra: Partial<models.RuleInput> = {}): models.RuleInput => ({
  Direction: "Ingress",
  ProtocolType: "TCP",
  DstPort: "443",
  IPRange: "0.0.0.0/0",
  Priority: 10,
  RuleAction: "Accept",
  ...extra,
});

const rulesOf = async () => {
  const { DataSet } = await describeSecGroup({ SecGroupId: ["sg"] }, env.ctx);
  return (DataSet[0]?.Rule ?? []).map((r) => `${r.RuleId} ${r.Direction} ${r.Priority} ${r.ProtocolType} ${r.DstPort}`);
};
const INITIAL = ["ssh Ingress 1 TCP 22", "out Egress 1 ALL 22"];

describe("CreateSecGroupRule", () => {
  it("adds rules with defaults and returns their ids in input order", async () => {
    const { RuleId } = await createSecGroupRule(
      { SecGroupId: "sg", Rule: [rule(), rule({ Priority: 2, ProtocolType: "ICMP", DstPort: "", Remark: "ping" })] },
      env.ctx,
    );
    assert.equal(RuleId.length, 2);
    assert.deepEqual(await rulesOf(), [
      "ssh Ingress 1 TCP 22",
      `${RuleId[1]} Ingress 2 ICMP ALL`,
      `${RuleId[0]} Ingress 10 TCP 443`,
      "out Egress 1 ALL 22",
    ]);
    const { DataSet } = await describeSecGroup({ SecGroupId: ["sg"] }, env.ctx);
    const added = DataSet[0]?.Rule.find((r) => r.RuleId === RuleId[0]);
    assert.equal(added?.Remark, "");
    assert.equal(added?.IPVersion, "IPv4");
  });

  it("format errors name Rule.<n>.<Field> (230), nothing added", async () => {
    await rejectsApiError(
      createSecGroupRule({ SecGroupId: "sg", Rule: [rule(), rule({ Priority: 11, DstPort: "0" })] }, env.ctx),
      "InvalidParams",
      "Rule.1.DstPort",
    );
    await rejectsApiError(
      createSecGroupRule({ SecGroupId: "sg", Rule: [rule({ IPRange: "10.0.0.0/33" })] }, env.ctx),
      "InvalidParams",
      "Rule.0.IPRange",
    );
    await rejectsApiError(createSecGroupRule({ SecGroupId: "sg", Rule: [] }, env.ctx), "MissingParams", "Rule");
    assert.deepEqual(await rulesOf(), INITIAL);
  });

  it("priority clash with existing rules or inside the batch → 58203; quota → 58202", async () => {
    await rejectsApiError(
      createSecGroupRule({ SecGroupId: "sg", Rule: [rule({ Priority: 1 })] }, env.ctx),
      "RulePriorityConflict",
      "[1]",
    );
    await rejectsApiError(
      createSecGroupRule(
        { SecGroupId: "sg", Rule: [rule({ Priority: 7 }), rule({ Priority: 7, DstPort: "80" })] },
        env.ctx,
      ),
      "RulePriorityConflict",
      "[7]",
    );
    await env.setQuotas({ RulesPerDirection: 2 });
    await createSecGroupRule({ SecGroupId: "sg", Rule: [rule({ Priority: 2 })] }, env.ctx);
    await rejectsApiError(
      createSecGroupRule({ SecGroupId: "sg", Rule: [rule({ Priority: 3 })] }, env.ctx),
      "RuleQuotaExceeded",
      "Ingress",
    );
  });

  it("unknown or foreign group → 8039", async () => {
    await rejectsApiError(createSecGroupRule({ SecGroupId: "zz", Rule: [rule()] }, env.ctx), "SecGroupNotFound", "zz");
    await rejectsApiError(
      createSecGroupRule({ SecGroupId: "secgroup-other", Rule: [rule()] }, env.ctx),
      "SecGroupNotFound",
    );
  });

  it("DstPort may be absent for ICMP/ALL (stored as ALL) but not for TCP/UDP (220)", async () => {
    const { DstPort: _, ...portless } = rule();
    await createSecGroupRule({ SecGroupId: "sg", Rule: [{ ...portless, ProtocolType: "ICMP", Priority: 3 }] }, env.ctx);
    await rejectsApiError(
      createSecGroupRule({ SecGroupId: "sg", Rule: [{ ...portless, ProtocolType: "UDP", Priority: 4 }] }, env.ctx),
      "MissingParams",
      "Rule.0.DstPort",
    );
    assert.ok((await rulesOf()).some((r) => r.endsWith("Ingress 3 ICMP ALL")));
  });

  it("accepts the group's own id as IPRange", async () => {
    await createSecGroupRule({ SecGroupId: "sg", Rule: [rule({ IPRange: "sg" })] }, env.ctx);
  });
});

describe("UpdateSecGroupRule", () => {
  it("replaces rules in full; direction may change; priorities may swap", async () => {
    await updateSecGroupRule(
      {
        SecGroupId: "sg",
        Rule: [
          { RuleId: "ssh", ...rule({ Direction: "Egress", Priority: 2, DstPort: "2222" }) },
          { RuleId: "out", ...rule({ Direction: "Egress", Priority: 1, ProtocolType: "UDP", DstPort: "53" }) },
        ],
      },
      env.ctx,
    );
    assert.deepEqual(await rulesOf(), ["out Egress 1 UDP 53", "ssh Egress 2 TCP 2222"]);
  });

  it("unknown rule or group → 8039; duplicate RuleId → 230; clash → 58203; nothing changed", async () => {
    await rejectsApiError(
      updateSecGroupRule({ SecGroupId: "sg", Rule: [{ RuleId: "nope", ...rule() }] }, env.ctx),
      "RuleNotFound",
      "nope",
    );
    await rejectsApiError(
      updateSecGroupRule({ SecGroupId: "zz", Rule: [{ RuleId: "ssh", ...rule() }] }, env.ctx),
      "SecGroupNotFound",
    );
    await rejectsApiError(
      updateSecGroupRule(
        {
          SecGroupId: "sg",
          Rule: [
            { RuleId: "ssh", ...rule() },
            { RuleId: "ssh", ...rule() },
          ],
        },
        env.ctx,
      ),
      "InvalidParams",
      "Rule.1.RuleId",
    );
    await rejectsApiError(
      updateSecGroupRule({ SecGroupId: "sg", Rule: [{ RuleId: "out", ...rule({ Priority: 1 }) }] }, env.ctx),
      "RulePriorityConflict",
    );
    await rejectsApiError(
      updateSecGroupRule({ SecGroupId: "sg", Rule: [{ RuleId: "ssh", ...rule({ DstPort: "1-2-3" }) }] }, env.ctx),
      "InvalidParams",
      "Rule.0.DstPort",
    );
    assert.deepEqual(await rulesOf(), INITIAL);
  });
});

describe("DeleteSecGroupRule", () => {
  it("deletes the listed rules", async () => {
    await deleteSecGroupRule({ SecGroupId: "sg", RuleId: ["ssh"] }, env.ctx);
    assert.deepEqual(await rulesOf(), ["out Egress 1 ALL 22"]);
  });

  it("any id not in the group → 8039 naming it, nothing deleted; empty list → 220", async () => {
    await env.addGroups(groupRow("sg2"));
    await env.addRules(ruleRow("elsewhere", "sg2", 1));
    await rejectsApiError(
      deleteSecGroupRule({ SecGroupId: "sg", RuleId: ["ssh", "elsewhere"] }, env.ctx),
      "RuleNotFound",
      "[elsewhere]",
    );
    await rejectsApiError(deleteSecGroupRule({ SecGroupId: "sg", RuleId: [] }, env.ctx), "MissingParams", "RuleId");
    await rejectsApiError(
      deleteSecGroupRule({ SecGroupId: "secgroup-other", RuleId: ["x"] }, env.ctx),
      "SecGroupNotFound",
    );
    assert.deepEqual(await rulesOf(), INITIAL);
  });
});
