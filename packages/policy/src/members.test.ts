import assert from "node:assert/strict";
import { test } from "node:test";
import { groupAddresses, type MemberSource, membersResolver } from "./members.ts";

const G = "secgroup-mem00001";

function source(members: Record<string, string[]>, addresses: Record<string, string[]>): MemberSource {
  return { membersOf: (id) => members[id] ?? [], addressesOf: (id) => addresses[id] ?? [] };
}

test("groupAddresses: every member's addresses of one family, canonical, unique and sorted", () => {
  const s = source(
    { [G]: ["uhost-a", "uhost-b", "uhost-c"] },
    {
      "uhost-a": ["198.18.0.2", "FD00:5367:0:0:0:0:0:2", ""],
      "uhost-b": ["198.18.0.1", "fd00:5367::2", "not-an-ip", " 198.18.0.3 "],
      "uhost-c": ["198.18.0.2", "198.18.0.0/24"],
    },
  );
  assert.deepEqual(groupAddresses(s, G, 4), ["198.18.0.1", "198.18.0.2", "198.18.0.3"]);
  assert.deepEqual(groupAddresses(s, G, 6), ["fd00:5367::2"]);
  assert.deepEqual(groupAddresses(s, "secgroup-nobody00", 4), []);
});

test("membersResolver reads the source at every call, so a membership or address change shows at once", () => {
  const members: Record<string, string[]> = { [G]: ["uhost-a"] };
  const addresses: Record<string, string[]> = { "uhost-a": ["198.18.0.1"], "uhost-b": ["198.18.0.2"] };
  const membersOf = membersResolver(source(members, addresses));
  assert.deepEqual(membersOf(G, 4), ["198.18.0.1"]);
  members[G] = ["uhost-a", "uhost-b"];
  assert.deepEqual(membersOf(G, 4), ["198.18.0.1", "198.18.0.2"]);
  addresses["uhost-a"] = ["198.18.0.9"];
  assert.deepEqual(membersOf(G, 4), ["198.18.0.2", "198.18.0.9"]);
  members[G] = [];
  assert.deepEqual(membersOf(G, 4), []);
});
