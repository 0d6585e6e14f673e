// The principal cache: hits within the TTL, misses after it or after clear(); unknown keys are never cached.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { KeyRecord, ReadTx, Store } from "../store/port.ts";
import { PrincipalCache } from "./principal-cache.ts";

const key: KeyRecord = {
  publicKey: "p",
  privateKey: "s",
  operator: false,
  companyId: 1,
  userName: "u",
  subAccount: false,
  projects: [],
};

it("caches known keys for the TTL, forgets on clear, never caches unknown keys", async () => {
  let reads = 0;
  let known = false;
  const tx = {
    findKey: async () => (known ? key : undefined),
    regions: async () => ["cn-bj2"],
    projectsOf: async () => [{ projectId: "org-1", name: "d", isDefault: true }],
  };
  const store = {
    read: async (fn: (tx: ReadTx) => Promise<unknown>) => {
      reads++;
      return fn(tx as unknown as ReadTx);
    },
  } as unknown as Store;
  let now = 0;
  const cache = new PrincipalCache(store, 1000, 10, () => now);
  assert.equal(await cache.lookup("p"), undefined);
  known = true;
  assert.equal((await cache.lookup("p"))?.key, key, "an unknown key is looked up again");
  await cache.lookup("p");
  assert.equal(reads, 2, "a known key is served from memory");
  now = 1001;
  await cache.lookup("p");
  assert.equal(reads, 3, "expired after the TTL");
  cache.clear();
  await cache.lookup("p");
  assert.equal(reads, 4, "clear() forgets");
});
