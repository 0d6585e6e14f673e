// The race test's oracle: a model of the bindings world, and a checker that explains a committed write log as a
// serial history of the requests that succeeded (the "no lost update" proof of race.e2e.test.ts; see its header).
import { ApiError } from "@sgplane/catalogue";
import { planAssociate, planUpdateAssociation } from "../src/domain/associate.ts";
import type { Binding, BindingPlan, BindingWorld, PriorityEntry } from "../src/domain/binding-model.ts";
import { planDisassociate } from "../src/domain/disassociate.ts";

export interface RaceConfig {
  readonly vpcId: string;
  readonly resources: readonly string[];
  readonly groupQuota: number;
  readonly groupsPerResource: number;
}

export type Op =
  | { readonly action: "AssociateSecGroup"; readonly resourceIds: readonly string[]; readonly entries: PriorityEntry[] }
  | {
      readonly action: "DisassociateSecGroup";
      readonly secGroupIds: readonly string[];
      readonly resourceIds: readonly string[];
    }
  | {
      readonly action: "UpdateSecGroupAssociation";
      readonly resourceId: string;
      readonly oldIds: readonly string[];
      readonly entries: PriorityEntry[];
    }
  | { readonly action: "DeleteSecGroup"; readonly secGroupIds: readonly string[] }
  | { readonly action: "CreateSecGroup" }
  | { readonly action: "DescribeResourceSecGroup"; readonly resourceIds: readonly string[] };

/** One request as the client saw it: when it was sent and answered (ms, wall clock), and what came back. */
export interface Call {
  readonly n: number;
  readonly op: Op;
  readonly sentAt: number;
  readonly doneAt: number;
  readonly code: number;
  /** CreateSecGroup: the id the server answered. */
  readonly createdId?: string;
  /** DescribeResourceSecGroup: per resource, its bindings as canonical text (see bindingsText). */
  readonly seen?: ReadonlyMap<string, string>;
}

/** One row change the database logged (test-only trigger): key `b <resource> <group>` → priority (0 = unbound), `g <group>` → 1 / 0. */
export interface LogEntry {
  readonly at: number;
  readonly key: string;
  readonly value: number;
  /** The writing transaction, where the engine can tell (PostgreSQL txid); undefined on SQLite. */
  readonly tx?: string;
  /** When that transaction committed (PostgreSQL: a deferred trigger's clock at COMMIT); undefined on SQLite. */
  readonly commitAt?: number;
}

export const isMutating = (op: Op): boolean => op.action !== "DescribeResourceSecGroup";

/** The world as sets: groups that exist, and each resource's bindings. */
export class State {
  readonly groups = new Set<string>();
  readonly bindings = new Map<string, Map<string, number>>();

  constructor(readonly config: RaceConfig) {
    for (const r of config.resources) this.bindings.set(r, new Map());
  }

  get(key: string): number {
    const [kind, a = "", b = ""] = key.split(" ");
    if (kind === "g") return this.groups.has(a) ? 1 : 0;
    return this.bindings.get(a)?.get(b) ?? 0;
  }

  set(key: string, value: number): void {
    const [kind, a = "", b = ""] = key.split(" ");
    if (kind === "g") {
      if (value === 0) this.groups.delete(a);
      else this.groups.add(a);
      return;
    }
    let of = this.bindings.get(a);
    if (of === undefined) {
      of = new Map();
      this.bindings.set(a, of);
    }
    if (value === 0) of.delete(b);
    else of.set(b, value);
  }

  allBindings(): Binding[] {
    return [...this.bindings].flatMap(([resourceId, of]) =>
      [...of].map(([secGroupId, priority]) => ({ resourceId, secGroupId, priority })),
    );
  }

  /** Breaks of the invariants the race must never produce, in this state. */
  violations(): string[] {
    const out: string[] = [];
    if (this.groups.size > this.config.groupQuota)
      out.push(`${this.groups.size} groups > quota ${this.config.groupQuota}`);
    for (const [r, of] of this.bindings) {
      if (of.size === 0) out.push(`${r} has no group`);
      if (of.size > this.config.groupsPerResource) out.push(`${r} has ${of.size} groups`);
      const priorities = [...of.values()];
      if (new Set(priorities).size !== priorities.length) out.push(`${r} has two groups at one priority`);
      if (priorities.some((p) => p < 1 || p > 5)) out.push(`${r} has a priority outside 1-5`);
      for (const g of of.keys()) if (!this.groups.has(g)) out.push(`${r} is bound to deleted group ${g}`);
    }
    return out;
  }
}

export type Diff = Map<string, number>;

export const bindingsText = (bindings: Iterable<readonly [string, number]>): string =>
  [...bindings]
    .map(([g, p]) => `${g}@${p}`)
    .sort()
    .join(",");

function world(s: State, namedGroups: readonly string[]): BindingWorld {
  const groups = new Map(
    namedGroups.filter((g) => s.groups.has(g)).map((g) => [g, { secGroupId: g, vpcId: s.config.vpcId }]),
  );
  const bindings = s.allBindings();
  const groupLoad = new Map<string, number>();
  for (const g of groups.keys()) groupLoad.set(g, bindings.filter((b) => b.secGroupId === g).length);
  return {
    groups,
    resources: new Map(
      s.config.resources.map((r) => [
        r,
        { resourceId: r, vpcId: s.config.vpcId, resourceType: "uhost", securityMode: "SecGroup" as const },
      ]),
    ),
    bindings,
    groupLoad,
    quotas: { secGroupsPerResource: s.config.groupsPerResource, resourcesPerSecGroup: 500 },
  };
}

function planDiff(s: State, plan: BindingPlan): Diff {
  const diff: Diff = new Map();
  for (const p of plan.remove) diff.set(`b ${p.resourceId} ${p.secGroupId}`, 0);
  for (const b of plan.put) diff.set(`b ${b.resourceId} ${b.secGroupId}`, b.priority);
  for (const [k, v] of diff) if (s.get(k) === v) diff.delete(k);
  return diff;
}

/**
 * What the server must answer to `op` in state `s` (RetCode, and the change on success), by the same domain planners
 * the handlers use: the race tests concurrency control, not the binding rules (their own tests cover those).
 */
export function evaluate(op: Op, s: State, createdId?: string): { code: number; diff: Diff } {
  try {
    switch (op.action) {
      case "AssociateSecGroup": {
        const w = world(
          s,
          op.entries.map((e) => e.secGroupId),
        );
        return { code: 0, diff: planDiff(s, planAssociate(w, op.resourceIds, op.entries)) };
      }
      case "UpdateSecGroupAssociation": {
        const w = world(s, [...op.oldIds, ...op.entries.map((e) => e.secGroupId)]);
        return { code: 0, diff: planDiff(s, planUpdateAssociation(w, op.resourceId, op.oldIds, op.entries)) };
      }
      case "DisassociateSecGroup": {
        const request = { secGroupIds: op.secGroupIds, resourceIds: op.resourceIds, force: false };
        return { code: 0, diff: planDiff(s, planDisassociate(world(s, op.secGroupIds), request, "Ignore")) };
      }
      case "DeleteSecGroup": {
        const missing = op.secGroupIds.filter((g) => !s.groups.has(g));
        if (missing.length > 0) return { code: 8039, diff: new Map() };
        const bound = s.allBindings().some((b) => op.secGroupIds.includes(b.secGroupId));
        if (bound) return { code: 58207, diff: new Map() };
        return { code: 0, diff: new Map(op.secGroupIds.map((g) => [`g ${g}`, 0])) };
      }
      case "CreateSecGroup":
        if (s.groups.size >= s.config.groupQuota) return { code: 58201, diff: new Map() };
        return { code: 0, diff: new Map(createdId === undefined ? [] : [[`g ${createdId}`, 1]]) };
      case "DescribeResourceSecGroup":
        return { code: 0, diff: new Map() };
    }
  } catch (e) {
    if (e instanceof ApiError) return { code: e.retCode, diff: new Map() };
    throw e;
  }
}

const sameDiff = (a: Diff, b: Diff): boolean => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

export interface CheckOptions {
  /** Clock slack between the client's and the database's timestamps, ms. */
  readonly slackMs: number;
  /** Where the log has no transaction ids: the most row changes one request may log. */
  readonly maxEntriesPerTx: number;
  /** Search steps before giving up (a guard; a correct history needs about one per transaction). */
  readonly budget: number;
}

export interface Verdict {
  readonly problems: string[];
  /** Transactions the log was explained as, in order, each with the call that made it. */
  readonly transactions: number;
  readonly noOps: number;
  readonly steps: number;
  readonly final: State;
}

/**
 * PostgreSQL: group the log by transaction, in commit order; per resource, and per group row, transactions must not
 * interleave. (Bindings of one group on different resources may: binding writers lock resources, not groups, and the
 * replay in commit order is what proves their changes serial.)
 */
export function orderByTransaction(log: readonly LogEntry[]): {
  entries: LogEntry[];
  ends: number[];
  problems: string[];
} {
  const problems: string[] = [];
  // Per resource and per group row, the writing transactions must follow each other, never interleave.
  const lastTx = new Map<string, string>();
  const closed = new Map<string, Set<string>>();
  for (const e of log) {
    const [kind, a = ""] = e.key.split(" ");
    for (const scope of kind === "g" ? [`group ${a}`] : [`resource ${a}`]) {
      const tx = e.tx ?? "";
      const last = lastTx.get(scope);
      if (last === tx) continue;
      const done = closed.get(scope) ?? new Set<string>();
      if (done.has(tx)) problems.push(`transactions interleaved on ${scope} (tx ${tx} wrote again after tx ${last})`);
      if (last !== undefined) done.add(last);
      closed.set(scope, done);
      lastTx.set(scope, tx);
    }
  }
  const byTx = new Map<string, LogEntry[]>();
  for (const e of log) {
    const list = byTx.get(e.tx ?? "") ?? [];
    list.push(e);
    byTx.set(e.tx ?? "", list);
  }
  const entries: LogEntry[] = [];
  const ends: number[] = [];
  const transactions = [...byTx.values()];
  // Commit order where known (what a snapshot sees); otherwise first-change order. For two transactions on one row
  // they agree: the second waited for the first's lock, so it wrote and committed after the first committed.
  if (transactions.every((list) => list[0]?.commitAt !== undefined)) {
    transactions.sort((a, b) => (a[0]?.commitAt ?? 0) - (b[0]?.commitAt ?? 0));
  }
  for (const list of transactions) {
    entries.push(...list);
    ends.push(entries.length);
  }
  return { entries, ends, problems };
}

/**
 * Explains the log as a serial history: consecutive runs of it (one per transaction: given by `ends`, or searched
 * for where the engine has no transaction ids), each equal to the change that one successful call makes in the state
 * left by the runs before, written while that call was in flight. Every other successful call must have been a
 * no-op in some state that held while it was in flight; every failed call must get its RetCode in some such state;
 * every read must have seen some such state; and every state along the way must keep the invariants.
 */
export function explainHistory(
  initial: State,
  calls: readonly Call[],
  log: readonly LogEntry[],
  ends: readonly number[] | undefined,
  options: CheckOptions,
): Verdict {
  const { slackMs: slack } = options;
  const state = cloneState(initial);
  const successes = calls.filter((c) => c.code === 0 && isMutating(c.op)).sort((a, b) => a.doneAt - b.doneAt);
  const matched = new Set<number>();
  const noop = new Set<number>();
  const endAfter = new Map<number, number>();
  if (ends !== undefined) {
    let start = 0;
    for (const end of ends) {
      endAfter.set(start, end);
      start = end;
    }
  }
  const path: { start: number; end: number; call: Call }[] = [];
  let steps = 0;

  const overlaps = (c: Call, from: number, to: number) => c.sentAt - slack <= to && c.doneAt + slack >= from;
  /**
   * When the state after a transaction held: from its commit to the next transaction's commit. With commit times
   * (PostgreSQL, log in commit order) that is exact. Without (SQLite), the single writer gives bounds instead: a
   * transaction commits after its first change and before the next one's first change, so the state after the
   * transaction starting at `start` held within [its first change, the first change of the one after next].
   * (Write times alone would not do: under load a commit can come long after a transaction's last change.)
   */
  const byCommit = log.length > 0 && log.every((e) => e.commitAt !== undefined);
  const span = (start: number | undefined, end: number, afterNext: number | undefined): [number, number] => {
    const from = start === undefined ? undefined : byCommit ? log[start]?.commitAt : log[start]?.at;
    const to = byCommit ? log[end]?.commitAt : afterNext === undefined ? undefined : log[afterNext]?.at;
    return [from ?? Number.NEGATIVE_INFINITY, to ?? Number.POSITIVE_INFINITY];
  };
  /** During the search the next transaction's length is unknown without ids: at most maxEntriesPerTx changes. */
  const afterNextBound = (end: number): number =>
    endAfter.get(end) ?? Math.min(log.length, end + options.maxEntriesPerTx);

  /** Marks the successful calls that are no-ops in the current state, which holds over [from, to]. */
  function markNoOps(from: number, to: number): number[] {
    const marked: number[] = [];
    for (const c of successes) {
      if (matched.has(c.n) || noop.has(c.n) || !overlaps(c, from, to)) continue;
      const o = evaluate(c.op, state, c.createdId);
      if (o.code === 0 && o.diff.size === 0) {
        noop.add(c.n);
        marked.push(c.n);
      }
    }
    return marked;
  }

  function netDiff(start: number, end: number): Diff {
    const after = new Map<string, number>();
    for (let i = start; i < end; i++) {
      const e = log[i];
      if (e !== undefined) after.set(e.key, e.value);
    }
    for (const [k, v] of after) if (state.get(k) === v) after.delete(k);
    return after;
  }

  let furthest = 0;
  function solve(i: number): boolean {
    if (++steps > options.budget) throw new Error(`history search exceeded ${options.budget} steps`);
    furthest = Math.max(furthest, i);
    const t = log[i]?.at ?? Number.POSITIVE_INFINITY;
    // A call answered before this change was written must already be explained.
    for (const c of successes) {
      if (c.doneAt + slack >= t) break;
      if (!matched.has(c.n) && !noop.has(c.n)) return false;
    }
    if (i >= log.length) return true;
    const forced = endAfter.get(i);
    const diffs = new Map<number, Diff>();
    for (const c of successes) {
      if (matched.has(c.n) || !overlaps(c, t, t)) continue;
      const o = evaluate(c.op, state, c.createdId);
      if (o.code !== 0 || o.diff.size === 0) continue;
      const candidates =
        forced !== undefined
          ? [forced]
          : Array.from({ length: Math.min(options.maxEntriesPerTx, log.length - i) }, (_, k) => i + k + 1);
      for (const end of candidates) {
        const last = log[end - 1];
        if (last === undefined || last.at > c.doneAt + slack) break;
        let d = diffs.get(end);
        if (d === undefined) {
          d = netDiff(i, end);
          diffs.set(end, d);
        }
        if (!sameDiff(d, o.diff)) continue;
        const undo = [...o.diff.keys()].map((k) => [k, state.get(k)] as const);
        for (const [k, v] of o.diff) state.set(k, v);
        matched.add(c.n);
        path.push({ start: i, end, call: c });
        const marked = markNoOps(...span(i, end, afterNextBound(end)));
        if (solve(end)) return true;
        for (const n of marked) noop.delete(n);
        path.pop();
        matched.delete(c.n);
        for (const [k, v] of undo) state.set(k, v);
      }
    }
    return false;
  }

  markNoOps(...span(undefined, 0, afterNextBound(0)));
  const problems: string[] = [];
  if (!solve(0)) {
    const stuck = log[furthest];
    problems.push(
      `no serial history of the successful calls explains the write log (at best the first ${furthest} of ` +
        `${log.length} row changes; the next, ${stuck?.key} → ${stuck?.value}, is no successful request's change)`,
    );
    return { problems, transactions: path.length, noOps: noop.size, steps, final: state };
  }

  // Walk the history found: invariants in every state; failures and reads each match a state of their time.
  const replay = cloneState(initial);
  const failures = calls.filter((c) => c.code !== 0);
  const reads = calls.filter((c) => c.op.action === "DescribeResourceSecGroup" && c.code === 0);
  const explainedFailures = new Set<number>();
  const explainedReads = new Set<number>();
  const visit = (from: number, to: number) => {
    for (const v of replay.violations()) problems.push(`invariant broken in a committed state: ${v}`);
    for (const c of failures) {
      if (!explainedFailures.has(c.n) && overlaps(c, from, to) && evaluate(c.op, replay, c.createdId).code === c.code) {
        explainedFailures.add(c.n);
      }
    }
    for (const c of reads) {
      if (explainedReads.has(c.n) || !overlaps(c, from, to)) continue;
      const same = [...(c.seen ?? [])].every(
        ([r, text]) => bindingsText(replay.bindings.get(r) ?? new Map<string, number>()) === text,
      );
      if (same) explainedReads.add(c.n);
    }
  };
  visit(...span(undefined, 0, path[0]?.end));
  path.forEach((step, j) => {
    for (let i = step.start; i < step.end; i++) {
      const e = log[i];
      if (e !== undefined) replay.set(e.key, e.value);
    }
    visit(...span(step.start, step.end, path[j + 1]?.end));
  });
  for (const c of failures) {
    if (!explainedFailures.has(c.n)) {
      problems.push(`call #${c.n} ${c.op.action} answered ${c.code}, which no state of its time explains`);
    }
  }
  for (const c of reads) {
    if (explainedReads.has(c.n)) continue;
    if (byCommit && seenInSomeVisibilityOrder(c, initial, log, path, slack)) continue;
    problems.push(`read #${c.n} saw bindings that no committed state of its time had`);
  }
  const noOps = [...noop].filter((n) => !matched.has(n)).length;
  return { problems: [...new Set(problems)], transactions: path.length, noOps, steps, final: replay };
}

/** The rows a transaction's writers lock, so that its writers commit (and become visible) one after the other. */
const lockScope = (key: string): string => {
  const [kind, a = ""] = key.split(" ");
  return kind === "g" ? `group ${a}` : `resource ${a}`;
};

/**
 * Whether a read saw a snapshot of some order in which the transactions around it became visible. PostgreSQL makes a
 * transaction visible some time after its deferred trigger read the clock (the commit record is written and flushed
 * in between, which under load takes tens of ms), so commits on different rows may have become visible in another
 * order than their clocks say, and the read may have seen a later one without an earlier one: a state the
 * commit-clock order never passes through. Certain are only: a transaction whose request was answered before the read
 * was sent is visible to it (visible before its reply), and one whose clock is after the read was answered is not
 * (the clock comes before visibility). A snapshot is any set of the others that holds, with each one, every earlier
 * writer of the same rows (the second waited for the first's lock, released only once the first is visible). Each
 * resource the read saw must show the state after a prefix of its own writers.
 */
function seenInSomeVisibilityOrder(
  read: Call,
  initial: State,
  log: readonly LogEntry[],
  path: readonly { start: number; end: number; call: Call }[],
  slack: number,
): boolean {
  const seen = read.seen ?? new Map<string, string>();
  const base = cloneState(initial);
  // After the certain prefix, in commit-clock order; `visible`: certainly in the snapshot.
  const open: { entries: LogEntry[]; scopes: Set<string>; visible: boolean }[] = [];
  for (const { start, end, call } of path) {
    if ((log[start]?.commitAt ?? Number.POSITIVE_INFINITY) > read.doneAt + slack) break;
    const entries = log.slice(start, end);
    const visible = call.doneAt < read.sentAt;
    if (visible && open.length === 0) for (const e of entries) base.set(e.key, e.value);
    else open.push({ entries, scopes: new Set(entries.map((e) => lockScope(e.key))), visible });
  }
  // Per resource seen: its writers in the window, and how many of them the snapshot may have held.
  const resources = [...seen.keys()];
  const writers = resources.map((r) => open.flatMap((tx, i) => (tx.scopes.has(`resource ${r}`) ? [i] : [])));
  const prefixes = resources.map((r, j) => {
    const state = cloneState(base);
    const text = () => bindingsText(state.bindings.get(r) ?? new Map<string, number>());
    const fits: number[] = text() === seen.get(r) ? [0] : [];
    (writers[j] ?? []).forEach((i, k) => {
      for (const e of open[i]?.entries ?? []) if (e.key.startsWith(`b ${r} `)) state.set(e.key, e.value);
      if (text() === seen.get(r)) fits.push(k + 1);
    });
    return fits;
  });
  if (prefixes.some((fits) => fits.length === 0)) return false;
  const held = (choice: readonly number[]): boolean => {
    const snapshot = new Set<number>();
    const add = (i: number) => {
      if (snapshot.has(i)) return;
      snapshot.add(i);
      for (let earlier = 0; earlier < i; earlier++) {
        if ([...(open[earlier]?.scopes ?? [])].some((scope) => open[i]?.scopes.has(scope))) add(earlier);
      }
    };
    open.forEach((tx, i) => {
      if (tx.visible) add(i);
    });
    choice.forEach((k, j) => {
      for (const i of (writers[j] ?? []).slice(0, k)) add(i);
    });
    return choice.every((k, j) => {
      const next = writers[j]?.[k];
      return next === undefined || !snapshot.has(next);
    });
  };
  // Every combination of prefixes (reads see a few resources, each with a few writers in its window).
  const search = (j: number, choice: number[]): boolean =>
    j === resources.length ? held(choice) : (prefixes[j] ?? []).some((k) => search(j + 1, [...choice, k]));
  return search(0, []);
}

export function cloneState(s: State): State {
  const copy = new State(s.config);
  for (const g of s.groups) copy.groups.add(g);
  for (const [r, of] of s.bindings) copy.bindings.set(r, new Map(of));
  return copy;
}
