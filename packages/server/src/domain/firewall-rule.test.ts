// Unit and property tests of the UNet firewall rule string (PROTOCOL|PORT|CIDR|ACTION|PRIORITY[|remark]).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "@sgplane/catalogue";
import fc from "fast-check";
import { assertApiError } from "./assert-api-error.ts";
import { formatFirewallRule, parseFirewallRule, parseFirewallRules } from "./firewall-rule.ts";

describe("parseFirewallRule", () => {
  it("takes the Terraform provider's five-field rules and UCloud's documented six-field example", () => {
    assert.deepEqual(parseFirewallRule("TCP|22|0.0.0.0/0|ACCEPT|HIGH"), {
      protocol: "TCP",
      port: "22",
      cidr: "0.0.0.0/0",
      action: "ACCEPT",
      priority: "HIGH",
      remark: "",
    });
    assert.deepEqual(parseFirewallRule("TCP|22|192.168.1.1/22|DROP|LOW|禁用22端口"), {
      protocol: "TCP",
      port: "22",
      cidr: "192.168.1.1/22",
      action: "DROP",
      priority: "LOW",
      remark: "禁用22端口",
    });
  });

  it("keywords are case-insensitive and stored upper-case; port and address stay as written", () => {
    assert.deepEqual(parseFirewallRule("udp|1000-2000|10.0.0.1|accept|medium|a|b"), {
      protocol: "UDP",
      port: "1000-2000",
      cidr: "10.0.0.1",
      action: "ACCEPT",
      priority: "MEDIUM",
      remark: "a|b",
    });
  });

  it("ICMP and GRE take no port (the provider sends it empty)", () => {
    assert.equal("problem" in parseFirewallRule("ICMP||0.0.0.0/0|ACCEPT|HIGH"), false);
    assert.equal("problem" in parseFirewallRule("gre||0.0.0.0/0|DROP|LOW"), false);
  });

  const bad: [string, RegExp][] = [
    ["TCP|22|0.0.0.0/0|ACCEPT", /expected PROTOCOL\|PORT.*got 4 field/],
    ["", /got 1 field/],
    ["SCTP|22|0.0.0.0/0|ACCEPT|HIGH", /PROTOCOL 'SCTP' is not TCP, UDP, ICMP or GRE/],
    ["TCP||0.0.0.0/0|ACCEPT|HIGH", /PORT is required for TCP/],
    ["TCP|0|0.0.0.0/0|ACCEPT|HIGH", /PORT '0' is not a port 1-65535/],
    ["TCP|65536|0.0.0.0/0|ACCEPT|HIGH", /PORT '65536'/],
    ["TCP|080|0.0.0.0/0|ACCEPT|HIGH", /PORT '080'/],
    ["TCP|ALL|0.0.0.0/0|ACCEPT|HIGH", /PORT 'ALL'/],
    ["TCP|90-80|0.0.0.0/0|ACCEPT|HIGH", /starts after it ends/],
    ["TCP|0-56636|0.0.0.0/0|ACCEPT|HIGH", /must use ports 1-65535/],
    ["TCP|22,80|0.0.0.0/0|ACCEPT|HIGH", /PORT '22,80'/],
    ["ICMP|8|0.0.0.0/0|ACCEPT|HIGH", /ICMP has no ports/],
    ["TCP|22|::/0|ACCEPT|HIGH", /CIDR '::\/0' is not an IPv4/],
    ["TCP|22|10.0.0.0/33|ACCEPT|HIGH", /prefix length outside 0-32/],
    ["TCP|22|10.0.0.0/08|ACCEPT|HIGH", /prefix length outside 0-32/],
    ["TCP|22| 10.0.0.0/8|ACCEPT|HIGH", /CIDR ' 10.0.0.0\/8'/],
    ["TCP|22|secgroup-x|ACCEPT|HIGH", /is not an IPv4 address/],
    ["TCP|22|0.0.0.0/0|ALLOW|HIGH", /ACTION 'ALLOW' is not ACCEPT or DROP/],
    ["TCP|22|0.0.0.0/0|ACCEPT|URGENT", /PRIORITY 'URGENT' is not HIGH, MEDIUM or LOW/],
    [`TCP|22|0.0.0.0/0|ACCEPT|HIGH|${"x".repeat(65)}`, /remark is longer than 64/],
  ];
  for (const [text, reason] of bad) {
    it(`refuses ${JSON.stringify(text.slice(0, 40))}`, () => {
      const parsed = parseFirewallRule(text);
      assert.ok("problem" in parsed, JSON.stringify(parsed));
      assert.match(parsed.problem, reason);
    });
  }

  it("a remark of exactly 64 characters (not bytes) is accepted", () => {
    assert.equal("problem" in parseFirewallRule(`TCP|22|0.0.0.0/0|ACCEPT|HIGH|${"端".repeat(64)}`), false);
  });
});

describe("parseFirewallRules", () => {
  it("names the first bad rule by its position, Rule.N", () => {
    assertApiError(
      () => parseFirewallRules(["TCP|22|0.0.0.0/0|ACCEPT|HIGH", "TCP|22|0.0.0.0/0|ACCEPT|NOW"]),
      "InvalidParams",
      "Params [Rule.1] not available: PRIORITY 'NOW'",
    );
  });
  it("an empty rule set is a missing parameter", () => {
    assertApiError(() => parseFirewallRules([]), "MissingParams", "[Rule]");
  });
});

const protocol = fc.constantFrom("TCP", "UDP", "ICMP", "GRE", "tcp", "Udp", "icmp", "SCTP", "");
const port = fc.oneof(
  fc.constant(""),
  fc.integer({ min: -1, max: 70000 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 70000 }), fc.integer({ min: 0, max: 70000 })).map(([a, b]) => `${a}-${b}`),
  fc.string({ maxLength: 8 }),
);
const cidr = fc.oneof(
  fc.ipV4(),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 40 })).map(([ip, n]) => `${ip}/${n}`),
  fc.ipV6(),
  fc.string({ maxLength: 12 }),
);
const word = (values: string[]) => fc.oneof(fc.constantFrom(...values), fc.string({ maxLength: 6 }));
const fuzzyRule = fc.oneof(
  fc
    .tuple(
      protocol,
      port,
      cidr,
      word(["ACCEPT", "DROP", "accept"]),
      word(["HIGH", "MEDIUM", "LOW", "low"]),
      fc.option(fc.string({ maxLength: 80 }), { nil: undefined }),
    )
    .map((parts) => parts.filter((p) => p !== undefined).join("|")),
  fc.string({ maxLength: 60 }),
);
/** Rules that should pass, in every spelling a client might use, so the accepting branch is exercised as much. */
const validRule = fc
  .tuple(
    fc.oneof(
      fc
        .tuple(fc.constantFrom("TCP", "udp", "Tcp"), fc.integer({ min: 1, max: 65535 }), fc.nat(100))
        .map(([p, from, span]) => [p, span === 0 ? String(from) : `${from}-${Math.min(65535, from + span)}`]),
      fc.constantFrom("ICMP", "gre", "Icmp").map((p) => [p, ""]),
    ),
    fc.oneof(
      fc.ipV4(),
      fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, n]) => `${ip}/${n}`),
    ),
    fc.constantFrom("ACCEPT", "drop", "Accept"),
    fc.constantFrom("HIGH", "medium", "Low"),
    fc.option(fc.string({ maxLength: 64 }), { nil: undefined }),
  )
  .map(([[p, prt], c, a, pr, remark]) => [p, prt, c, a, pr, ...(remark === undefined ? [] : [remark])].join("|"));
const ruleText = fc.oneof({ arbitrary: validRule, weight: 6 }, { arbitrary: fuzzyRule, weight: 1 });

describe("rule strings, fuzzed", () => {
  it("never crash: 230 naming Rule.N with a reason, or a rule that round-trips through its wire string", () => {
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(fc.array(ruleText, { minLength: 1, maxLength: 4 }), (texts) => {
        let rules: ReturnType<typeof parseFirewallRules>;
        try {
          rules = parseFirewallRules(texts);
        } catch (error) {
          assert.ok(error instanceof ApiError, String(error));
          assert.equal(error.retCode, 230);
          const bad = texts.findIndex((t) => "problem" in parseFirewallRule(t));
          assert.ok(error.message.startsWith(`Params [Rule.${bad}] not available: `), error.message);
          assert.ok(error.message.length > `Params [Rule.${bad}] not available: `.length);
          seen.refused++;
          return;
        }
        for (const [i, rule] of rules.entries()) {
          // What is read back is what was written: the keywords upper-cased, everything else verbatim.
          const [p = "", prt = "", c = "", a = "", pr = "", ...rest] = (texts[i] ?? "").split("|");
          assert.deepEqual(
            [rule.protocol, rule.port, rule.cidr, rule.action, rule.priority, rule.remark],
            [p.toUpperCase(), prt, c, a.toUpperCase(), pr.toUpperCase(), rest.join("|")],
          );
          assert.deepEqual(parseFirewallRule(formatFirewallRule(rule)), rule);
        }
        seen.accepted++;
      }),
      { numRuns: 3000 },
    );
    // Both branches were exercised, or the property proved little.
    assert.ok(seen.accepted > 50 && seen.refused > 50, JSON.stringify(seen));
  });
});
