import assert from "node:assert/strict";
import { test } from "node:test";
import { mergeRanges, parsePortList, portsContain } from "./ports.ts";

test("parsePortList: ALL (any case, any padding) is every port", () => {
  assert.equal(parsePortList("ALL"), undefined);
  assert.equal(parsePortList("all"), undefined);
  assert.equal(parsePortList(" All "), undefined);
});

test("parsePortList reads single ports, lists and ranges, sorted", () => {
  assert.deepEqual(parsePortList("22"), [{ from: 22, to: 22 }]);
  assert.deepEqual(parsePortList("443,80"), [
    { from: 80, to: 80 },
    { from: 443, to: 443 },
  ]);
  assert.deepEqual(parsePortList("443,2000-10000"), [
    { from: 443, to: 443 },
    { from: 2000, to: 10000 },
  ]);
  assert.deepEqual(parsePortList("1-65535"), [{ from: 1, to: 65535 }]);
  assert.deepEqual(parsePortList(" 22 , 1000 - 2000 "), [
    { from: 22, to: 22 },
    { from: 1000, to: 2000 },
  ]);
  assert.deepEqual(parsePortList("5432-5432"), [{ from: 5432, to: 5432 }]);
});

test("parsePortList joins overlapping, nested, duplicate and touching ranges", () => {
  assert.deepEqual(parsePortList("1000-2000,1500-2500"), [{ from: 1000, to: 2500 }]);
  assert.deepEqual(parsePortList("1000-2000,1200-1300"), [{ from: 1000, to: 2000 }]);
  assert.deepEqual(parsePortList("80,80,80"), [{ from: 80, to: 80 }]);
  assert.deepEqual(parsePortList("1000-2000,2001-3000"), [{ from: 1000, to: 3000 }]);
  assert.deepEqual(parsePortList("21,22,23"), [{ from: 21, to: 23 }]);
  assert.deepEqual(parsePortList("1000-2000,2002-3000"), [
    { from: 1000, to: 2000 },
    { from: 2002, to: 3000 },
  ]);
});

test("parsePortList ignores items that are not ports", () => {
  assert.deepEqual(parsePortList("22,http,0,65536,99999,5-3,-1,1.5,,22-,ALL,443"), [
    { from: 22, to: 22 },
    { from: 443, to: 443 },
  ]);
  assert.deepEqual(parsePortList("0-80"), []);
  assert.deepEqual(parsePortList("80-65536"), []);
  assert.deepEqual(parsePortList("nope"), []);
  assert.deepEqual(parsePortList("123456"), []);
});

test("mergeRanges sorts and joins without changing what is covered", () => {
  assert.deepEqual(mergeRanges([]), []);
  assert.deepEqual(
    mergeRanges([
      { from: 500, to: 600 },
      { from: 1, to: 10 },
      { from: 11, to: 20 },
      { from: 550, to: 700 },
      { from: 5, to: 6 },
      { from: 702, to: 702 },
    ]),
    [
      { from: 1, to: 20 },
      { from: 500, to: 700 },
      { from: 702, to: 702 },
    ],
  );
  // A range inside the one before it does not shorten it.
  assert.deepEqual(
    mergeRanges([
      { from: 1, to: 100 },
      { from: 2, to: 3 },
      { from: 101, to: 101 },
    ]),
    [{ from: 1, to: 101 }],
  );
});

test("mergeRanges leaves its input alone", () => {
  const input = [
    { from: 20, to: 30 },
    { from: 1, to: 25 },
  ];
  mergeRanges(input);
  assert.deepEqual(input, [
    { from: 20, to: 30 },
    { from: 1, to: 25 },
  ]);
});

test("portsContain: undefined is every port, else the ranges' bounds are inclusive", () => {
  assert.equal(portsContain(undefined, 1), true);
  assert.equal(portsContain(undefined, 65535), true);
  const ranges = parsePortList("22,1000-2000");
  assert.equal(portsContain(ranges, 22), true);
  assert.equal(portsContain(ranges, 21), false);
  assert.equal(portsContain(ranges, 23), false);
  assert.equal(portsContain(ranges, 999), false);
  assert.equal(portsContain(ranges, 1000), true);
  assert.equal(portsContain(ranges, 2000), true);
  assert.equal(portsContain(ranges, 2001), false);
  assert.equal(portsContain([], 22), false);
});
