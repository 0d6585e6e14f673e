// Property test: random worlds (bindings, groups, rules, remote-group members) and random packets; the package's
// compile + evaluate must give the verdict, and name the rule, that a deliberately naive reading of enforcement.md
// §1–2 gives. The reference below shares no code with the package: it parses every field of every rule itself,
// at every packet, with its own BigInt address arithmetic.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { compileDecisionLists } from "./compile.ts";
import { evaluatePacket } from "./evaluate.ts";
import { membersResolver } from "./members.ts";
import type { DecisionList, DecisionReason, Direction, Packet, RuleInput, Verdict } from "./model.ts";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 2000);
const SEED = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);

const GROUPS = [
  "secgroup-prop0001",
  "secgroup-prop0002",
  "secgroup-prop0003",
  "secgroup-prop0004",
  "secgroup-prop0005",
];
const SELF = "uhost-self";
const PEERS = ["uhost-peer1", "uhost-peer2", "uhost-peer3"];
const OWN = "<own group>";

// IPRange items: blocks nested in and overlapping each other, host bits set, other spellings, both /0s.
const V4_ITEMS = [
  "198.18.0.0/15",
  "198.18.0.0/16",
  "198.19.0.0/16",
  "198.18.1.0/24",
  "198.18.1.128/25",
  "198.18.1.7",
  "198.18.1.7/32",
  "198.18.2.9/24",
  "198.19.255.255",
  "0.0.0.0/0",
];
const V6_ITEMS = [
  "fd00:5367::/64",
  "fd00:5367::/112",
  "fd00:5367::1",
  "FD00:5367:0:0:0:0:0:2",
  "fd00:5367::1:0/112",
  "fd00:5367::abcd/120",
  "fd00:5367::8000/113",
  "::/0",
];
const HOST_ADDRESSES = [
  "198.18.1.7",
  "198.18.1.200",
  "198.18.2.1",
  "198.19.0.5",
  "198.19.255.255",
  "fd00:5367::1",
  "fd00:5367::2",
  "fd00:5367::1:9",
  "fd00:5367::9000",
];
const PACKET_PEERS = [
  ...HOST_ADDRESSES,
  "FD00:5367:0::2",
  "198.18.0.1",
  "198.18.1.129",
  "198.18.200.1",
  "203.0.113.7",
  "fd00:5367::3",
  "fd00:5367::ab00",
  "fd00:5367:1::1",
  "2001:db8::1",
  "100.64.0.1",
  "100.127.255.254",
  "100.128.0.1",
  "100.63.255.255",
];
// Lists with overlapping, nested and touching ranges too: the compiler merges them, and must cover the same ports.
const DST_PORTS = [
  "ALL",
  "all",
  "22",
  "80",
  "443",
  "1000-2000",
  "5432",
  "22,80",
  "80,443,1000-2000",
  "1500-1600, 5432",
  "1000-2000,1500-1600",
  "1500-1600,1000-1499,22",
  "1601-5432,1000-1600",
];
const PACKET_PORTS = [22, 80, 443, 999, 1000, 1500, 1600, 1601, 2000, 2001, 5432, 8080];

interface RuleDraft {
  readonly Direction: string;
  readonly ProtocolType: string;
  readonly DstPort: string;
  readonly IPRange: readonly string[];
  readonly Priority: number;
  readonly RuleAction: string;
  readonly IPVersion: string;
}

interface World {
  /** Binding priorities: GROUPS[i] is bound at bindingPriorities[i]. */
  readonly bindingPriorities: readonly number[];
  /** Every group's rules, bound or not. */
  readonly rules: readonly (readonly RuleInput[])[];
  /** Which groups each other resource is bound to. */
  readonly peerGroups: readonly (readonly boolean[])[];
  /** Addresses of SELF, then of each PEERS entry. */
  readonly addresses: readonly (readonly string[])[];
}

const ruleDraft: fc.Arbitrary<RuleDraft> = fc.record({
  Direction: fc.constantFrom("Ingress", "Egress", "ingress", "EGRESS"),
  ProtocolType: fc.constantFrom("TCP", "UDP", "ICMP", "ICMPv6", "ALL", "tcp", "icmpv6"),
  DstPort: fc.constantFrom(...DST_PORTS),
  IPRange: fc.array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...V4_ITEMS) },
      { weight: 4, arbitrary: fc.constantFrom(...V6_ITEMS) },
      { weight: 2, arbitrary: fc.constant(OWN) },
    ),
    { minLength: 1, maxLength: 3 },
  ),
  Priority: fc.integer({ min: 1, max: 200 }),
  RuleAction: fc.constantFrom("Accept", "Drop", "drop", "ACCEPT"),
  IPVersion: fc.constantFrom("IPv4", "IPv6", "ipv6", ""),
});

const worldArb: fc.Arbitrary<World> = fc
  .record({
    bindingPriorities: fc.shuffledSubarray([1, 2, 3, 4, 5], { minLength: 1, maxLength: 5 }),
    drafts: fc.array(
      fc.uniqueArray(ruleDraft, { maxLength: 15, selector: (r) => `${r.Direction.toLowerCase()}/${r.Priority}` }),
      { minLength: GROUPS.length, maxLength: GROUPS.length },
    ),
    separators: fc.constantFrom(",", ", ", " , "),
    peerGroups: fc.array(fc.array(fc.boolean(), { minLength: GROUPS.length, maxLength: GROUPS.length }), {
      minLength: PEERS.length,
      maxLength: PEERS.length,
    }),
    addresses: fc.array(fc.array(fc.constantFrom(...HOST_ADDRESSES, "FD00:5367::1:9", ""), { maxLength: 3 }), {
      minLength: PEERS.length + 1,
      maxLength: PEERS.length + 1,
    }),
  })
  .map(({ bindingPriorities, drafts, separators, peerGroups, addresses }) => ({
    bindingPriorities,
    rules: drafts.map((rules, g) =>
      rules.map((draft, i): RuleInput => {
        const group = GROUPS[g] ?? "";
        return {
          ...draft,
          RuleId: `${group}/r${i}`,
          SecGroupId: group,
          IPRange: draft.IPRange.map((item) => (item === OWN ? group : item)).join(separators),
        };
      }),
    ),
    peerGroups,
    addresses,
  }));

const packetArb: fc.Arbitrary<Packet> = fc
  .record({
    direction: fc.constantFrom<Direction>("Ingress", "Egress"),
    protocol: fc.constantFrom<Packet["protocol"]>("TCP", "UDP", "ICMP", "ICMPv6"),
    port: fc.option(fc.constantFrom(...PACKET_PORTS), { nil: undefined, freq: 20 }),
    // Mostly addresses that rules and members name, so that rules decide often.
    peer: fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...HOST_ADDRESSES) },
      { weight: 1, arbitrary: fc.constantFrom(...PACKET_PEERS) },
    ),
  })
  .map(({ port, ...rest }) => (port === undefined ? rest : { ...rest, port }));

// ---- The world as the package sees it.

const boundGroups = (world: World) =>
  world.bindingPriorities.map((priority, i) => ({ SecGroupId: GROUPS[i] ?? "", Priority: priority }));

function resourcesOf(world: World, group: string): string[] {
  const g = GROUPS.indexOf(group);
  const self = boundGroups(world).some((b) => b.SecGroupId === group) ? [SELF] : [];
  return [...self, ...PEERS.filter((_, p) => world.peerGroups[p]?.[g] === true)];
}

function addressesOf(world: World, resource: string): readonly string[] {
  return world.addresses[resource === SELF ? 0 : PEERS.indexOf(resource) + 1] ?? [];
}

function compile(world: World) {
  return compileDecisionLists({
    bindings: boundGroups(world),
    rulesOf: (id) => world.rules[GROUPS.indexOf(id)] ?? [],
  });
}

// ---- The reference: enforcement.md read literally.

interface RefAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}
interface RefBlock extends RefAddress {
  readonly prefix: number;
}

function refAddress(raw: string): RefAddress | undefined {
  const text = raw.trim().toLowerCase();
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) {
    const octets = text.split(".").map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return { family: 4, value: octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n) };
  }
  if (!/^[0-9a-f:]+$/.test(text) || !text.includes(":")) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string) => (half === "" ? [] : half.split(":"));
  const left = groupsOf(halves[0] ?? "");
  const right = halves.length === 2 ? groupsOf(halves[1] ?? "") : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g}`), 0n) };
}

function refBlock(text: string): RefBlock | undefined {
  const [addressText = "", prefixText, ...rest] = text.trim().split("/");
  if (rest.length > 0) return undefined;
  const address = refAddress(addressText);
  if (address === undefined) return undefined;
  const bits = address.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  return { ...address, prefix };
}

function refContains(block: RefBlock, address: RefAddress): boolean {
  if (block.family !== address.family) return false;
  const shift = BigInt((block.family === 4 ? 32 : 128) - block.prefix);
  return block.value >> shift === address.value >> shift;
}

const REF_SERVICE = refBlock("100.64.0.0/10");

interface RefDecision {
  readonly verdict: Verdict;
  readonly reason: DecisionReason;
  readonly ruleId?: string;
  readonly remote?: boolean;
}

function refDecide(world: World, packet: Packet): RefDecision {
  const peer = refAddress(packet.peer);
  if (peer === undefined) throw new Error(`reference: bad peer ${packet.peer}`);
  // §1.6: the service network is accepted before the list, in both directions.
  if (REF_SERVICE !== undefined && refContains(REF_SERVICE, peer))
    return { verdict: "Accept", reason: "service-network" };
  // §1.1: bindings by binding priority.
  const bindings = boundGroups(world).sort((a, b) => a.Priority - b.Priority);
  for (const binding of bindings) {
    // §1.2: that group's rules of this direction by rule priority.
    const rules = (world.rules[GROUPS.indexOf(binding.SecGroupId)] ?? [])
      .filter((r) => r.Direction.toLowerCase() === packet.direction.toLowerCase())
      .sort((a, b) => a.Priority - b.Priority);
    for (const rule of rules) {
      const match = refMatch(world, rule, packet, peer);
      // §1.3: the first rule that matches decides.
      if (match !== "no")
        return {
          verdict: rule.RuleAction.toLowerCase() === "drop" ? "Drop" : "Accept",
          reason: "rule",
          ruleId: rule.RuleId,
          remote: match === "remote",
        };
    }
  }
  // §1.4
  return packet.direction === "Ingress"
    ? { verdict: "Drop", reason: "default" }
    : { verdict: "Accept", reason: "default" };
}

/** §2, field by field. "remote": matched only through the rule's own group's members. */
function refMatch(world: World, rule: RuleInput, packet: Packet, peer: RefAddress): "no" | "block" | "remote" {
  const family = rule.IPVersion.toLowerCase() === "ipv6" ? 6 : 4;
  if (peer.family !== family) return "no";
  const protocol = rule.ProtocolType.toUpperCase();
  if (protocol === "TCP" || protocol === "UDP") {
    if (packet.protocol !== protocol) return "no";
    if (rule.DstPort.trim().toUpperCase() !== "ALL") {
      const port = packet.port;
      const listed = rule.DstPort.split(",").some((item) => {
        const [from = Number.NaN, to = from] = item.split("-").map((part) => Number(part.trim()));
        return port !== undefined && port >= from && port <= to;
      });
      if (!listed) return "no";
    }
  } else if (protocol === "ICMP") {
    if (packet.protocol !== "ICMP" || family !== 4) return "no";
  } else if (protocol === "ICMPV6") {
    if (packet.protocol !== "ICMPv6" || family !== 6) return "no";
  } else if (protocol !== "ALL") return "no";
  const items = rule.IPRange.split(",").map((item) => item.trim());
  for (const item of items) {
    if (item === rule.SecGroupId) continue;
    const block = refBlock(item);
    if (block !== undefined && block.family === family && refContains(block, peer)) return "block";
  }
  for (const item of items) {
    if (item !== rule.SecGroupId) continue;
    for (const resource of resourcesOf(world, item)) {
      for (const text of addressesOf(world, resource)) {
        const address = refAddress(text);
        if (address !== undefined && address.family === peer.family && address.value === peer.value) return "remote";
      }
    }
  }
  return "no";
}

// ---- Invariants of a compiled list.

function checkList(world: World, list: DecisionList): void {
  const priorityOf = new Map(boundGroups(world).map((b) => [b.SecGroupId, b.Priority]));
  let previous: readonly [number, number] = [0, 0];
  for (const rule of list.rules) {
    const key = [rule.groupPriority, rule.rulePriority] as const;
    assert.ok(key[0] > previous[0] || (key[0] === previous[0] && key[1] > previous[1]), `order at ${rule.ruleId}`);
    previous = key;
    assert.equal(rule.groupPriority, priorityOf.get(rule.secGroupId), `group priority of ${rule.ruleId}`);
    const source = (world.rules[GROUPS.indexOf(rule.secGroupId)] ?? []).find((r) => r.RuleId === rule.ruleId);
    assert.ok(source !== undefined, `${rule.ruleId} comes from its group`);
    assert.equal(source.Direction.toLowerCase(), list.direction.toLowerCase());
    assert.equal(rule.rulePriority, source.Priority);
    const blocks = rule.cidrs.map((cidr) => {
      const block = refBlock(cidr);
      assert.ok(block !== undefined && block.family === rule.family, `${cidr} in an IPv${rule.family} rule`);
      const hostBits = (1n << BigInt((block.family === 4 ? 32 : 128) - block.prefix)) - 1n;
      assert.equal(block.value & hostBits, 0n, `${cidr} has host bits`);
      return block;
    });
    blocks.forEach((a, i) => {
      blocks.forEach((b, j) => {
        if (i !== j) assert.ok(!(a.prefix <= b.prefix && refContains(a, b)), `${rule.cidrs[i]} ⊇ ${rule.cidrs[j]}`);
      });
    });
    assert.ok(rule.cidrs.length > 0 || rule.remoteGroups.length > 0, `${rule.ruleId} can match some address`);
    assert.ok(rule.remoteGroups.every((g) => g === rule.secGroupId));
    if (rule.ports !== undefined) {
      assert.ok(rule.ports.length > 0);
      rule.ports.forEach((range, i) => {
        assert.ok(range.from >= 1 && range.from <= range.to && range.to <= 65535);
        const before = rule.ports?.[i - 1];
        if (before !== undefined) assert.ok(range.from > before.to + 1, "ports sorted, apart, not touching");
      });
    }
  }
}

test("property: compile + evaluate agree with a naive reading of enforcement.md", (t) => {
  const seen = {
    packets: 0,
    worlds: 0,
    compiledRules: 0,
    "rule Accept": 0,
    "rule Drop": 0,
    "remote group": 0,
    "IPv6 rule": 0,
    "default Accept": 0,
    "default Drop": 0,
    "service-network": 0,
  };
  fc.assert(
    fc.property(worldArb, fc.array(packetArb, { minLength: 1, maxLength: 10 }), (world, packets) => {
      const lists = compile(world);
      checkList(world, lists.ingress);
      checkList(world, lists.egress);
      assert.equal(lists.ingress.defaultVerdict, "Drop");
      assert.equal(lists.egress.defaultVerdict, "Accept");
      const membersOf = membersResolver({
        membersOf: (group) => resourcesOf(world, group),
        addressesOf: (resource) => addressesOf(world, resource),
      });
      seen.worlds += 1;
      seen.compiledRules += lists.ingress.rules.length + lists.egress.rules.length;
      for (const packet of packets) {
        const list = packet.direction === "Ingress" ? lists.ingress : lists.egress;
        const actual = evaluatePacket(list, packet, membersOf);
        const expected = refDecide(world, packet);
        const label = JSON.stringify(packet);
        assert.equal(actual.verdict, expected.verdict, `verdict of ${label}`);
        assert.equal(actual.reason, expected.reason, `reason of ${label}`);
        assert.equal(actual.rule?.ruleId, expected.ruleId, `deciding rule of ${label}`);
        seen.packets += 1;
        if (expected.reason === "rule") seen[`rule ${expected.verdict}`] += 1;
        else if (expected.reason === "default") seen[`default ${expected.verdict}`] += 1;
        else seen["service-network"] += 1;
        if (expected.remote === true) seen["remote group"] += 1;
        if (actual.rule?.family === 6) seen["IPv6 rule"] += 1;
      }
    }),
    { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
  );
  t.diagnostic(JSON.stringify(seen));
  // The worlds must exercise every way a packet can be decided, or agreement proves little.
  assert.ok(seen.worlds >= RUNS);
  for (const [what, count] of Object.entries(seen))
    assert.ok(count >= RUNS / 100, `too few cases of ${what}: ${count}`);
});
