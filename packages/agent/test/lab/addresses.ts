// The lab's address plan: 198.18.0.0/15 and fd00:5367::/64 only (docs: enforcement.md §4), gateway .1 / ::1.
import { BlockList, isIPv4, isIPv6 } from "node:net";

export const GATEWAY_V4 = "198.18.0.1";
export const GATEWAY_V6 = "fd00:5367::1";

const LAB_RANGES = new BlockList();
LAB_RANGES.addSubnet("198.18.0.0", 15, "ipv4");
LAB_RANGES.addSubnet("fd00:5367::", 64, "ipv6");

/** The form Node reports peers in (lowercase, zeros compressed), so that addresses compare as strings. */
export function canonicalIPv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

export function checkIPv4(address: string): string {
  if (!isIPv4(address) || !LAB_RANGES.check(address, "ipv4")) {
    throw new Error(`lab: ${address} is not an IPv4 address in 198.18.0.0/15`);
  }
  if (address === GATEWAY_V4 || address === "198.18.0.0" || address === "198.19.255.255") {
    throw new Error(`lab: ${address} is reserved (gateway or range boundary)`);
  }
  return address;
}

export function checkIPv6(address: string): string {
  if (!isIPv6(address) || !LAB_RANGES.check(address, "ipv6")) {
    throw new Error(`lab: ${address} is not an IPv6 address in fd00:5367::/64`);
  }
  const canonical = canonicalIPv6(address);
  if (canonical === GATEWAY_V6 || canonical === "fd00:5367::") {
    throw new Error(`lab: ${address} is reserved (gateway or subnet-router anycast)`);
  }
  return canonical;
}

/** Endpoint `index`'s default addresses: 198.18.1.1, .2, … and fd00:5367::1:1, ::1:2, … (hex). */
export function defaultAddresses(index: number): { ipv4: string; ipv6: string } {
  if (!Number.isInteger(index) || index < 0 || index > 253) {
    throw new Error(`lab: no default address for endpoint #${index}; give ipv4/ipv6 explicitly`);
  }
  return { ipv4: `198.18.1.${index + 1}`, ipv6: `fd00:5367::1:${(index + 1).toString(16)}` };
}
