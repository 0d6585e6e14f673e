// Unit tests of the final-rule-set checks, rule order, the web template and paging defaults.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertApiError } from "./assert-api-error.ts";
import { pageOf } from "./paging.ts";
import { checkDistinctRuleIds, checkRuleSet, compareRules, requireRulesOf } from "./rule-set.ts";
import { secGroupType, templateRules } from "./sec-group-template.ts";

const SG = "secgroup-a";
const rule = (direction: "Ingress" | "Egress", priority: number) => ({ direction, priority });

describe("checkRuleSet", () => {
  it("allows the same priority in different directions", () => {
    checkRuleSet(SG, [rule("Ingress", 1), rule("Egress", 1)], 50);
  });

  it("refuses a priority used twice in one direction (58203)", () => {
    assertApiError(
      () => checkRuleSet(SG, [rule("Egress", 7), rule("Ingress", 7), rule("Egress", 7)], 50),
      "RulePriorityConflict",
      "[7]",
      SG,
      "Egress",
    );
  });

  it("counts each direction against the quota (58202)", () => {
    const three = [1, 2, 3].map((p) => rule("Ingress", p));
    checkRuleSet(SG, [...three, rule("Egress", 1), rule("Egress", 2)], 3);
    assertApiError(
      () => checkRuleSet(SG, [...three, rule("Ingress", 4)], 3),
      "RuleQuotaExceeded",
      "Ingress",
      "limit is 3",
    );
  });
});

describe("compareRules", () => {
  it("puts Ingress first, then sorts by priority", () => {
    const sorted = [rule("Egress", 1), rule("Ingress", 9), rule("Ingress", 2), rule("Egress", 0)].sort(compareRules);
    assert.deepEqual(sorted, [rule("Ingress", 2), rule("Ingress", 9), rule("Egress", 0), rule("Egress", 1)]);
  });
});

describe("templates", () => {
  it("maps recommendations to group types", () => {
    assert.equal(secGroupType(undefined), "user defined");
    assert.equal(secGroupType("web"), "recommend web");
    assert.equal(secGroupType("noweb"), "recommend non web");
  });

  it("web opens 22, 3389, 80, 443, ICMP, private networks, all outbound with distinct priorities", () => {
    const rules = templateRules("web");
    assert.deepEqual(
      rules.filter((r) => r.protocolType === "TCP").map((r) => r.dstPort),
      ["22", "3389", "80", "443"],
    );
    assert.ok(rules.some((r) => r.protocolType === "ICMP" && r.direction === "Ingress"));
    assert.ok(rules.some((r) => r.ipRange === "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"));
    assert.ok(rules.some((r) => r.direction === "Egress" && r.protocolType === "ALL" && r.ipRange === "0.0.0.0/0"));
    checkRuleSet(SG, rules, 50);
    assert.deepEqual(templateRules("noweb"), []);
    assert.deepEqual(templateRules(undefined), []);
  });
});

describe("pageOf", () => {
  it("defaults Offset to 0 and Limit 0/absent to 20", () => {
    assert.deepEqual(pageOf(undefined, undefined), { offset: 0, limit: 20 });
    assert.deepEqual(pageOf(5, 0), { offset: 5, limit: 20 });
    assert.deepEqual(pageOf(0, 100), { offset: 0, limit: 100 });
  });
});

describe("rule ids", () => {
  it("refuses a rule listed twice (230 at its second position)", () => {
    checkDistinctRuleIds(["r1", "r2"]);
    assertApiError(() => checkDistinctRuleIds(["r1", "r2", "r1"]), "InvalidParams", "Rule.2.RuleId");
  });

  it("names every id that is not a rule of the group (8039)", () => {
    requireRulesOf(SG, ["r1"], new Set(["r1", "r2"]));
    assertApiError(() => requireRulesOf(SG, ["r1", "x", "y"], new Set(["r1"])), "RuleNotFound", "[x,y]", SG);
  });
});
