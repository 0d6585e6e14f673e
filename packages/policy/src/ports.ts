// The API's DstPort lists ("ALL", "22", "80,443,1000-2000") as sorted, merged port ranges.
import type { PortRange } from "./model.ts";

/** The ranges of a stored port list; undefined for ALL (every port). Items that are not ports are ignored. */
export function parsePortList(text: string): PortRange[] | undefined {
  if (text.trim().toUpperCase() === "ALL" || text.trim() === "") return undefined;
  const ranges: PortRange[] = [];
  for (const item of text.split(",")) {
    const match = /^\s*(\d{1,5})(?:\s*-\s*(\d{1,5}))?\s*$/.exec(item);
    if (!match) continue;
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (from >= 1 && to <= 65535 && from <= to) ranges.push({ from, to });
  }
  return mergeRanges(ranges);
}

/** Sorted, with overlapping and touching ranges joined (nftables refuses overlapping set elements). */
export function mergeRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const merged: PortRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.from <= last.to + 1)
      merged[merged.length - 1] = { from: last.from, to: Math.max(last.to, range.to) };
    else merged.push(range);
  }
  return merged;
}

export function portsContain(ranges: readonly PortRange[] | undefined, port: number): boolean {
  return ranges === undefined || ranges.some((r) => port >= r.from && port <= r.to);
}
