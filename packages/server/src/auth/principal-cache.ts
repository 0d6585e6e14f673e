// Who a PublicKey is, with the company's projects and the region list: read once, then served from memory.
// Every request needs this before anything else, and it changes only through admin actions, so each server keeps it
// for a short TTL and drops it all whenever an admin action changes state here. Another server's admin change is
// seen within the TTL (documented in docs/architecture.md).
import type { KeyRecord, Store } from "../store/port.ts";

export interface Principal {
  readonly key: KeyRecord;
  readonly regions: readonly string[];
  /** The key's company's projects, default first (empty for operator keys). */
  readonly projects: readonly { readonly projectId: string; readonly isDefault: boolean }[];
}

interface Entry {
  readonly principal: Principal;
  readonly expires: number;
}

export class PrincipalCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Unknown keys are not cached, so a key created on another server works at once. */
  async lookup(publicKey: string): Promise<Principal | undefined> {
    const hit = this.entries.get(publicKey);
    if (hit !== undefined && hit.expires > this.now()) return hit.principal;
    const principal = await this.store.read(async (tx) => {
      const key = await tx.findKey(publicKey);
      if (key === undefined) return undefined;
      const projects = key.companyId === null ? [] : await tx.projectsOf(key.companyId);
      return { key, regions: await tx.regions(), projects };
    });
    if (principal === undefined) {
      this.entries.delete(publicKey);
      return undefined;
    }
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(publicKey, { principal, expires: this.now() + this.ttlMs });
    return principal;
  }

  clear(): void {
    this.entries.clear();
  }
}
