// nftables object names for sgplane ids: readable when the id is plain, made safe (and still unique) when not.
import { createHash } from "node:crypto";

const PLAIN = /^[A-Za-z0-9_-]{1,120}$/;

export function nftId(id: string): string {
  if (PLAIN.test(id)) return id;
  const hash = createHash("sha1").update(id).digest("hex").slice(0, 10);
  return `${id.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 100)}_${hash}`;
}

export const groupChain = (secGroupId: string, direction: "in" | "out") => `g_${nftId(secGroupId)}_${direction}`;
export const resourceChain = (resourceId: string, direction: "in" | "out") => `r_${nftId(resourceId)}_${direction}`;
export const memberSet = (secGroupId: string, family: 4 | 6) => `rg${family}_${nftId(secGroupId)}`;
export const firewallChain = (fwId: string) => `f_${nftId(fwId)}_in`;
