import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { blockContains, canonicalAddress, minimalBlocks, parseBlock } from "./addresses.ts";

test("parseBlock reads IPv4 addresses and CIDRs, clearing host bits", () => {
  assert.deepEqual(parseBlock("198.18.0.7"), { family: 4, cidr: "198.18.0.7/32" });
  assert.deepEqual(parseBlock("198.18.0.7/32"), { family: 4, cidr: "198.18.0.7/32" });
  assert.deepEqual(parseBlock("198.18.0.7/24"), { family: 4, cidr: "198.18.0.0/24" });
  assert.deepEqual(parseBlock("198.19.255.255/15"), { family: 4, cidr: "198.18.0.0/15" });
  assert.deepEqual(parseBlock("10.1.2.3/8"), { family: 4, cidr: "10.0.0.0/8" });
  assert.deepEqual(parseBlock("  10.0.0.0/8 "), { family: 4, cidr: "10.0.0.0/8" });
});

test("parseBlock reads IPv6 addresses and CIDRs in canonical spelling, clearing host bits", () => {
  assert.deepEqual(parseBlock("fd00:5367::1"), { family: 6, cidr: "fd00:5367::1/128" });
  assert.deepEqual(parseBlock("FD00:5367:0:0:0:0:0:1"), { family: 6, cidr: "fd00:5367::1/128" });
  assert.deepEqual(parseBlock("fd00:5367::abcd/64"), { family: 6, cidr: "fd00:5367::/64" });
  assert.deepEqual(parseBlock("fd00:5367:0:0:ffff::1/48"), { family: 6, cidr: "fd00:5367::/48" });
  assert.deepEqual(parseBlock("2001:db8:1:2:3:4:5:6/127"), { family: 6, cidr: "2001:db8:1:2:3:4:5:6/127" });
  assert.deepEqual(parseBlock("2001:db8:1:2:3:4:5:7/127"), { family: 6, cidr: "2001:db8:1:2:3:4:5:6/127" });
});

test("parseBlock: /0 is every address of its family", () => {
  assert.deepEqual(parseBlock("0.0.0.0/0"), { family: 4, cidr: "0.0.0.0/0" });
  assert.deepEqual(parseBlock("203.0.113.9/0"), { family: 4, cidr: "0.0.0.0/0" });
  assert.deepEqual(parseBlock("::/0"), { family: 6, cidr: "::/0" });
  assert.deepEqual(parseBlock("fd00::1/0"), { family: 6, cidr: "::/0" });
});

test("parseBlock refuses bad prefixes and non-addresses", () => {
  for (const bad of [
    "10.0.0.0/33",
    "10.0.0.0/-1",
    "10.0.0.0/",
    "10.0.0.0/1.5",
    "10.0.0.0/ 8",
    "10.0.0.0/+8",
    "10.0.0.0/8/8",
    "10.0.0.0/x",
    "::/129",
    "::/1000",
    "10.0.0",
    "10.0.0.256",
    "010.0.0.1",
    "1.2.3.4.5",
    "fd00::1::2",
    "fd00:5367::g",
    "secgroup-abcd1234",
    "",
    " ",
    "/8",
  ]) {
    assert.equal(parseBlock(bad), undefined, bad);
  }
});

test("parseBlock refuses addresses with a zone id (they name an interface, not a network)", () => {
  assert.equal(parseBlock("fe80::1%eth0"), undefined);
  assert.equal(parseBlock("fe80::1%eth0/64"), undefined);
  assert.equal(parseBlock("fe80::1%1"), undefined);
  assert.equal(canonicalAddress("fe80::1%eth0"), undefined);
});

test("parseBlock: an IPv4-mapped address is an IPv6 block, not the IPv4 address it embeds", () => {
  assert.deepEqual(parseBlock("::ffff:198.18.0.1"), { family: 6, cidr: "::ffff:c612:1/128" });
  assert.deepEqual(parseBlock("::FFFF:c612:1"), { family: 6, cidr: "::ffff:c612:1/128" });
  assert.deepEqual(parseBlock("::ffff:198.18.0.1/96"), { family: 6, cidr: "::ffff:0:0/96" });
  assert.deepEqual(parseBlock("::ffff:198.18.0.1/120"), { family: 6, cidr: "::ffff:c612:0/120" });
});

test("parseBlock: a dotted tail is the low 32 bits of the address whatever precedes it (RFC 4291 2.2)", () => {
  // ::a.b.c.d is the (deprecated) IPv4-compatible address ::a.b.c.d, a different address from ::ffff:a.b.c.d.
  assert.deepEqual(parseBlock("::198.18.0.1"), { family: 6, cidr: "::c612:1/128" });
  assert.deepEqual(parseBlock("::198.18.0.1"), parseBlock("::c612:1"));
  assert.notDeepEqual(parseBlock("::198.18.0.1"), parseBlock("::ffff:198.18.0.1"));
  assert.deepEqual(parseBlock("::0.0.0.1"), parseBlock("::1"));
  assert.deepEqual(parseBlock("::1.2.3.4/120"), { family: 6, cidr: "::102:300/120" });
  assert.deepEqual(parseBlock("fd00:5367::198.18.0.1"), { family: 6, cidr: "fd00:5367::c612:1/128" });
  assert.deepEqual(canonicalAddress("::198.18.0.1"), { family: 6, address: "::c612:1" });
});

test("canonicalAddress spells an address one way and refuses CIDRs and junk", () => {
  assert.deepEqual(canonicalAddress("198.18.0.1"), { family: 4, address: "198.18.0.1" });
  assert.deepEqual(canonicalAddress(" 198.18.0.1 "), { family: 4, address: "198.18.0.1" });
  assert.deepEqual(canonicalAddress("FD00:5367:0000:0:0:0:0:0001"), { family: 6, address: "fd00:5367::1" });
  assert.deepEqual(canonicalAddress("::"), { family: 6, address: "::" });
  for (const bad of ["198.18.0.0/15", "fd00::/64", "", "uhost-1", "198.18.0", "fe80::1%lo"]) {
    assert.equal(canonicalAddress(bad), undefined, bad);
  }
});

test("blockContains matches addresses of the block's family only", () => {
  assert.equal(blockContains("198.18.0.0/15", "198.19.255.255"), true);
  assert.equal(blockContains("198.18.0.0/15", "198.20.0.0"), false);
  assert.equal(blockContains("198.18.0.0/15", "198.17.255.255"), false);
  assert.equal(blockContains("0.0.0.0/0", "203.0.113.1"), true);
  assert.equal(blockContains("0.0.0.0/0", "fd00:5367::1"), false);
  assert.equal(blockContains("::/0", "198.18.0.1"), false);
  assert.equal(blockContains("::/0", "fd00:5367::1"), true);
  assert.equal(blockContains("fd00:5367::/64", "fd00:5367::ffff:1"), true);
  assert.equal(blockContains("fd00:5367::/64", "fd00:5367:0:1::1"), false);
  assert.equal(blockContains("198.18.0.1/32", "198.18.0.1"), true);
  assert.equal(blockContains("198.18.0.1/32", "198.18.0.2"), false);
  // A mapped address is IPv6: an IPv4 block does not contain it.
  assert.equal(blockContains("198.18.0.0/15", "::ffff:198.18.0.1"), false);
  assert.equal(blockContains("::c612:0/112", "::198.18.0.1"), true);
});

test("minimalBlocks removes duplicates", () => {
  assert.deepEqual(minimalBlocks(["198.18.0.1/32", "198.18.0.1/32", "198.18.0.1/32"]), ["198.18.0.1/32"]);
  assert.deepEqual(minimalBlocks([]), []);
});

test("minimalBlocks removes every block inside another, at any depth", () => {
  assert.deepEqual(minimalBlocks(["198.18.0.1/32", "198.18.0.0/24", "198.18.0.0/16", "198.18.0.0/15"]), [
    "198.18.0.0/15",
  ]);
  assert.deepEqual(minimalBlocks(["198.18.1.0/24", "198.18.0.0/24", "198.18.0.5/32", "198.19.0.0/16"]), [
    "198.18.0.0/24",
    "198.18.1.0/24",
    "198.19.0.0/16",
  ]);
  assert.deepEqual(minimalBlocks(["fd00:5367::1/128", "fd00:5367::/64", "fd00:5368::/64"]), [
    "fd00:5367::/64",
    "fd00:5368::/64",
  ]);
  assert.deepEqual(minimalBlocks(["198.18.0.0/15", "0.0.0.0/0", "10.0.0.0/8"]), ["0.0.0.0/0"]);
  assert.deepEqual(minimalBlocks(["fd00:5367::/64", "::/0"]), ["::/0"]);
  // Adjacent blocks are not inside one another: both stay.
  assert.deepEqual(minimalBlocks(["198.18.0.0/25", "198.18.0.128/25"]), ["198.18.0.0/25", "198.18.0.128/25"]);
});

test("minimalBlocks gives one order whatever the input order", () => {
  const blocks = ["198.19.0.0/16", "10.0.0.0/8", "198.18.0.0/24", "9.0.0.0/8", "198.18.0.7/32", "100.64.0.0/10"];
  const expected = ["10.0.0.0/8", "100.64.0.0/10", "198.18.0.0/24", "198.19.0.0/16", "9.0.0.0/8"];
  assert.deepEqual(minimalBlocks(blocks), expected);
  assert.deepEqual(minimalBlocks([...blocks].reverse()), expected);
  assert.deepEqual(minimalBlocks([...blocks].sort()), expected);
});

// An independent reading of IPv6 text (hex groups, one '::', an optional dotted tail) as a 128-bit number.
function v6Value(text: string): bigint {
  let head = text.toLowerCase();
  let tail: bigint[] = [];
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(head);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    tail = [BigInt(((a ?? 0) << 8) | (b ?? 0)), BigInt(((c ?? 0) << 8) | (d ?? 0))];
    head = head.slice(0, dotted.index);
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1);
  }
  const groups = (part: string) => (part === "" ? [] : part.split(":").map((g) => BigInt(`0x${g}`)));
  const [left = "", right] = head.split("::");
  const l = groups(left);
  const r = [...(right === undefined ? [] : groups(right)), ...tail];
  const all = right === undefined ? [...l, ...r] : [...l, ...Array(8 - l.length - r.length).fill(0n), ...r];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

const v6Spelling = fc
  .record({
    groups: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }),
    dottedTail: fc.boolean(),
    compress: fc.option(fc.tuple(fc.nat(7), fc.nat(8)), { nil: undefined }),
    upper: fc.boolean(),
  })
  .map(({ groups: drawn, dottedTail, compress, upper }) => {
    const hexCount = dottedTail ? 6 : 8;
    const start = compress === undefined ? hexCount : Math.min(compress[0], hexCount - 1);
    const end = compress === undefined ? hexCount : Math.min(hexCount, start + 1 + compress[1]);
    // '::' stands for zero groups only.
    const groups = drawn.map((g, i) => (i >= start && i < end ? 0 : g));
    const parts = groups.map((g) => g.toString(16));
    let tailText = "";
    if (dottedTail) {
      const lo = groups.slice(6);
      tailText = `${(lo[0] ?? 0) >> 8}.${(lo[0] ?? 0) & 255}.${(lo[1] ?? 0) >> 8}.${(lo[1] ?? 0) & 255}`;
      parts.splice(6, 2);
    }
    let text: string;
    if (compress !== undefined) {
      const left = parts.slice(0, start).join(":");
      const right = parts.slice(end).join(":");
      text = `${left}::${right}`;
      if (tailText !== "") text = right === "" ? `${text}${tailText}` : `${text}:${tailText}`;
    } else {
      text = [...parts, ...(tailText === "" ? [] : [tailText])].join(":");
    }
    return upper ? text.toUpperCase() : text;
  });

test("property: every spelling of an IPv6 address canonicalises to the same address", () => {
  fc.assert(
    fc.property(v6Spelling, (text) => {
      const canonical = canonicalAddress(text);
      assert.ok(canonical !== undefined, text);
      assert.equal(canonical.family, 6);
      assert.equal(v6Value(canonical.address), v6Value(text), `${text} -> ${canonical.address}`);
      const block = parseBlock(text);
      assert.deepEqual(block, { family: 6, cidr: `${canonical.address}/128` });
    }),
    { numRuns: 2000 },
  );
});
