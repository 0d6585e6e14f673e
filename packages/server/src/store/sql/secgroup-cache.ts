// Groups with their rules, remembered under (secgroup_id, version) so a read costs one narrow query, not 1 + N rows.
import type { SecGroupWithRules } from "../port.ts";

/**
 * Why this is safe, also with several servers on one database: the database gives a group a version never used
 * before whenever its row or one of its rules changes (triggers, migration 002), and a reader looks up the version
 * in the same snapshot as the rows it would otherwise read. An entry is only ever stored from a read transaction,
 * so its version was committed with exactly that content. (A write transaction must not use the cache: on SQLite a
 * version drawn by a transaction that rolls back can be drawn again for other content.)
 *
 * Bounded: beyond `capacity` groups the oldest stored entry goes (first in, first out; a hit does not refresh it).
 */
export class SecGroupCache {
  readonly #entries = new Map<string, { readonly version: number; readonly value: SecGroupWithRules }>();

  constructor(readonly capacity = 20_000) {}

  get(secGroupId: string, version: number): SecGroupWithRules | undefined {
    const entry = this.#entries.get(secGroupId);
    return entry !== undefined && entry.version === version ? entry.value : undefined;
  }

  set(secGroupId: string, version: number, value: SecGroupWithRules): void {
    // Re-inserting moves the key to the end of the Map's order, so a changed group counts as new.
    this.#entries.delete(secGroupId);
    this.#entries.set(secGroupId, { version, value });
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
