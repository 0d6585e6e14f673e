// Remote groups: the addresses of the resources bound to each group, by family, canonical and unique.
import { canonicalAddress } from "./addresses.ts";
import type { Family, MembersOf } from "./model.ts";

export interface MemberSource {
  /** Resources bound to the group. */
  membersOf(secGroupId: string): readonly string[];
  /** A resource's addresses as the inventory has them (private IP, EIPs); '' and non-addresses are ignored. */
  addressesOf(resourceId: string): readonly string[];
}

/** The addresses of a group's members, by family: what a remote-group rule matches. */
export function groupAddresses(source: MemberSource, secGroupId: string, family: Family): string[] {
  const out = new Set<string>();
  for (const resourceId of source.membersOf(secGroupId)) {
    for (const text of source.addressesOf(resourceId)) {
      const address = canonicalAddress(text);
      if (address !== undefined && address.family === family) out.add(address.address);
    }
  }
  return [...out].sort();
}

export function membersResolver(source: MemberSource): MembersOf {
  return (secGroupId, family) => groupAddresses(source, secGroupId, family);
}
