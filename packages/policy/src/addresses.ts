// Addresses and address blocks: parsing the API's IPRange items and resource addresses, canonical spelling, matching.

import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import type { Family } from "./model.ts";

export interface Block {
  readonly family: Family;
  /** network/prefix, e.g. 10.0.0.0/8, fd00::/64 (an address is /32 or /128). */
  readonly cidr: string;
}

const familyOf = (address: string): Family | undefined => {
  if (address.includes("%")) return undefined;
  const family = isIP(address);
  return family === 4 ? 4 : family === 6 ? 6 : undefined;
};

// ipaddr.js 2.5 reads "::a.b.c.d" as ::ffff:a.b.c.d; RFC 4291 (and the kernel) read it as ::a.b.c.d, so an IPv6 text's
// dotted tail is rewritten as two hex groups before ipaddr.js sees it.
const hexTail = (text: string): string =>
  text.includes(":")
    ? text.replace(
        /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?=\/|$)/,
        (_: string, a: string, b: string, c: string, d: string) =>
          [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)].map((group) => group.toString(16)).join(":"),
      )
    : text;

/** An address or CIDR as the API stores it, as the block it covers (host bits cleared); undefined when it is neither. */
export function parseBlock(item: string): Block | undefined {
  const text = item.trim();
  const slash = text.indexOf("/");
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = familyOf(address);
  if (family === undefined) return undefined;
  const max = family === 4 ? 32 : 128;
  const prefix = slash < 0 ? max : Number(text.slice(slash + 1));
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (slash >= 0 && !/^\d{1,3}$/.test(text.slice(slash + 1)))
  )
    return undefined;
  const network =
    family === 4
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${hexTail(address)}/${prefix}`);
  return { family, cidr: `${network.toString()}/${prefix}` };
}

/** A single address in canonical spelling, or undefined when the text is not one. */
export function canonicalAddress(text: string): { family: Family; address: string } | undefined {
  const family = familyOf(text.trim());
  if (family === undefined) return undefined;
  return { family, address: ipaddr.parse(hexTail(text.trim())).toString() };
}

export function blockContains(cidr: string, address: string): boolean {
  const [network, prefix] = ipaddr.parseCIDR(hexTail(cidr));
  const parsed = ipaddr.parse(hexTail(address));
  return parsed.kind() === network.kind() && parsed.match(network, prefix);
}

/** The blocks without duplicates and without any block inside another, sorted: one set nftables accepts. */
export function minimalBlocks(cidrs: readonly string[]): string[] {
  const unique = [...new Set(cidrs)];
  const prefixOf = (cidr: string) => Number(cidr.slice(cidr.indexOf("/") + 1));
  // Wider blocks first, so a block is dropped when one already kept covers it.
  unique.sort((a, b) => prefixOf(a) - prefixOf(b) || a.localeCompare(b));
  const kept: string[] = [];
  for (const cidr of unique) {
    const network = cidr.slice(0, cidr.indexOf("/"));
    if (!kept.some((wider) => blockContains(wider, network))) kept.push(cidr);
  }
  return kept.sort();
}
