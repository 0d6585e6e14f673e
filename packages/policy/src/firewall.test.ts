import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluateFirewallPacket, type FirewallDecision } from "./evaluate.ts";
import { compileFirewall, compileFirewallRule } from "./firewall.ts";
import type { Packet } from "./model.ts";

const FW = "firewall-test0001";

function firewall(...rules: string[]): (packet: Packet) => FirewallDecision {
  const list = compileFirewall({ FWId: FW, Rules: rules });
  return (packet) => evaluateFirewallPacket(list, packet);
}

const tcpIn = (port: number, peer = "203.0.113.9"): Packet => ({ direction: "Ingress", protocol: "TCP", port, peer });
const decided = (d: FirewallDecision) => `${d.verdict} ${d.reason} ${d.rule?.index ?? "-"}`;

test("HIGH decides before MEDIUM, MEDIUM before LOW, whatever the order of the list", () => {
  const check = firewall(
    "TCP|22|0.0.0.0/0|ACCEPT|LOW|",
    "TCP|22|203.0.113.0/24|DROP|MEDIUM|",
    "TCP|22|203.0.113.9|ACCEPT|HIGH|",
  );
  assert.equal(decided(check(tcpIn(22))), "Accept rule 2");
  assert.equal(decided(check(tcpIn(22, "203.0.113.10"))), "Drop rule 1");
  assert.equal(decided(check(tcpIn(22, "198.51.100.1"))), "Accept rule 0");
});

test("inside one priority DROP beats ACCEPT, in either order of the list", () => {
  for (const rules of [
    ["TCP|80|0.0.0.0/0|ACCEPT|MEDIUM|", "TCP|80|203.0.113.0/24|DROP|MEDIUM|"],
    ["TCP|80|203.0.113.0/24|DROP|MEDIUM|", "TCP|80|0.0.0.0/0|ACCEPT|MEDIUM|"],
  ]) {
    const check = firewall(...rules);
    const drop = rules.findIndex((r) => r.includes("DROP"));
    assert.equal(decided(check(tcpIn(80))), `Drop rule ${drop}`);
    assert.equal(decided(check(tcpIn(80, "198.51.100.1"))), `Accept rule ${1 - drop}`);
  }
});

test("inside one priority and action the first listed rule is the one reported", () => {
  const check = firewall("TCP|1-100|0.0.0.0/0|ACCEPT|HIGH|a", "TCP|22|0.0.0.0/0|ACCEPT|HIGH|b");
  assert.equal(decided(check(tcpIn(22))), "Accept rule 0");
});

test("no rule matches: inbound is dropped; outbound is accepted whatever the rules", () => {
  const check = firewall("TCP|22|0.0.0.0/0|ACCEPT|HIGH|", "TCP|9000|0.0.0.0/0|DROP|HIGH|");
  assert.equal(decided(check(tcpIn(23))), "Drop default -");
  assert.equal(
    decided(check({ direction: "Egress", protocol: "TCP", port: 9000, peer: "203.0.113.9" })),
    "Accept default -",
  );
  assert.equal(
    decided(check({ direction: "Ingress", protocol: "UDP", port: 22, peer: "203.0.113.9" })),
    "Drop default -",
  );
});

test("a resource with no firewall granted drops every new inbound connection and accepts outbound", () => {
  const list = compileFirewall(undefined);
  assert.equal(list.fwId, undefined);
  assert.equal(decided(evaluateFirewallPacket(list, tcpIn(22))), "Drop default -");
  assert.equal(
    decided(evaluateFirewallPacket(list, { direction: "Egress", protocol: "UDP", port: 53, peer: "203.0.113.9" })),
    "Accept default -",
  );
});

test("protocols: TCP and UDP by port and range, ICMP and GRE without ports", () => {
  const check = firewall(
    "UDP|53|0.0.0.0/0|ACCEPT|HIGH|",
    "TCP|8000-8080|10.0.0.0/8|ACCEPT|HIGH|",
    "ICMP||0.0.0.0/0|ACCEPT|HIGH|",
    "GRE||198.51.100.7|ACCEPT|HIGH|",
  );
  assert.equal(
    decided(check({ direction: "Ingress", protocol: "UDP", port: 53, peer: "203.0.113.9" })),
    "Accept rule 0",
  );
  assert.equal(
    decided(check({ direction: "Ingress", protocol: "TCP", port: 53, peer: "203.0.113.9" })),
    "Drop default -",
  );
  assert.equal(decided(check(tcpIn(8000, "10.1.2.3"))), "Accept rule 1");
  assert.equal(decided(check(tcpIn(8080, "10.1.2.3"))), "Accept rule 1");
  assert.equal(decided(check(tcpIn(8081, "10.1.2.3"))), "Drop default -");
  assert.equal(decided(check(tcpIn(8000, "11.1.2.3"))), "Drop default -");
  assert.equal(decided(check({ direction: "Ingress", protocol: "ICMP", peer: "203.0.113.9" })), "Accept rule 2");
  assert.equal(decided(check({ direction: "Ingress", protocol: "GRE", peer: "198.51.100.7" })), "Accept rule 3");
  assert.equal(decided(check({ direction: "Ingress", protocol: "GRE", peer: "198.51.100.8" })), "Drop default -");
});

test("rules are IPv4: an IPv6 packet meets no rule, so inbound IPv6 is dropped", () => {
  const check = firewall("TCP|22|0.0.0.0/0|ACCEPT|HIGH|", "ICMP||0.0.0.0/0|ACCEPT|HIGH|");
  assert.equal(decided(check(tcpIn(22, "fd00:5367::9"))), "Drop default -");
  assert.equal(decided(check({ direction: "Ingress", protocol: "ICMPv6", peer: "fd00:5367::9" })), "Drop default -");
  // ::ffff:a.b.c.d is an IPv6 address (as for security groups): an IPv4 rule does not match it.
  assert.equal(decided(check(tcpIn(22, "::ffff:203.0.113.9"))), "Drop default -");
});

test("the service network is accepted before the firewall, both ways", () => {
  const list = compileFirewall({ FWId: FW, Rules: ["TCP|22|0.0.0.0/0|DROP|HIGH|"] });
  const options = { serviceNetworks: ["198.19.255.0/24"] };
  assert.equal(evaluateFirewallPacket(list, tcpIn(22, "198.19.255.1"), options).reason, "service-network");
  assert.equal(evaluateFirewallPacket(list, tcpIn(22, "100.64.0.1")).reason, "service-network");
  assert.equal(evaluateFirewallPacket(list, tcpIn(22, "100.64.0.1"), options).verdict, "Drop");
});

test("a compiled rule keeps its place, its text and a host address as a /32", () => {
  const rule = compileFirewallRule(FW, "TCP|22|192.168.1.1/22|DROP|LOW|禁用22端口", 4);
  assert.deepEqual(rule, {
    fwId: FW,
    index: 4,
    text: "TCP|22|192.168.1.1/22|DROP|LOW|禁用22端口",
    priority: "LOW",
    family: 4,
    protocol: "tcp",
    ports: [{ from: 22, to: 22 }],
    cidrs: ["192.168.0.0/22"],
    remoteGroups: [],
    verdict: "Drop",
  });
  assert.deepEqual(compileFirewallRule(FW, "icmp||10.0.0.1|accept|high", 0)?.cidrs, ["10.0.0.1/32"]);
  // The API never stores a rule its parser refuses; a feed that carried one would have it left out, not guessed at.
  assert.equal(compileFirewallRule(FW, "TCP|0|0.0.0.0/0|ACCEPT|HIGH|", 0), undefined);
  assert.equal(compileFirewallRule(FW, "SCTP|1|0.0.0.0/0|ACCEPT|HIGH|", 0), undefined);
  assert.deepEqual(
    compileFirewall({ FWId: FW, Rules: ["bad", "TCP|22|0.0.0.0/0|ACCEPT|HIGH|"] }).rules.map((r) => r.index),
    [1],
  );
});
