import assert from "node:assert/strict";
import { test } from "node:test";
import { compileDecisionLists, compileDirection, compileRule } from "./compile.ts";
import type { BindingInput, PolicyWorld, RuleInput } from "./model.ts";

const G1 = "secgroup-cmp00001";
const G2 = "secgroup-cmp00002";
const G3 = "secgroup-cmp00003";
const BOTH_FAMILIES = "198.18.0.0/16,fd00:5367::/64";

function rule(fields: Partial<RuleInput> = {}): RuleInput {
  return {
    RuleId: "r-1",
    SecGroupId: G1,
    Direction: "Ingress",
    ProtocolType: "TCP",
    DstPort: "22",
    IPRange: "0.0.0.0/0",
    Priority: 1,
    RuleAction: "Accept",
    IPVersion: "IPv4",
    ...fields,
  };
}

function world(bindings: BindingInput[], rules: RuleInput[]): PolicyWorld {
  return { bindings, rulesOf: (id) => rules.filter((r) => r.SecGroupId === id) };
}

test("compileRule: every ProtocolType x IPVersion", () => {
  const cases: [string, string, { protocol: string; family: number } | undefined][] = [
    ["TCP", "IPv4", { protocol: "tcp", family: 4 }],
    ["TCP", "IPv6", { protocol: "tcp", family: 6 }],
    ["UDP", "IPv4", { protocol: "udp", family: 4 }],
    ["UDP", "IPv6", { protocol: "udp", family: 6 }],
    ["ICMP", "IPv4", { protocol: "icmp", family: 4 }],
    // ICMP is ICMPv4: in an IPv6 rule it can match no packet, and ICMPv6 none in an IPv4 rule.
    ["ICMP", "IPv6", undefined],
    ["ICMPv6", "IPv4", undefined],
    ["ICMPv6", "IPv6", { protocol: "icmpv6", family: 6 }],
    ["ALL", "IPv4", { protocol: "all", family: 4 }],
    ["ALL", "IPv6", { protocol: "all", family: 6 }],
    // IPVersion absent means IPv4 (secgroup-api.md 3.1).
    ["TCP", "", { protocol: "tcp", family: 4 }],
    ["ICMP", "", { protocol: "icmp", family: 4 }],
    ["ICMPv6", "", undefined],
    ["ALL", "", { protocol: "all", family: 4 }],
  ];
  for (const [ProtocolType, IPVersion, expected] of cases) {
    const compiled = compileRule(rule({ ProtocolType, IPVersion, DstPort: "ALL", IPRange: BOTH_FAMILIES }), 1);
    const label = `${ProtocolType}/${IPVersion || "(absent)"}`;
    if (expected === undefined) {
      assert.equal(compiled, undefined, label);
      continue;
    }
    assert.ok(compiled !== undefined, label);
    assert.equal(compiled.protocol, expected.protocol, label);
    assert.equal(compiled.family, expected.family, label);
    assert.deepEqual(compiled.cidrs, [expected.family === 4 ? "198.18.0.0/16" : "fd00:5367::/64"], label);
  }
});

test("compileRule keeps what the rule says: ids, priorities, verdict", () => {
  const compiled = compileRule(
    rule({ RuleId: "r-77", SecGroupId: G2, Priority: 42, RuleAction: "Drop", IPRange: "198.18.0.9" }),
    3,
  );
  assert.deepEqual(compiled, {
    secGroupId: G2,
    ruleId: "r-77",
    groupPriority: 3,
    rulePriority: 42,
    family: 4,
    protocol: "tcp",
    cidrs: ["198.18.0.9/32"],
    remoteGroups: [],
    verdict: "Drop",
    ports: [{ from: 22, to: 22 }],
  });
});

test("compileRule: TCP/UDP carry their ports, ALL ports carry none, other protocols ignore DstPort", () => {
  assert.deepEqual(compileRule(rule({ DstPort: "443,80,1000-2000,1500-2500" }), 1)?.ports, [
    { from: 80, to: 80 },
    { from: 443, to: 443 },
    { from: 1000, to: 2500 },
  ]);
  assert.deepEqual(compileRule(rule({ ProtocolType: "UDP", DstPort: "53" }), 1)?.ports, [{ from: 53, to: 53 }]);
  for (const [ProtocolType, DstPort] of [
    ["TCP", "ALL"],
    ["UDP", "all"],
    ["ICMP", "22"],
    ["ALL", "22"],
    ["ALL", "ALL"],
    ["ALL", ""],
    ["ICMP", ""],
  ] as const) {
    const compiled = compileRule(rule({ ProtocolType, DstPort }), 1);
    assert.ok(compiled !== undefined, `${ProtocolType} ${DstPort}`);
    assert.equal("ports" in compiled, false, `${ProtocolType} ${DstPort}`);
  }
  const icmpv6 = compileRule(rule({ ProtocolType: "ICMPv6", IPVersion: "IPv6", DstPort: "22", IPRange: "::/0" }), 1);
  assert.ok(icmpv6 !== undefined);
  assert.equal("ports" in icmpv6, false);
});

test("compileRule: a TCP/UDP rule whose DstPort names no valid port compiles to nothing", () => {
  assert.equal(compileRule(rule({ DstPort: "http" }), 1), undefined);
  assert.equal(compileRule(rule({ ProtocolType: "UDP", DstPort: "0,70000" }), 1), undefined);
});

test("compileRule drops IPRange items of the other family", () => {
  const v4 = compileRule(rule({ IPRange: "198.18.0.1, fd00:5367::1,198.19.0.0/16,::/0" }), 1);
  assert.deepEqual(v4?.cidrs, ["198.18.0.1/32", "198.19.0.0/16"]);
  const v6 = compileRule(rule({ IPVersion: "IPv6", IPRange: "198.18.0.1, fd00:5367::1,0.0.0.0/0" }), 1);
  assert.deepEqual(v6?.cidrs, ["fd00:5367::1/128"]);
  // A mapped address is IPv6 text: not an item of an IPv4 rule.
  assert.equal(compileRule(rule({ IPRange: "::ffff:198.18.0.1" }), 1), undefined);
});

test("compileRule: a rule with no address of its family compiles to nothing", () => {
  assert.equal(compileRule(rule({ IPRange: "fd00:5367::/64" }), 1), undefined);
  assert.equal(compileRule(rule({ IPVersion: "IPv6", IPRange: "0.0.0.0/0,198.18.0.1" }), 1), undefined);
  assert.equal(compileRule(rule({ IPRange: "" }), 1), undefined);
  assert.equal(compileRule(rule({ IPRange: "not-an-address, ,10.0.0.0/40" }), 1), undefined);
  // Only the rule's own group stands for its members; another group's id is no address.
  assert.equal(compileRule(rule({ IPRange: G2 }), 1), undefined);
});

test("compileRule: the rule's own group id becomes a remote group, once, in either family", () => {
  const v4 = compileRule(rule({ IPRange: `${G1},198.18.0.0/24, ${G1}` }), 1);
  assert.deepEqual(v4?.remoteGroups, [G1]);
  assert.deepEqual(v4?.cidrs, ["198.18.0.0/24"]);
  const v6 = compileRule(rule({ IPVersion: "IPv6", IPRange: `198.18.0.0/24,${G1}` }), 1);
  assert.deepEqual(v6?.remoteGroups, [G1]);
  assert.deepEqual(v6?.cidrs, []);
  const other = compileRule(rule({ IPRange: `${G2},198.18.0.1` }), 1);
  assert.deepEqual(other?.remoteGroups, []);
});

test("compileRule: cidrs are canonical, without duplicates or blocks inside others", () => {
  const compiled = compileRule(
    rule({ IPRange: "198.18.0.0/15,198.18.0.1,198.18.3.4/24,198.18.0.0/15,203.0.113.5/24,203.0.113.0/24" }),
    1,
  );
  assert.deepEqual(compiled?.cidrs, ["198.18.0.0/15", "203.0.113.0/24"]);
  const v6 = compileRule(rule({ IPVersion: "IPv6", IPRange: "FD00:5367:0:0::1,fd00:5367::/64,::/0" }), 1);
  assert.deepEqual(v6?.cidrs, ["::/0"]);
});

test("compileRule and compileDirection read the enums case-insensitively", () => {
  const compiled = compileRule(
    rule({ ProtocolType: "icmpv6", IPVersion: "ipv6", RuleAction: "DROP", IPRange: "::/0", DstPort: "" }),
    1,
  );
  assert.equal(compiled?.protocol, "icmpv6");
  assert.equal(compiled?.family, 6);
  assert.equal(compiled?.verdict, "Drop");
  assert.equal(compileRule(rule({ ProtocolType: "Tcp", IPVersion: "IPV6", IPRange: "::/0" }), 1)?.family, 6);
  assert.equal(compileRule(rule({ ProtocolType: "uDp" }), 1)?.protocol, "udp");
  assert.equal(compileRule(rule({ ProtocolType: "all" }), 1)?.protocol, "all");
  assert.equal(compileRule(rule({ ProtocolType: "Icmp" }), 1)?.protocol, "icmp");
  assert.equal(compileRule(rule({ RuleAction: "accept" }), 1)?.verdict, "Accept");
  assert.equal(compileRule(rule({ RuleAction: "drop" }), 1)?.verdict, "Drop");
  assert.equal(compileRule(rule({ DstPort: "all" }), 1)?.ports, undefined);
  const lists = compileDecisionLists(
    world(
      [{ SecGroupId: G1, Priority: 1 }],
      [rule({ RuleId: "in", Direction: "INGRESS" }), rule({ RuleId: "out", Direction: "egress" })],
    ),
  );
  assert.deepEqual(
    lists.ingress.rules.map((r) => r.ruleId),
    ["in"],
  );
  assert.deepEqual(
    lists.egress.rules.map((r) => r.ruleId),
    ["out"],
  );
});

test("compileRule: an unknown protocol matches nothing", () => {
  assert.equal(compileRule(rule({ ProtocolType: "SCTP" }), 1), undefined);
});

test("compileDecisionLists orders by binding priority, then by rule priority, whatever the input order", () => {
  const rules = [
    rule({ RuleId: "g2-p1", SecGroupId: G2, Priority: 1 }),
    rule({ RuleId: "g1-p10", SecGroupId: G1, Priority: 10 }),
    rule({ RuleId: "g3-p7", SecGroupId: G3, Priority: 7 }),
    rule({ RuleId: "g1-p5", SecGroupId: G1, Priority: 5 }),
    rule({ RuleId: "g2-p200", SecGroupId: G2, Priority: 200 }),
    rule({ RuleId: "g1-p100", SecGroupId: G1, Priority: 100 }),
    rule({ RuleId: "g3-p2", SecGroupId: G3, Priority: 2 }),
  ];
  const bindings = [
    { SecGroupId: G3, Priority: 5 },
    { SecGroupId: G1, Priority: 2 },
    { SecGroupId: G2, Priority: 1 },
  ];
  const lists = compileDecisionLists(world(bindings, rules));
  assert.deepEqual(
    lists.ingress.rules.map((r) => r.ruleId),
    ["g2-p1", "g2-p200", "g1-p5", "g1-p10", "g1-p100", "g3-p2", "g3-p7"],
  );
  assert.deepEqual(
    lists.ingress.rules.map((r) => [r.groupPriority, r.rulePriority]),
    [
      [1, 1],
      [1, 200],
      [2, 5],
      [2, 10],
      [2, 100],
      [5, 2],
      [5, 7],
    ],
  );
  // Reversing the inputs changes nothing.
  const reversed = compileDecisionLists(world([...bindings].reverse(), [...rules].reverse()));
  assert.deepEqual(reversed, lists);
});

test("compileDecisionLists separates the directions; a priority may repeat across them", () => {
  const rules = [
    rule({ RuleId: "in-1", Priority: 1, Direction: "Ingress" }),
    rule({ RuleId: "out-1", Priority: 1, Direction: "Egress", RuleAction: "Drop" }),
    rule({ RuleId: "in-2", Priority: 2, Direction: "Ingress" }),
    rule({ RuleId: "out-3", Priority: 3, Direction: "Egress" }),
  ];
  const lists = compileDecisionLists(world([{ SecGroupId: G1, Priority: 1 }], rules));
  assert.equal(lists.ingress.direction, "Ingress");
  assert.equal(lists.egress.direction, "Egress");
  assert.deepEqual(
    lists.ingress.rules.map((r) => r.ruleId),
    ["in-1", "in-2"],
  );
  assert.deepEqual(
    lists.egress.rules.map((r) => r.ruleId),
    ["out-1", "out-3"],
  );
  assert.deepEqual(compileDirection(world([{ SecGroupId: G1, Priority: 1 }], rules), "Egress"), lists.egress);
});

test("compileDecisionLists: defaults are Ingress Drop, Egress Accept, also with no binding at all", () => {
  for (const w of [
    world([], []),
    world([{ SecGroupId: G1, Priority: 1 }], []),
    world([], [rule({ Direction: "Ingress" }), rule({ Direction: "Egress" })]),
  ]) {
    const lists = compileDecisionLists(w);
    assert.equal(lists.ingress.defaultVerdict, "Drop");
    assert.equal(lists.egress.defaultVerdict, "Accept");
    assert.deepEqual(lists.ingress.rules, []);
    assert.deepEqual(lists.egress.rules, []);
  }
});

test("compileDecisionLists leaves out rules that can match nothing and rules of unbound groups", () => {
  const rules = [
    rule({ RuleId: "icmpv6-in-v4", ProtocolType: "ICMPv6", Priority: 1 }),
    rule({ RuleId: "v6-only-range", IPRange: "fd00:5367::/64", Priority: 2 }),
    rule({ RuleId: "kept", Priority: 3 }),
    rule({ RuleId: "unbound", SecGroupId: G3, Priority: 1 }),
  ];
  const lists = compileDecisionLists(world([{ SecGroupId: G1, Priority: 4 }], rules));
  assert.deepEqual(
    lists.ingress.rules.map((r) => r.ruleId),
    ["kept"],
  );
  assert.equal(lists.ingress.rules[0]?.groupPriority, 4);
});
