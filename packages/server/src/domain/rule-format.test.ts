// Unit tests of the rule field format (§3.1).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertApiError } from "./assert-api-error.ts";
import { dstPortProblem, ipRangeProblem, normalizeRule, normalizeRules, type RuleRequest } from "./rule-format.ts";

const SG = "secgroup-self0001";
const tcp: RuleRequest = {
  direction: "Ingress",
  protocolType: "TCP",
  dstPort: "22",
  ipRange: "0.0.0.0/0",
  priority: 1,
  ruleAction: "Accept",
};

describe("DstPort", () => {
  for (const good of ["ALL", "all", "1", "65535", "80,443", "443,2000-10000", "1-65535", "22-22", " 80 , 443 "]) {
    it(`accepts ${JSON.stringify(good)}`, () => assert.equal(dstPortProblem(good), undefined));
  }
  for (const bad of [
    "0",
    "65536",
    "080",
    "10-5",
    "80,",
    ",80",
    "80,,443",
    "http",
    "1-2-3",
    "-5",
    "1-70000",
    "ALL,80",
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.notEqual(dstPortProblem(bad), undefined));
  }
});

describe("IPRange", () => {
  for (const good of [
    "0.0.0.0/0",
    "127.0.0.1",
    "127.0.0.1,10.8.0.0/16",
    "10.0.0.1/32",
    "::/0",
    "2001:db8::/32",
    "2001:db8::1/128",
    "::ffff:10.0.0.1",
    SG,
    `10.0.0.0/8,${SG}`,
  ]) {
    it(`accepts ${good}`, () => assert.equal(ipRangeProblem(good, SG), undefined));
  }
  for (const bad of [
    "",
    "10.0.0.0/33",
    "10.0.0.0/",
    "10.0.0.0/08",
    "2001:db8::/129",
    "256.0.0.1",
    "10.0.0",
    "fe80::1%eth0",
    "secgroup-other001",
    "10.0.0.1,,10.0.0.2",
    "10.0.0.0/8/8",
    "10.0.0.0/-1",
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.notEqual(ipRangeProblem(bad, SG), undefined));
  }
});

describe("normalizeRule", () => {
  it("fills Remark and IPVersion defaults", () => {
    const rule = normalizeRule(tcp, 0, SG);
    assert.equal(rule.remark, "");
    assert.equal(rule.ipVersion, "IPv4");
    assert.equal(rule.dstPort, "22");
  });

  it("keeps given Remark and IPVersion", () => {
    const rule = normalizeRule({ ...tcp, remark: "ssh", ipVersion: "IPv6", ipRange: "::/0" }, 0, SG);
    assert.equal(rule.remark, "ssh");
    assert.equal(rule.ipVersion, "IPv6");
  });

  it("stores the canonical spelling of ports and ranges", () => {
    const rule = normalizeRule({ ...tcp, dstPort: " 80 , 443 ", ipRange: "10.0.0.1 , 10.0.0.2" }, 0, SG);
    assert.equal(rule.dstPort, "80,443");
    assert.equal(rule.ipRange, "10.0.0.1,10.0.0.2");
    assert.equal(normalizeRule({ ...tcp, dstPort: "all" }, 0, SG).dstPort, "ALL");
  });

  for (const protocolType of ["ICMP", "ICMPv6", "ALL"] as const) {
    it(`${protocolType}: empty DstPort becomes ALL, a given one is validated`, () => {
      assert.equal(normalizeRule({ ...tcp, protocolType, dstPort: "" }, 0, SG).dstPort, "ALL");
      assert.equal(normalizeRule({ ...tcp, protocolType, dstPort: undefined }, 0, SG).dstPort, "ALL");
      assert.equal(normalizeRule({ ...tcp, protocolType, dstPort: "8-9" }, 0, SG).dstPort, "8-9");
      assertApiError(
        () => normalizeRule({ ...tcp, protocolType, dstPort: "x" }, 2, SG),
        "InvalidParams",
        "Rule.2.DstPort",
      );
    });
  }

  for (const protocolType of ["TCP", "UDP"] as const) {
    it(`${protocolType}: DstPort is required`, () => {
      assertApiError(
        () => normalizeRule({ ...tcp, protocolType, dstPort: "" }, 1, SG),
        "MissingParams",
        "Rule.1.DstPort",
      );
    });
  }

  it("names the rule position and field in the error", () => {
    const rules = [tcp, { ...tcp, priority: 2, dstPort: "70000" }];
    assertApiError(() => normalizeRules(rules, SG), "InvalidParams", "Params [Rule.1.DstPort]", "70000");
    const badRange = [tcp, tcp, { ...tcp, ipRange: "10.0.0.0/40" }];
    assertApiError(() => normalizeRules(badRange, SG), "InvalidParams", "Rule.2.IPRange", "10.0.0.0/40");
  });

  it("accepts the group's own id as IPRange", () => {
    assert.equal(normalizeRule({ ...tcp, ipRange: SG }, 0, SG).ipRange, SG);
  });
});
