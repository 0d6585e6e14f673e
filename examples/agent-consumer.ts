// An agent that keeps each resource's effective rule set up to date from the change feed (list, then watch):
// a snapshot builds the view, followEvents applies every change after it, and a line is printed whenever what a
// resource lets through changes. The view and its cursor are saved after every change, so a restart resumes
// where it stopped; an expired cursor (the agent was away longer than the feed's retention) re-takes the snapshot.
// Against a running `npm start` (examples/seed.json):
//   node --import tsx examples/agent-consumer.ts [http://127.0.0.1:8080] [--state data/agent-consumer.json]
// Ctrl-C stops it; run it again and it goes on from the saved cursor.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import type { feedModels } from "@sgplane/catalogue";
import { FeedCursorExpiredError, type FeedEvent, SgplaneClient } from "@sgplane/sdk";

type Rule = feedModels.RuleState;
type Binding = feedModels.BindingState;

/** What the agent knows: groups' rules and resources' bindings, and the feed position that knowledge is at. */
interface View {
  cursor: string;
  /** SecGroupId → name. */
  groups: Record<string, string>;
  /** RuleId → rule. */
  rules: Record<string, Rule>;
  /** ResourceId → its bindings. */
  bindings: Record<string, Binding[]>;
}

const { values, positionals } = parseArgs({
  options: { state: { type: "string", default: "data/agent-consumer.json" } },
  allowPositionals: true,
});
const stateFile = values.state;
const client = new SgplaneClient({
  baseUrl: positionals[0] ?? "http://127.0.0.1:8080",
  publicKey: process.env.SGPLANE_PUBLIC_KEY ?? "demo-public-key",
  privateKey: process.env.SGPLANE_PRIVATE_KEY ?? "demo-private-key",
  region: process.env.SGPLANE_REGION ?? "cn-bj2",
});

async function snapshot(): Promise<View> {
  const s = await client.describeFeedSnapshot();
  const view: View = { cursor: s.Cursor, groups: {}, rules: {}, bindings: {} };
  for (const g of s.SecGroups) view.groups[g.SecGroupId] = g.Name;
  for (const r of s.Rules) view.rules[r.RuleId] = r;
  for (const r of s.Resources) view.bindings[r.ResourceId] = [];
  for (const b of s.Bindings) view.bindings[b.ResourceId] = [...(view.bindings[b.ResourceId] ?? []), b];
  return view;
}

function load(): View | undefined {
  try {
    return JSON.parse(readFileSync(stateFile, "utf8")) as View;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Written to a temporary file and renamed, so a crash mid-write leaves the previous state, never half of one. */
function save(view: View): void {
  mkdirSync(dirname(stateFile), { recursive: true });
  writeFileSync(`${stateFile}.tmp`, JSON.stringify(view));
  renameSync(`${stateFile}.tmp`, stateFile);
}

/** One effective rule: what it lets through (compared) and how to show it (the group's name may change freely). */
interface Effective {
  readonly key: string;
  readonly text: string;
}

/** A resource's effective rules, in evaluation order: by binding priority, then by rule priority. */
function effective(view: View, resourceId: string): Effective[] {
  const bindings = [...(view.bindings[resourceId] ?? [])].sort((a, b) => a.Priority - b.Priority);
  return bindings.flatMap((b) =>
    Object.values(view.rules)
      .filter((r) => r.SecGroupId === b.SecGroupId)
      .sort((x, y) => x.Priority - y.Priority || x.RuleId.localeCompare(y.RuleId))
      .map((r) => {
        const what = `${r.Direction} ${r.ProtocolType} ${r.DstPort} ${r.IPRange} ${r.RuleAction} (rule priority ${r.Priority})`;
        return { key: `${r.RuleId} ${what}`, text: `${view.groups[b.SecGroupId] ?? b.SecGroupId}: ${what}` };
      }),
  );
}

function apply(view: View, event: FeedEvent): void {
  const deleted = event.Change === "Deleted";
  switch (event.Kind) {
    case "SecGroup": {
      const g = event.State as feedModels.SecGroupState;
      if (deleted) delete view.groups[g.SecGroupId];
      else view.groups[g.SecGroupId] = g.Name;
      break;
    }
    case "Rule": {
      const r = event.State as Rule;
      if (deleted) delete view.rules[r.RuleId];
      else view.rules[r.RuleId] = r;
      break;
    }
    case "Binding": {
      const b = event.State as Binding;
      const others = (view.bindings[b.ResourceId] ?? []).filter((x) => x.SecGroupId !== b.SecGroupId);
      view.bindings[b.ResourceId] = deleted ? others : [...others, b];
      break;
    }
    case "Resource": {
      const r = event.State as feedModels.ResourceState;
      if (deleted) delete view.bindings[r.ResourceId];
      else view.bindings[r.ResourceId] ??= [];
      break;
    }
  }
  view.cursor = event.Cursor;
}

function everyEffective(view: View): Map<string, Effective[]> {
  return new Map(Object.keys(view.bindings).map((id) => [id, effective(view, id)]));
}

/** Prints each resource whose effective rule set (the rules, or their order) differs between two moments. */
function report(before: Map<string, Effective[]>, after: Map<string, Effective[]>, why: string): void {
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(id) ?? [];
    const now = after.get(id) ?? [];
    if (was.map((r) => r.key).join("\n") === now.map((r) => r.key).join("\n")) continue;
    const wasKeys = new Set(was.map((r) => r.key));
    const nowKeys = new Set(now.map((r) => r.key));
    console.log(`${id}: effective rules changed (${why}), now ${now.length}`);
    for (const r of was) if (!nowKeys.has(r.key)) console.log(`  - ${r.text}`);
    for (const r of now) if (!wasKeys.has(r.key)) console.log(`  + ${r.text}`);
    if (was.every((r) => nowKeys.has(r.key)) && now.every((r) => wasKeys.has(r.key))) {
      console.log(`  (same rules, new order: ${now.map((r) => r.text).join("; ")})`);
    }
  }
}

const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
process.once("SIGTERM", () => stop.abort());

let view = load();
if (view === undefined) {
  view = await snapshot();
  save(view);
  console.log(`snapshot: ${Object.keys(view.bindings).length} resources, following from ${view.cursor}`);
} else {
  console.log(`resuming from ${view.cursor} (${stateFile})`);
}

while (!stop.signal.aborted) {
  try {
    const follower = client.followEvents({
      after: view.cursor,
      signal: stop.signal,
      onRetry: (error, failures, delayMs) =>
        console.log(`connection lost (${error.message}); retry ${failures} in ${Math.round(delayMs)} ms`),
    });
    for await (const event of follower) {
      const before = everyEffective(view);
      apply(view, event);
      report(before, everyEffective(view), `${event.Type} ${event.ObjectId} by ${event.Action}`);
      save(view);
    }
  } catch (error) {
    if (!(error instanceof FeedCursorExpiredError)) throw error;
    // Too long away: the events after our cursor are gone. Re-list, and report what changed meanwhile.
    console.log(`cursor ${error.cursor} expired: taking a new snapshot`);
    const before = everyEffective(view);
    view = await snapshot();
    report(before, everyEffective(view), "while away");
    save(view);
  }
}
console.log(`stopped at ${view.cursor}`);
