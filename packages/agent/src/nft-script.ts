// nft -f scripts: the whole table (made again in one transaction: never a moment without it), or the difference
// between two rulesets (only the chains, sets and map entries that changed). Either runs as ONE transaction.
import type { Ruleset, SetSpec } from "./ruleset.ts";

export const INGRESS_MAP = "ingress_if";
export const EGRESS_MAP = "egress_if";

/** The hooks: a packet leaving a resource meets its egress chain, then one arriving meets the ingress chain. */
function baseChains(): string[] {
  // Egress runs first (priority filter - 1): its accept ends only that base chain, so the packet then goes on to
  // the ingress chain of the resource it is for (two resources on one host are both filtered).
  const chain = (name: string, hook: string, priority: string, map: string, key: string) => [
    `  chain ${name} {`,
    `    type filter hook ${hook} priority ${priority}; policy accept;`,
    "    ct state established,related accept",
    `    ${key} vmap @${map}`,
    "  }",
  ];
  return [
    ...chain("forward_egress", "forward", "filter - 1", EGRESS_MAP, "iifname"),
    ...chain("forward_ingress", "forward", "filter", INGRESS_MAP, "oifname"),
    ...chain("input_egress", "input", "filter", EGRESS_MAP, "iifname"),
    ...chain("output_ingress", "output", "filter", INGRESS_MAP, "oifname"),
  ];
}

const setType = (spec: SetSpec) => (spec.family === 4 ? "ipv4_addr" : "ipv6_addr");
const mapElements = (map: ReadonlyMap<string, string>) =>
  [...map].map(([ifname, chain]) => `${JSON.stringify(ifname)} : jump ${chain}`).join(", ");

/** The table made from nothing, replacing whatever is there, atomically. */
export function fullScript(table: string, ruleset: Ruleset): string {
  const out = [`table inet ${table}`, `delete table inet ${table}`, `table inet ${table} {`];
  for (const [name, spec] of ruleset.sets) {
    out.push(`  set ${name} {`, `    type ${setType(spec)};`);
    if (spec.elements.length > 0) out.push(`    elements = { ${spec.elements.join(", ")} }`);
    out.push("  }");
  }
  // Group and firewall chains before resource chains: a jump must name a chain that exists.
  const ordered = [...ruleset.chains].sort(([a], [b]) => chainOrder(a) - chainOrder(b));
  for (const [name, lines] of ordered) out.push(`  chain ${name} {`, ...lines.map((l) => `    ${l}`), "  }");
  for (const [name, map] of [
    [INGRESS_MAP, ruleset.ingress],
    [EGRESS_MAP, ruleset.egress],
  ] as const) {
    out.push(`  map ${name} {`, "    type ifname : verdict;");
    if (map.size > 0) out.push(`    elements = { ${mapElements(map)} }`);
    out.push("  }");
  }
  out.push(...baseChains(), "}");
  return `${out.join("\n")}\n`;
}

// Group and firewall chains are jumped to from resource chains.
const chainOrder = (name: string) => (name.startsWith("g_") || name.startsWith("f_") ? 0 : 1);

/** The commands that turn `from` into `to`; empty when nothing changed. */
export function diffScript(table: string, from: Ruleset, to: Ruleset): string {
  const t = `inet ${table}`;
  const out: string[] = [];
  const newSets = [...to.sets].filter(([name]) => !from.sets.has(name));
  const changedSets = [...to.sets].filter(([name, spec]) => {
    const old = from.sets.get(name);
    return old === undefined ? spec.elements.length > 0 : old !== spec && !sameList(old.elements, spec.elements);
  });
  const newChains = [...to.chains.keys()].filter((name) => !from.chains.has(name));
  const changedChains = [...to.chains]
    .filter(([name, lines]) => {
      const old = from.chains.get(name);
      return old === undefined ? lines.length > 0 : old !== lines && !sameList(old, lines);
    })
    .sort(([a], [b]) => chainOrder(a) - chainOrder(b));
  // 1. New objects, empty, so that everything below may name them.
  for (const [name, spec] of newSets) out.push(`add set ${t} ${name} { type ${setType(spec)}; }`);
  for (const name of newChains) out.push(`add chain ${t} ${name}`);
  // 2. Contents: sets, then group chains, then resource chains.
  // Element by element: re-adding a whole set of members would cost as much as the set is big.
  for (const [name, spec] of changedSets) {
    const before = new Set(from.sets.get(name)?.elements ?? []);
    const after = new Set(spec.elements);
    const gone = [...before].filter((e) => !after.has(e));
    const added = spec.elements.filter((e) => !before.has(e));
    if (gone.length > 0) out.push(`delete element ${t} ${name} { ${gone.join(", ")} }`);
    if (added.length > 0) out.push(`add element ${t} ${name} { ${added.join(", ")} }`);
  }
  for (const [name, lines] of changedChains) {
    if (from.chains.has(name)) out.push(`flush chain ${t} ${name}`);
    if (lines.length > 0) out.push(`table ${t} {`, `  chain ${name} {`, ...lines.map((l) => `    ${l}`), "  }", "}");
  }
  // 3. The interface maps.
  for (const [name, before, after] of [
    [INGRESS_MAP, from.ingress, to.ingress],
    [EGRESS_MAP, from.egress, to.egress],
  ] as const) {
    const gone = [...before].filter(([ifname, chain]) => after.get(ifname) !== chain).map(([ifname]) => ifname);
    const added = new Map([...after].filter(([ifname, chain]) => before.get(ifname) !== chain));
    if (gone.length > 0) out.push(`delete element ${t} ${name} { ${gone.map((i) => JSON.stringify(i)).join(", ")} }`);
    if (added.size > 0) out.push(`add element ${t} ${name} { ${mapElements(added)} }`);
  }
  // 4. What nothing names any more: resource chains (their map entries are gone), then group chains, then sets.
  const goneChains = [...from.chains.keys()]
    .filter((name) => !to.chains.has(name))
    .sort((a, b) => chainOrder(b) - chainOrder(a));
  for (const name of goneChains) out.push(`delete chain ${t} ${name}`);
  for (const name of from.sets.keys()) if (!to.sets.has(name)) out.push(`delete set ${t} ${name}`);
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
