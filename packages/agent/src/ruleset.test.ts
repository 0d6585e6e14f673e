import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileRule } from "@sgplane/policy";
import { binding, event, firewall, grant, resource, rule } from "../test/fixtures.ts";
import { shapeMatches } from "./agent.ts";
import { diffScript, fullScript } from "./nft-script.ts";
import { RulesetBuilder, ruleLines } from "./ruleset.ts";
import { mergeStale, World } from "./world.ts";

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

  it("jumps to the bound groups in binding priority, then the default", () => {
    const ruleset = new RulesetBuilder(host).build(world(), "all");
    const inbound = ruleset.chains.get("r_uhost-a_in") ?? [];
    assert.deepEqual(inbound.slice(-3), ["jump g_sg-1_in", "jump g_sg-2_in", 'drop comment "default: ingress"']);
    assert.equal(ruleset.chains.get("r_uhost-a_out")?.at(-1), 'accept comment "default: egress"');
    // Firewall mode with no firewall granted: no rule, so closed to new inbound connections, open outbound.
    assert.equal(ruleset.ingress.get("tap-fw"), "r_uhost-fw_in");
    assert.deepEqual(ruleset.chains.get("r_uhost-fw_in")?.slice(-2), [NDP_LINE, 'drop comment "default: ingress"']);
    assert.deepEqual(ruleset.chains.get("r_uhost-fw_out"), ['accept comment "firewall mode: egress"']);
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

const NDP_LINE = "icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept";

describe("firewall mode", () => {
  const FW1 = "firewall-one";
  const FW2 = "firewall-two";
  const world = () =>
    World.from({
      Resources: [
        resource("uhost-a", "198.18.1.2"),
        resource("uhost-f", "198.18.1.4", { SecurityMode: "Firewall" }),
        resource("uhost-g", "198.18.1.5", { SecurityMode: "Firewall" }),
      ],
      Rules: [rule("r1", "sg-1")],
      Bindings: [binding("uhost-a", "sg-1", 1)],
      Firewalls: [
        firewall(FW1, [
          "TCP|22|0.0.0.0/0|ACCEPT|LOW|ssh",
          "TCP|22|198.18.9.0/24|DROP|HIGH|",
          "ICMP||0.0.0.0/0|ACCEPT|MEDIUM|",
        ]),
        firewall(FW2, ["UDP|53|198.18.0.0/15|ACCEPT|HIGH|", "GRE||198.18.3.3|ACCEPT|HIGH|"]),
      ],
      FirewallGrants: [grant("uhost-f", FW1), grant("uhost-g", FW1)],
    });
  const host = [
    { resourceId: "uhost-a", ifname: "tap-a" },
    { resourceId: "uhost-f", ifname: "tap-f" },
    { resourceId: "uhost-g", ifname: "tap-g" },
  ];

  it("renders the firewall's list once, HIGH first, and jumps to it from each resource it is granted to", () => {
    const ruleset = new RulesetBuilder(host, { serviceNetworks: ["198.19.255.0/24"] }).build(world(), "all");
    assert.deepEqual(ruleset.chains.get("f_firewall-one_in"), [
      'ip saddr 198.18.9.0/24 tcp dport 22 drop comment "firewall-one rule 1"',
      'meta nfproto ipv4 meta l4proto icmp accept comment "firewall-one rule 2"',
      'meta nfproto ipv4 tcp dport 22 accept comment "firewall-one rule 0"',
    ]);
    for (const id of ["f", "g"]) {
      assert.deepEqual(ruleset.chains.get(`r_uhost-${id}_in`), [
        'ip saddr 198.19.255.0/24 accept comment "service network"',
        NDP_LINE,
        "jump f_firewall-one_in",
        'drop comment "default: ingress"',
      ]);
      assert.equal(ruleset.ingress.get(`tap-${id}`), `r_uhost-${id}_in`);
      assert.equal(ruleset.egress.get(`tap-${id}`), `r_uhost-${id}_out`);
    }
    assert.equal(ruleset.chains.has("f_firewall-two_in"), false);
    const script = fullScript("sgplane", ruleset);
    assert.ok(script.indexOf("chain f_firewall-one_in") < script.indexOf("chain r_uhost-f_in"));
  });

  it("a rule update re-renders only the firewall's chain", () => {
    const w = world();
    const builder = new RulesetBuilder(host);
    const before = builder.build(w, "all");
    const stale = w.apply(event("Firewall", "Updated", firewall(FW1, ["TCP|80|0.0.0.0/0|ACCEPT|HIGH|"])));
    assert.deepEqual([...stale.firewalls], [FW1]);
    const script = diffScript("sgplane", before, builder.build(w, stale));
    assert.equal(
      script,
      [
        "flush chain inet sgplane f_firewall-one_in",
        "table inet sgplane {",
        "  chain f_firewall-one_in {",
        '    meta nfproto ipv4 tcp dport 80 accept comment "firewall-one rule 0"',
        "  }",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("a grant that swaps firewalls re-renders only that resource's chain", () => {
    const w = world();
    const builder = new RulesetBuilder(host);
    const before = builder.build(w, "all");
    const stale = w.apply(event("FirewallGrant", "Updated", grant("uhost-g", FW2)));
    assert.deepEqual([...stale.resources], ["uhost-g"]);
    assert.equal(w.firewallOf("uhost-g"), FW2);
    const script = diffScript("sgplane", before, builder.build(w, stale));
    assert.match(script, /^add chain inet sgplane f_firewall-two_in$/m);
    assert.match(
      script,
      /^ {4}meta nfproto ipv4 meta l4proto gre accept|^ {4}ip saddr 198\.18\.3\.3 meta l4proto gre accept/m,
    );
    assert.match(script, /^flush chain inet sgplane r_uhost-g_in$/m);
    assert.match(script, /^ {4}jump f_firewall-two_in$/m);
    assert.doesNotMatch(script, /r_uhost-f_|r_uhost-a_|g_sg-1|f_firewall-one_in|delete/);
    // The grant removed: no rule left, the default drops; the unused firewall's chain goes.
    const after = builder.build(w, stale);
    const removed = w.apply(event("FirewallGrant", "Deleted", grant("uhost-g", FW2)));
    const last = builder.build(w, removed);
    assert.deepEqual(last.chains.get("r_uhost-g_in")?.slice(-2), [NDP_LINE, 'drop comment "default: ingress"']);
    assert.match(diffScript("sgplane", after, last), /^delete chain inet sgplane f_firewall-two_in$/m);
  });

  it("a switch of mode moves the resource between its groups and its firewall", () => {
    const w = world();
    const builder = new RulesetBuilder(host);
    const before = builder.build(w, "all");
    const stale = w.apply(
      event("Resource", "Updated", resource("uhost-a", "198.18.1.2", { SecurityMode: "Firewall" })),
    );
    mergeStale(stale, w.apply(event("Binding", "Deleted", binding("uhost-a", "sg-1", 1))));
    mergeStale(stale, w.apply(event("FirewallGrant", "Created", grant("uhost-a", FW2))));
    const after = builder.build(w, stale);
    assert.equal(after.chains.get("r_uhost-a_in")?.at(-2), "jump f_firewall-two_in");
    assert.equal(after.chains.has("g_sg-1_in"), false);
    assert.match(diffScript("sgplane", before, after), /^delete chain inet sgplane g_sg-1_in$/m);
  });

  it("keeps firewalls and grants across a saved state, and reads an older state without them", () => {
    const w = world();
    assert.deepEqual(World.from(w.rows()).rows(), w.rows());
    const old = World.from({
      Resources: [resource("uhost-f", "198.18.1.4", { SecurityMode: "Firewall" })],
      Rules: [],
      Bindings: [],
    });
    assert.equal(old.firewallOf("uhost-f"), undefined);
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
