import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileRule } from "@sgplane/policy";
import { binding, event, resource, rule } from "../test/fixtures.ts";
import { shapeMatches } from "./agent.ts";
import { diffScript, fullScript } from "./nft-script.ts";
import { RulesetBuilder, ruleLines } from "./ruleset.ts";
import { World } from "./world.ts";

const compiled = (fields: Parameters<typeof rule>[2]) => {
  const c = compileRule(rule("r1", "sg-1", fields), 1);
  assert.ok(c);
  return c;
};

describe("nftables rule lines", () => {
  it("matches addresses, protocol and ports in the rule's direction", () => {
    // Few addresses and ports: one plain rule each (nft 1.0 slows down with every anonymous set in a table).
    assert.deepEqual(ruleLines(compiled({ DstPort: "22,80,1000-2000", IPRange: "10.0.0.0/8" }), "Ingress"), [
      'ip saddr 10.0.0.0/8 tcp dport 22 accept comment "sg-1 r1"',
      'ip saddr 10.0.0.0/8 tcp dport 80 accept comment "sg-1 r1"',
      'ip saddr 10.0.0.0/8 tcp dport 1000-2000 accept comment "sg-1 r1"',
    ]);
    // Many: an anonymous set.
    const ports = Array.from({ length: 20 }, (_, i) => `${100 + 2 * i}`);
    assert.deepEqual(ruleLines(compiled({ DstPort: ports.join(","), IPRange: "10.0.0.0/8" }), "Ingress"), [
      `ip saddr 10.0.0.0/8 tcp dport { ${ports.join(", ")} } accept comment "sg-1 r1"`,
    ]);
    assert.deepEqual(
      ruleLines(compiled({ ProtocolType: "UDP", DstPort: "ALL", IPRange: "198.18.1.2", RuleAction: "Drop" }), "Egress"),
      ['ip daddr 198.18.1.2 meta l4proto udp drop comment "sg-1 r1"'],
    );
    assert.deepEqual(
      ruleLines(compiled({ ProtocolType: "ICMPv6", IPVersion: "IPv6", IPRange: "fd00:5367::/64,::/0" }), "Ingress"),
      ['meta nfproto ipv6 meta l4proto ipv6-icmp accept comment "sg-1 r1"'],
    );
    assert.deepEqual(ruleLines(compiled({ ProtocolType: "ALL", IPRange: "198.18.0.0/16,198.20.0.0/16" }), "Ingress"), [
      'ip saddr 198.18.0.0/16 accept comment "sg-1 r1"',
      'ip saddr 198.20.0.0/16 accept comment "sg-1 r1"',
    ]);
  });

  it("names a remote group's member set, one per family", () => {
    const sets = new Set<string>();
    assert.deepEqual(ruleLines(compiled({ IPRange: "sg-1,10.0.0.0/8", ProtocolType: "ICMP" }), "Ingress", sets), [
      'ip saddr 10.0.0.0/8 meta l4proto icmp accept comment "sg-1 r1"',
      'ip saddr @rg4_sg-1 meta l4proto icmp accept comment "sg-1 r1"',
    ]);
    assert.deepEqual([...sets], ["rg4_sg-1"]);
  });
});

describe("ruleset builder and scripts", () => {
  const world = () =>
    World.from({
      Resources: [
        resource("uhost-a", "198.18.1.2"),
        resource("uhost-b", "198.18.1.3"),
        resource("uhost-fw", "198.18.1.4", { SecurityMode: "Firewall" }),
      ],
      Rules: [rule("r1", "sg-1", { IPRange: "sg-1" }), rule("r2", "sg-2", { Direction: "Egress", RuleAction: "Drop" })],
      Bindings: [binding("uhost-a", "sg-2", 2), binding("uhost-a", "sg-1", 1), binding("uhost-b", "sg-1", 1)],
    });
  const host = [
    { resourceId: "uhost-a", ifname: "tap-a" },
    { resourceId: "uhost-b", ifname: "tap-b" },
    { resourceId: "uhost-fw", ifname: "tap-fw" },
    { resourceId: "uhost-gone", ifname: "tap-gone" },
  ];

  it("jumps to the bound groups in binding priority, then the default; firewall mode is left alone", () => {
    const ruleset = new RulesetBuilder(host).build(world(), "all");
    const inbound = ruleset.chains.get("r_uhost-a_in") ?? [];
    assert.deepEqual(inbound.slice(-3), ["jump g_sg-1_in", "jump g_sg-2_in", 'drop comment "default: ingress"']);
    assert.equal(ruleset.chains.get("r_uhost-a_out")?.at(-1), 'accept comment "default: egress"');
    assert.equal(ruleset.ingress.has("tap-fw"), false);
    // A resource the server no longer knows is filtered with no group: closed to new inbound connections.
    assert.deepEqual(ruleset.chains.get("r_uhost-gone_in")?.slice(-1), ['drop comment "default: ingress"']);
    assert.deepEqual(ruleset.sets.get("rg4_sg-1"), { family: 4, elements: ["198.18.1.2", "198.18.1.3"] });
  });

  it("diffs only what changed", () => {
    const w = world();
    const builder = new RulesetBuilder(host);
    const before = builder.build(w, "all");
    assert.equal(diffScript("sgplane", before, builder.build(w, "all")), "");

    const stale = w.apply(event("Binding", "Deleted", binding("uhost-b", "sg-1", 1)));
    const after = builder.build(w, stale);
    const script = diffScript("sgplane", before, after);
    assert.match(script, /^delete element inet sgplane rg4_sg-1 \{ 198\.18\.1\.3 \}$/m);
    assert.doesNotMatch(script, /add element inet sgplane rg4_sg-1/);
    assert.match(script, /^flush chain inet sgplane r_uhost-b_in$/m);
    assert.doesNotMatch(script, /r_uhost-a_in|g_sg-1_in|delete chain|delete set/);
  });

  it("removes what nothing names any more, after what named it", () => {
    const w = world();
    const builder = new RulesetBuilder(host);
    const before = builder.build(w, "all");
    const after = builder.build(w, w.apply(event("Binding", "Deleted", binding("uhost-a", "sg-2", 2))));
    const lines = diffScript("sgplane", before, after).split("\n");
    const flush = lines.indexOf("flush chain inet sgplane r_uhost-a_out");
    const drop = lines.indexOf("delete chain inet sgplane g_sg-2_out");
    assert.ok(flush >= 0 && drop > flush, lines.join("\n"));
  });

  it("writes a whole table that replaces the old one in the same transaction", () => {
    const script = fullScript("sgplane", new RulesetBuilder(host).build(world(), "all"));
    assert.deepEqual(script.split("\n").slice(0, 3), [
      "table inet sgplane",
      "delete table inet sgplane",
      "table inet sgplane {",
    ]);
    assert.ok(script.indexOf("chain g_sg-1_in") < script.indexOf("chain r_uhost-a_in"));
  });
});

describe("drift: the shape of a listing", () => {
  const ruleset = new RulesetBuilder([{ resourceId: "uhost-a", ifname: "tap-a" }]).build(
    World.from({
      Resources: [resource("uhost-a", "198.18.1.2")],
      Rules: [rule("r1", "sg-1")],
      Bindings: [binding("uhost-a", "sg-1", 1)],
    }),
    "all",
  );
  const listing = (extra = "") =>
    [
      "table inet sgplane {",
      ...[...ruleset.chains].flatMap(([name, lines]) => [`\tchain ${name} {`, ...lines.map((l) => `\t\t${l}`), "\t}"]),
      ...["forward_egress", "forward_ingress", "input_egress", "output_ingress"].flatMap((name) => [
        `\tchain ${name} {`,
        "\t\ttype filter hook forward priority filter; policy accept;",
        "\t\tct state established,related accept",
        "\t\tiifname vmap @egress_if",
        extra,
        "\t}",
      ]),
      "}",
    ]
      .filter((line) => line !== "")
      .join("\n");

  it("matches the ruleset it came from", () => assert.equal(shapeMatches(listing(), ruleset), true));
  it("notices a rule added by someone else", () => assert.equal(shapeMatches(listing("\t\tdrop"), ruleset), false));
  it("notices a flushed table", () => assert.equal(shapeMatches("table inet sgplane {\n}", ruleset), false));
});
