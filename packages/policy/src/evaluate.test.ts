import assert from "node:assert/strict";
import { test } from "node:test";
import { compileDecisionLists } from "./compile.ts";
import { type EvaluateOptions, evaluatePacket } from "./evaluate.ts";
import { membersResolver } from "./members.ts";
import type { BindingInput, Decision, MembersOf, Packet, RuleInput } from "./model.ts";

const G1 = "secgroup-evl00001";
const G2 = "secgroup-evl00002";
const NOBODY: MembersOf = () => [];

let nextId = 0;
function rule(fields: Partial<RuleInput>): RuleInput {
  nextId += 1;
  return {
    RuleId: `r-${nextId}`,
    SecGroupId: G1,
    Direction: "Ingress",
    ProtocolType: "TCP",
    DstPort: "ALL",
    IPRange: "0.0.0.0/0",
    Priority: 1,
    RuleAction: "Accept",
    IPVersion: "IPv4",
    ...fields,
  };
}

/** Compiles the resource's lists and answers packets against them, as the server's evaluator does. */
function resource(
  bindings: BindingInput[],
  rules: RuleInput[],
  membersOf: MembersOf = NOBODY,
  options: EvaluateOptions = {},
): (packet: Packet) => Decision {
  const lists = compileDecisionLists({ bindings, rulesOf: (id) => rules.filter((r) => r.SecGroupId === id) });
  return (packet) =>
    evaluatePacket(packet.direction === "Ingress" ? lists.ingress : lists.egress, packet, membersOf, options);
}

const tcpIn = (peer: string, port = 22): Packet => ({ direction: "Ingress", protocol: "TCP", port, peer });
const tcpOut = (peer: string, port = 22): Packet => ({ direction: "Egress", protocol: "TCP", port, peer });

function decidedBy(decision: Decision): string | undefined {
  return decision.rule?.ruleId;
}

test("a Drop in group priority 1 beats an Accept in group priority 2", () => {
  const drop = rule({ SecGroupId: G1, RuleAction: "Drop", Priority: 100 });
  const accept = rule({ SecGroupId: G2, RuleAction: "Accept", Priority: 1 });
  const first = resource(
    [
      { SecGroupId: G2, Priority: 2 },
      { SecGroupId: G1, Priority: 1 },
    ],
    [accept, drop],
  );
  const decision = first(tcpIn("198.18.0.1"));
  assert.equal(decision.verdict, "Drop");
  assert.equal(decision.reason, "rule");
  assert.equal(decidedBy(decision), drop.RuleId);
  // The same groups with the binding priorities swapped: now the Accept comes first.
  const swapped = resource(
    [
      { SecGroupId: G2, Priority: 1 },
      { SecGroupId: G1, Priority: 2 },
    ],
    [accept, drop],
  );
  assert.equal(swapped(tcpIn("198.18.0.1")).verdict, "Accept");
  assert.equal(decidedBy(swapped(tcpIn("198.18.0.1"))), accept.RuleId);
});

test("inside a group a Drop at priority 5 beats an Accept at priority 10, and the other way round", () => {
  const accept10 = rule({ RuleAction: "Accept", Priority: 10 });
  const drop5 = rule({ RuleAction: "Drop", Priority: 5 });
  const check = resource([{ SecGroupId: G1, Priority: 1 }], [accept10, drop5]);
  assert.equal(check(tcpIn("198.18.0.1")).verdict, "Drop");
  assert.equal(decidedBy(check(tcpIn("198.18.0.1"))), drop5.RuleId);
  const accept5 = rule({ RuleAction: "Accept", Priority: 5 });
  const drop10 = rule({ RuleAction: "Drop", Priority: 10 });
  const other = resource([{ SecGroupId: G1, Priority: 1 }], [drop10, accept5]);
  assert.equal(other(tcpIn("198.18.0.1")).verdict, "Accept");
  assert.equal(decidedBy(other(tcpIn("198.18.0.1"))), accept5.RuleId);
});

test("a rule that does not match passes the packet on to the next one", () => {
  const dropOther = rule({ RuleAction: "Drop", Priority: 1, IPRange: "198.19.0.0/16" });
  const accept = rule({ RuleAction: "Accept", Priority: 2, IPRange: "198.18.0.0/16" });
  const check = resource([{ SecGroupId: G1, Priority: 1 }], [dropOther, accept]);
  assert.equal(decidedBy(check(tcpIn("198.18.3.3"))), accept.RuleId);
  assert.equal(decidedBy(check(tcpIn("198.19.3.3"))), dropOther.RuleId);
  assert.deepEqual(check(tcpIn("203.0.113.1")), { verdict: "Drop", reason: "default" });
});

test("no rule matches: ingress is dropped, egress accepted", () => {
  const check = resource([], []);
  assert.deepEqual(check(tcpIn("198.18.0.1")), { verdict: "Drop", reason: "default" });
  assert.deepEqual(check(tcpOut("198.18.0.1")), { verdict: "Accept", reason: "default" });
  const v6 = resource([{ SecGroupId: G1, Priority: 1 }], [rule({ IPRange: "198.18.0.0/15" })]);
  assert.deepEqual(v6(tcpIn("fd00:5367::1")), { verdict: "Drop", reason: "default" });
  assert.deepEqual(v6(tcpOut("fd00:5367::1")), { verdict: "Accept", reason: "default" });
});

test("each direction answers from its own list; egress matches the destination", () => {
  const dropOut = rule({ Direction: "Egress", RuleAction: "Drop", IPRange: "198.18.5.0/24", DstPort: "5432" });
  const acceptIn = rule({ Direction: "Ingress", IPRange: "198.18.5.0/24", DstPort: "5432" });
  const check = resource([{ SecGroupId: G1, Priority: 1 }], [dropOut, acceptIn]);
  assert.equal(decidedBy(check(tcpOut("198.18.5.9", 5432))), dropOut.RuleId);
  assert.equal(check(tcpOut("198.18.5.9", 5432)).verdict, "Drop");
  assert.equal(check(tcpOut("198.18.6.9", 5432)).reason, "default");
  assert.equal(decidedBy(check(tcpIn("198.18.5.9", 5432))), acceptIn.RuleId);
  assert.equal(check(tcpIn("198.18.5.9", 5432)).verdict, "Accept");
});

test("TCP/UDP rules match their destination ports only, bounds included", () => {
  const tcp = rule({ DstPort: "22,1000-2000" });
  const udp = rule({ ProtocolType: "UDP", DstPort: "53", Priority: 2 });
  const check = resource([{ SecGroupId: G1, Priority: 1 }], [tcp, udp]);
  for (const port of [22, 1000, 1500, 2000]) assert.equal(decidedBy(check(tcpIn("198.18.0.1", port))), tcp.RuleId);
  for (const port of [21, 23, 53, 999, 2001]) assert.equal(check(tcpIn("198.18.0.1", port)).reason, "default");
  assert.equal(decidedBy(check({ direction: "Ingress", protocol: "UDP", port: 53, peer: "198.18.0.1" })), udp.RuleId);
  assert.equal(check({ direction: "Ingress", protocol: "UDP", port: 22, peer: "198.18.0.1" }).reason, "default");
  // A TCP packet without a port is matched by no rule that names ports.
  assert.equal(check({ direction: "Ingress", protocol: "TCP", peer: "198.18.0.1" }).reason, "default");
  const all = resource([{ SecGroupId: G1, Priority: 1 }], [rule({ DstPort: "ALL" })]);
  assert.equal(all({ direction: "Ingress", protocol: "TCP", peer: "198.18.0.1" }).verdict, "Accept");
  assert.equal(all(tcpIn("198.18.0.1", 65535)).verdict, "Accept");
});

test("protocol ALL matches every protocol of its IP version, whatever DstPort says", () => {
  const v4 = rule({ ProtocolType: "ALL", DstPort: "22", RuleAction: "Drop", Direction: "Egress" });
  const v6 = rule({ ProtocolType: "ALL", DstPort: "22", IPVersion: "IPv6", IPRange: "::/0", Priority: 2 });
  const check = resource([{ SecGroupId: G1, Priority: 1 }], [v4, v6]);
  for (const protocol of ["TCP", "UDP", "ICMP"] as const) {
    assert.equal(decidedBy(check({ direction: "Egress", protocol, port: 8080, peer: "198.18.0.1" })), v4.RuleId);
  }
  for (const protocol of ["TCP", "UDP", "ICMPv6"] as const) {
    assert.equal(decidedBy(check({ direction: "Ingress", protocol, port: 8080, peer: "fd00:5367::1" })), v6.RuleId);
  }
  assert.equal(check({ direction: "Ingress", protocol: "TCP", port: 8080, peer: "198.18.0.1" }).reason, "default");
});

test("ICMP is ICMPv4 and ICMPv6 is ICMPv6", () => {
  const icmp = rule({ ProtocolType: "ICMP", IPRange: "0.0.0.0/0,::/0" });
  const icmpv6 = rule({ ProtocolType: "ICMPv6", IPVersion: "IPv6", IPRange: "0.0.0.0/0,::/0", Priority: 2 });
  const icmpInV6 = rule({ ProtocolType: "ICMP", IPVersion: "IPv6", IPRange: "::/0", Priority: 3 });
  const check = resource([{ SecGroupId: G1, Priority: 1 }], [icmp, icmpv6, icmpInV6]);
  assert.equal(decidedBy(check({ direction: "Ingress", protocol: "ICMP", peer: "198.18.0.1" })), icmp.RuleId);
  assert.equal(decidedBy(check({ direction: "Ingress", protocol: "ICMPv6", peer: "fd00:5367::1" })), icmpv6.RuleId);
  assert.equal(check({ direction: "Ingress", protocol: "ICMPv6", peer: "198.18.0.1" }).reason, "default");
  assert.equal(check({ direction: "Ingress", protocol: "ICMP", peer: "fd00:5367::1" }).reason, "default");
  assert.equal(check(tcpIn("198.18.0.1")).reason, "default");
});

test("an IPv4 rule never matches an IPv6 peer, not even an IPv4-mapped one", () => {
  const check = resource([{ SecGroupId: G1, Priority: 1 }], [rule({ IPRange: "0.0.0.0/0" })]);
  assert.equal(check(tcpIn("198.18.0.1")).verdict, "Accept");
  assert.equal(check(tcpIn("::ffff:198.18.0.1")).reason, "default");
  assert.equal(check(tcpIn("fd00:5367::1")).reason, "default");
});

test("peers are compared by address, not by spelling", () => {
  const accept = rule({ IPVersion: "IPv6", IPRange: "fd00:5367::1" });
  const check = resource([{ SecGroupId: G1, Priority: 1 }], [accept]);
  assert.equal(decidedBy(check(tcpIn("FD00:5367:0:0:0:0:0:1"))), accept.RuleId);
  assert.equal(decidedBy(check(tcpIn(" fd00:5367:0::0001 "))), accept.RuleId);
  assert.equal(check(tcpIn("fd00:5367::2")).reason, "default");
});

test("a remote-group rule follows the group's membership and its members' addresses", () => {
  const members: Record<string, string[]> = { [G1]: ["uhost-self"] };
  const addresses: Record<string, string[]> = {
    "uhost-self": ["198.18.0.1", "fd00:5367::1"],
    "uhost-peer": ["198.18.0.2", "fd00:5367::2"],
  };
  const membersOf = membersResolver({
    membersOf: (id) => members[id] ?? [],
    addressesOf: (id) => addresses[id] ?? [],
  });
  const fromGroup = rule({ IPRange: G1, DstPort: "5432" });
  const fromGroupV6 = rule({ IPRange: `${G1},198.18.0.0/15`, IPVersion: "IPv6", DstPort: "5432", Priority: 2 });
  // Compiled once: the lists name the group, and the evaluator asks for its members at each packet.
  const check = resource([{ SecGroupId: G1, Priority: 1 }], [fromGroup, fromGroupV6], membersOf);

  assert.equal(decidedBy(check(tcpIn("198.18.0.1", 5432))), fromGroup.RuleId);
  assert.equal(check(tcpIn("198.18.0.2", 5432)).reason, "default");
  assert.equal(check(tcpIn("fd00:5367::2", 5432)).reason, "default");

  members[G1] = ["uhost-self", "uhost-peer"];
  assert.equal(decidedBy(check(tcpIn("198.18.0.2", 5432))), fromGroup.RuleId);
  assert.equal(decidedBy(check(tcpIn("fd00:5367::2", 5432))), fromGroupV6.RuleId);
  assert.equal(check(tcpIn("198.18.0.2", 22)).reason, "default");

  addresses["uhost-peer"] = ["198.18.0.3"];
  assert.equal(check(tcpIn("198.18.0.2", 5432)).reason, "default");
  assert.equal(check(tcpIn("fd00:5367::2", 5432)).reason, "default");
  assert.equal(decidedBy(check(tcpIn("198.18.0.3", 5432))), fromGroup.RuleId);

  members[G1] = ["uhost-self"];
  assert.equal(check(tcpIn("198.18.0.3", 5432)).reason, "default");
  // The IPv4 block in the IPv6 rule matches nothing.
  assert.equal(check(tcpIn("198.18.9.9", 5432)).reason, "default");
});

test("the service network 100.64.0.0/10 is accepted in both directions, before any rule", () => {
  const dropAll = [
    rule({ ProtocolType: "ALL", RuleAction: "Drop", Direction: "Ingress" }),
    rule({ ProtocolType: "ALL", RuleAction: "Drop", Direction: "Egress" }),
  ];
  const check = resource([{ SecGroupId: G1, Priority: 1 }], dropAll);
  for (const peer of ["100.64.0.0", "100.64.0.1", "100.100.100.100", "100.127.255.255"]) {
    assert.deepEqual(check(tcpIn(peer)), { verdict: "Accept", reason: "service-network" }, peer);
    assert.deepEqual(check(tcpOut(peer)), { verdict: "Accept", reason: "service-network" }, peer);
    assert.equal(check({ direction: "Ingress", protocol: "ICMP", peer }).verdict, "Accept", peer);
  }
  for (const peer of ["100.63.255.255", "100.128.0.0", "198.18.0.1"]) {
    assert.equal(check(tcpIn(peer)).verdict, "Drop", peer);
    assert.equal(check(tcpOut(peer)).verdict, "Drop", peer);
  }
  // Also with no binding at all, where ingress is otherwise dropped.
  assert.equal(resource([], [])(tcpIn("100.64.1.1")).reason, "service-network");
});

test("serviceNetworks replaces the default service network", () => {
  const dropAll = [
    rule({ ProtocolType: "ALL", RuleAction: "Drop", Direction: "Ingress" }),
    rule({ ProtocolType: "ALL", RuleAction: "Drop", Direction: "Ingress", IPVersion: "IPv6", IPRange: "::/0" }),
  ];
  const check = resource([{ SecGroupId: G1, Priority: 1 }], dropAll, NOBODY, {
    serviceNetworks: ["198.18.7.0/24", "fd00:5367::/120"],
  });
  assert.equal(check(tcpIn("198.18.7.200")).reason, "service-network");
  assert.equal(check(tcpIn("fd00:5367::ff")).reason, "service-network");
  assert.equal(check(tcpIn("fd00:5367::100")).verdict, "Drop");
  assert.equal(check(tcpIn("198.18.8.1")).verdict, "Drop");
  assert.equal(check(tcpIn("100.64.0.1")).verdict, "Drop");
  const none = resource([{ SecGroupId: G1, Priority: 1 }], dropAll, NOBODY, { serviceNetworks: [] });
  assert.equal(none(tcpIn("100.64.0.1")).verdict, "Drop");
});

test("a peer that is not an IP address throws", () => {
  const check = resource([{ SecGroupId: G1, Priority: 1 }], [rule({})]);
  for (const peer of ["uhost-1", "198.18.0.0/24", "", "198.18.0", "fe80::1%eth0", G1]) {
    assert.throws(() => check(tcpIn(peer)), TypeError, peer);
  }
});
