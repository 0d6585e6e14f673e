// An independent reference model of the binding actions, written from secgroup-api.md §3.9–3.12 and operator.md.
// It shares no code with src/domain: it predicts, for one request, either the next bindings or the RetCodes allowed.

/** resource → (group → priority) */
export type Bindings = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface ModelWorld {
  readonly resources: ReadonlyMap<string, { readonly vpc: string; readonly secGroupMode: boolean }>;
  readonly groups: ReadonlyMap<string, { readonly vpc: string }>;
  readonly perResource: number;
  readonly perGroup: number;
  readonly strictNotBound: boolean;
}

export interface Entry {
  readonly g: string;
  readonly p: number;
}

/**
 * A failure lists every RetCode the spec allows for it. §1.8 orders parameter checks (220/230) before business checks
 * (8039, then the 58xxx conflicts), so only the first tier that has a violation counts; within a tier any violated
 * rule is a correct answer (the spec does not rank them).
 */
export type Verdict = { readonly ok: true; readonly next: Bindings } | { readonly ok: false; readonly codes: number[] };

const dedup = (ids: readonly string[]) => [...new Set(ids.filter((id) => id !== ""))];
const hasDuplicate = (xs: readonly unknown[]) => new Set(xs).size !== xs.length;
const fail = (codes: Iterable<number>): Verdict => ({ ok: false, codes: [...new Set(codes)].sort() });

function copy(b: Bindings): Map<string, Map<string, number>> {
  return new Map([...b].map(([r, m]) => [r, new Map(m)]));
}

function groupsOf(b: Bindings, r: string): ReadonlyMap<string, number> {
  return b.get(r) ?? new Map();
}

function load(b: Bindings, g: string): number {
  let n = 0;
  for (const m of b.values()) if (m.has(g)) n++;
  return n;
}

/** Tier 2 of §1.8: ids not in the caller's scope (unknown, or another company's). */
function unknownIds(w: ModelWorld, groups: readonly string[], resources: readonly string[]): boolean {
  return groups.some((g) => !w.groups.has(g)) || resources.some((r) => !w.resources.has(r));
}

/** The final-state rules of §3.9 for the resources a request binds to and the groups it binds. */
function finalStateProblems(w: ModelWorld, before: Bindings, after: Bindings, resources: string[], groups: string[]) {
  const codes: number[] = [];
  for (const r of resources) {
    const m = groupsOf(after, r);
    if (m.size > w.perResource) codes.push(58204);
    if (hasDuplicate([...m.values()])) codes.push(58205);
  }
  for (const g of groups) if (load(after, g) > w.perGroup && load(after, g) > load(before, g)) codes.push(58206);
  return codes;
}

function bindTargetProblems(w: ModelWorld, pairs: readonly { r: string; g: string }[]): number[] {
  const codes: number[] = [];
  if (pairs.some(({ r }) => w.resources.get(r)?.secGroupMode !== true)) codes.push(58210);
  if (pairs.some(({ r, g }) => w.resources.get(r)?.vpc !== w.groups.get(g)?.vpc)) codes.push(58209);
  return codes;
}

function entryShapeProblems(entries: readonly Entry[]): number[] {
  const codes: number[] = [];
  if (entries.length === 0) codes.push(220);
  if (entries.some((e) => !Number.isInteger(e.p) || e.p < 1 || e.p > 5)) codes.push(230);
  if (hasDuplicate(entries.map((e) => e.g)) || hasDuplicate(entries.map((e) => e.p))) codes.push(230);
  return codes;
}

/** §3.9 AssociateSecGroup. */
export function associate(
  w: ModelWorld,
  b: Bindings,
  resourceIds: readonly string[],
  entries: readonly Entry[],
): Verdict {
  const resources = dedup(resourceIds);
  const shape = entryShapeProblems(entries);
  if (resources.length === 0) shape.push(220);
  if (resources.length > 1 && entries.length > 1) shape.push(230);
  if (shape.length > 0) return fail(shape);
  const groups = entries.map((e) => e.g);
  if (unknownIds(w, groups, resources)) return fail([8039]);
  const next = copy(b);
  for (const r of resources) {
    const m = next.get(r) ?? new Map<string, number>();
    for (const e of entries) m.set(e.g, e.p);
    next.set(r, m);
  }
  const codes = [
    ...bindTargetProblems(
      w,
      resources.flatMap((r) => groups.map((g) => ({ r, g }))),
    ),
    ...finalStateProblems(w, b, next, resources, groups),
  ];
  return codes.length > 0 ? fail(codes) : { ok: true, next };
}

/** §3.10 AssociateSecGroupDynamic: the group takes priority 1; holders move down one step until a free slot. */
export function associateDynamic(w: ModelWorld, b: Bindings, resourceIds: readonly string[], g: string): Verdict {
  const resources = dedup(resourceIds);
  if (resources.length === 0) return fail([220]);
  if (resources.length > 20) return fail([230]);
  if (unknownIds(w, [g], resources)) return fail([8039]);
  const targets = resources.filter((r) => !groupsOf(b, r).has(g));
  const codes = bindTargetProblems(
    w,
    targets.map((r) => ({ r, g })),
  );
  if (targets.some((r) => groupsOf(b, r).size >= w.perResource)) codes.push(58204);
  if (targets.length > 0 && load(b, g) + targets.length > w.perGroup) codes.push(58206);
  if (codes.length > 0) return fail(codes);
  const next = copy(b);
  for (const r of targets) {
    const old = groupsOf(b, r);
    const holder = new Map([...old].map(([group, p]) => [p, group]));
    const m = new Map(old);
    for (let p = 1; holder.has(p); p++) m.set(holder.get(p) ?? "", p + 1);
    m.set(g, 1);
    next.set(r, m);
  }
  return { ok: true, next };
}

/** §3.11 UpdateSecGroupAssociation: on one resource, unbind the old groups that are bound, then bind the new ones. */
export function updateAssociation(
  w: ModelWorld,
  b: Bindings,
  r: string,
  oldIds: readonly string[],
  entries: readonly Entry[],
): Verdict {
  const old = dedup(oldIds);
  const shape = entryShapeProblems(entries);
  if (r === "") shape.push(220);
  if (old.length === 0) shape.push(220);
  if (shape.length > 0) return fail(shape);
  const groups = entries.map((e) => e.g);
  if (unknownIds(w, [...old, ...groups], [r])) return fail([8039]);
  const before = groupsOf(b, r);
  const m = new Map(before);
  for (const g of old) m.delete(g);
  for (const e of entries) m.set(e.g, e.p);
  const next = copy(b);
  next.set(r, m);
  const codes = [
    ...bindTargetProblems(
      w,
      groups.map((g) => ({ r, g })),
    ),
    ...finalStateProblems(w, b, next, [r], groups),
  ];
  if (before.size > 0 && m.size === 0) codes.push(58208);
  return codes.length > 0 ? fail(codes) : { ok: true, next };
}

/** §3.12 DisassociateSecGroup, with operator.md's keep-one-group rule (SecGroup mode) and NotBound policy. */
export function disassociate(
  w: ModelWorld,
  b: Bindings,
  groupIds: readonly string[],
  resourceIds: readonly string[],
  force: boolean,
): Verdict {
  const groups = dedup(groupIds);
  const resources = dedup(resourceIds);
  if (groups.length === 0 && resources.length === 0) return fail([220]);
  if (groups.length > 1 && resources.length > 1) return fail([230]);
  if (unknownIds(w, groups, resources)) return fail([8039]);
  const next = copy(b);
  const affected = new Set<string>();
  for (const [r, m] of next) {
    if (resources.length > 0 && !resources.includes(r)) continue;
    for (const g of [...m.keys()]) {
      if (groups.length > 0 && !groups.includes(g)) continue;
      m.delete(g);
      affected.add(r);
    }
  }
  const codes: number[] = [];
  if (w.strictNotBound && groups.length > 0 && resources.length > 0) {
    if (resources.some((r) => groups.some((g) => !groupsOf(b, r).has(g)))) codes.push(58211);
  }
  const emptied = [...affected].filter(
    (r) => w.resources.get(r)?.secGroupMode === true && groupsOf(next, r).size === 0,
  );
  if (!force && emptied.length > 0) codes.push(58208);
  return codes.length > 0 ? fail(codes) : { ok: true, next };
}

/** Sorted "resource/group@priority" strings, the form both sides are compared in. */
export function bindingList(b: Bindings): string[] {
  return [...b].flatMap(([r, m]) => [...m].map(([g, p]) => `${r}/${g}@${p}`)).sort();
}
