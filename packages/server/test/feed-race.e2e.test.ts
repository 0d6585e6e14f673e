// The change feed under racing writers: thousands of concurrent changes spread over 3 servers on one PostgreSQL
// database (and over 1 server on a SQLite file) while followers — long-poll DescribeFeedEvents and GET /feed SSE —
// follow the feed, each connected to a random server, dropping their connection at random moments and resuming from
// their last cursor on another server. What the followers receive must be the one true history of the writes:
//
//   (a) every follower gets positions 1..head, each exactly once, in order (no gap, no repeat across resumes);
//   (b) all followers agree on the event at each position;
//   (c) every successful mutation's RequestId is in the feed with exactly the events that request makes in the state
//       the events before it leave (a rename: one SecGroupUpdated with its name; a bind: a BindingAdded or a
//       BindingPriorityChanged at its priority, or nothing when it was already so; ...), consecutively;
//   (d) no phantom: every event belongs to a successful request (or to the seed load), a refused request has none,
//       and the state folded from the events equals what DescribeSecGroup / DescribeResourceSecGroup read;
//   (e) positions are in commit order as a client can see it: when one request's answer arrived before another was
//       sent, the first one's events have lower positions.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { after, describe, it } from "node:test";
import type { Client } from "@sgplane/sdk";
import { postgresSkipReason, queryDatabase } from "../src/store/postgres/test-database.ts";
import { OPERATOR, type PostgresCluster, type ServerProcess, startPostgresCluster, startServer } from "./harness.ts";
import { generator } from "./seeded-random.ts";

const REQUESTS = Number(process.env.SGPLANE_FEED_RACE_REQUESTS ?? 3000);
const IN_FLIGHT = 32;
const LONG_POLL_FOLLOWERS = 3;
const SSE_FOLLOWERS = 3;
const SEED = Number(process.env.SGPLANE_FEED_RACE_SEED ?? 20260517);
/** A follower drops its connection and resumes elsewhere after a random time in this range. */
const RESUME_MIN_MS = 150;
const RESUME_MAX_MS = 1200;
/** How long followers may take to reach the final head once the writes are over. */
const CATCH_UP_MS = 60_000;

const COMPANY = 72001;
const PROJECT = "org-frace1";
const REGION = "cn-bj2";
const VPC = "uvnet-frace1";
const KEY = { publicKey: "frace-root-pub", privateKey: "frace-root-priv" };
const RESOURCES = Array.from({ length: 8 }, (_, i) => `uhost-frace${i + 1}`);
const GROUPS = Array.from({ length: 8 }, (_, i) => `secgroup-frace${i + 1}`);

const SEED_FILE = {
  Regions: [REGION],
  Companies: [
    {
      CompanyId: COMPANY,
      Name: "feed race",
      Projects: [{ ProjectId: PROJECT, Name: "Default", Default: true }],
      Users: [{ Name: "root", SubAccount: false, Keys: [{ PublicKey: KEY.publicKey, PrivateKey: KEY.privateKey }] }],
      Quotas: { SecGroupsPerCompany: 1000, SecGroupsPerResource: 5, ResourcesPerSecGroup: 500, RulesPerDirection: 40 },
      Policies: { DisassociateNotBound: "Ignore" },
      VPCs: [{ VPCId: VPC, Region: REGION, ProjectId: PROJECT, Name: "feed race" }],
      Resources: RESOURCES.map((r) => ({
        ResourceId: r,
        ResourceType: "uhost",
        Region: REGION,
        ProjectId: PROJECT,
        VPCId: VPC,
        Name: r,
        SecurityMode: "SecGroup",
      })),
      SecGroups: GROUPS.map((g) => ({ SecGroupId: g, Region: REGION, ProjectId: PROJECT, VPCId: VPC, Name: g })),
      Bindings: RESOURCES.flatMap((r, i) => [
        { ResourceId: r, SecGroupId: GROUPS[i] ?? "", Priority: 1 },
        { ResourceId: r, SecGroupId: GROUPS[(i + 1) % GROUPS.length] ?? "", Priority: 2 },
      ]),
    },
  ],
};

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Op =
  | { readonly kind: "rename"; readonly group: string; readonly name: string }
  | { readonly kind: "renameMissing"; readonly group: string }
  | { readonly kind: "createGroup"; readonly name: string }
  | { readonly kind: "createRule"; readonly group: string; readonly direction: string; readonly priority: number }
  | { readonly kind: "deleteRule"; readonly group: string; readonly ruleId: string }
  | { readonly kind: "bind"; readonly resource: string; readonly group: string; readonly priority: number }
  | { readonly kind: "unbind"; readonly resource: string; readonly group: string };

interface Call {
  readonly n: number;
  readonly op: Op;
  readonly requestId: string;
  readonly sentAt: number;
  readonly doneAt: number;
  readonly code: number;
  readonly body: Record<string, unknown>;
}

function wire(op: Op, n: number): [string, Record<string, unknown>] {
  switch (op.kind) {
    case "rename":
      return ["UpdateSecGroup", { SecGroupId: [op.group], Name: op.name }];
    case "renameMissing":
      return ["UpdateSecGroup", { SecGroupId: [op.group], Name: `never-${n}` }];
    case "createGroup":
      return ["CreateSecGroup", { VPCID: VPC, Name: op.name }];
    case "createRule":
      return [
        "CreateSecGroupRule",
        {
          SecGroupId: op.group,
          Rule: [
            {
              Direction: op.direction,
              ProtocolType: "TCP",
              DstPort: String(1000 + (n % 5000)),
              IPRange: "10.0.0.0/8",
              Priority: op.priority,
              RuleAction: "Accept",
            },
          ],
        },
      ];
    case "deleteRule":
      return ["DeleteSecGroupRule", { SecGroupId: op.group, RuleId: [op.ruleId] }];
    case "bind":
      return [
        "AssociateSecGroup",
        { ResourceId: [op.resource], PrioritySecGroup: [{ SecGroupId: op.group, Priority: op.priority }] },
      ];
    case "unbind":
      return ["DisassociateSecGroup", { SecGroupId: [op.group], ResourceId: [op.resource] }];
  }
}

/** The writers: REQUESTS calls, IN_FLIGHT at a time, each on a random server. */
async function writeLoad(
  servers: readonly ServerProcess[],
  rand: () => number,
): Promise<{ calls: Call[]; ms: number }> {
  const clients = servers.map((s) => s.client(KEY, { projectId: PROJECT, region: REGION }));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const groups = [...GROUPS];
  const rules: { group: string; ruleId: string }[] = [];
  const calls: Call[] = [];
  let next = 0;
  const nextOp = (n: number): Op => {
    const x = rand();
    if (x < 0.22) return { kind: "rename", group: pick(groups), name: `name-${n}` };
    if (x < 0.25) return { kind: "renameMissing", group: `secgroup-missing${n}` };
    if (x < 0.3) return { kind: "createGroup", name: `created-${n}` };
    if (x < 0.5) {
      // Priorities from a small range: racing creates collide (RulePriorityConflict) and groups fill up (quota).
      const direction = rand() < 0.5 ? "Ingress" : "Egress";
      return { kind: "createRule", group: pick(groups), direction, priority: 1 + Math.floor(rand() * 50) };
    }
    if (x < 0.6 && rules.length > 0) {
      // Sometimes one that a racing request is deleting too: one succeeds, the other answers RuleNotFound.
      const rule = pick(rules);
      return { kind: "deleteRule", group: rule.group, ruleId: rule.ruleId };
    }
    // Bindings among the seeded groups only, so binds and unbinds keep meeting each other on the same pairs.
    if (x < 0.8) {
      return { kind: "bind", resource: pick(RESOURCES), group: pick(GROUPS), priority: 1 + Math.floor(rand() * 5) };
    }
    return { kind: "unbind", resource: pick(RESOURCES), group: pick(GROUPS) };
  };
  const started = now();
  const worker = async () => {
    for (let n = next++; n < REQUESTS; n = next++) {
      const op = nextOp(n);
      const client = pick(clients);
      const [action, params] = wire(op, n);
      const sentAt = now();
      const { body, requestId } = await client.send(action, params);
      const doneAt = now();
      if (requestId === undefined) throw new Error(`${action}: no X-UCloud-Request-UUID`);
      const code = typeof body.RetCode === "number" ? body.RetCode : -1;
      calls.push({ n, op, requestId, sentAt, doneAt, code, body });
      if (code !== 0) continue;
      if (op.kind === "createGroup") groups.push(String(body.SecGroupId));
      if (op.kind === "createRule") {
        for (const ruleId of body.RuleId as string[]) rules.push({ group: op.group, ruleId });
      }
      if (op.kind === "deleteRule") {
        const i = rules.findIndex((r) => r.ruleId === op.ruleId);
        if (i >= 0) rules.splice(i, 1);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return { calls: calls.sort((a, b) => a.n - b.n), ms: now() - started };
}

/** A feed event as a follower received it: its position, and its content as canonical JSON (keys sorted). */
interface Received {
  readonly position: number;
  readonly text: string;
  readonly event: WireEvent;
}

interface WireEvent {
  readonly Position: number;
  readonly Cursor: string;
  readonly Type: string;
  readonly ObjectId: string;
  readonly RequestId: string;
  readonly Action: string;
  readonly State: Record<string, unknown>;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** What the followers share: the servers, the feed id, and (once the writes are over) the head to reach. */
interface FollowWorld {
  readonly servers: readonly ServerProcess[];
  readonly operators: readonly Client[];
  readonly feedId: string;
  target: number | undefined;
  stopped: boolean;
}

interface Follower {
  readonly name: string;
  readonly received: Received[];
  readonly problems: string[];
  resumes: number;
  /** Servers it was connected to, in order. */
  readonly visited: number[];
  done: Promise<void>;
}

function makeFollower(name: string): Follower {
  return { name, received: [], problems: [], resumes: 0, visited: [], done: Promise.resolve() };
}

/** Takes one event; a position that is not the next one is a problem (a gap, a repeat or a step back). */
function take(f: Follower, event: WireEvent): void {
  const last = f.received[f.received.length - 1]?.position ?? 0;
  if (event.Position !== last + 1 && f.problems.length < 10) {
    f.problems.push(`${f.name}: position ${event.Position} after ${last} (server ${f.visited.at(-1)})`);
  }
  f.received.push({ position: event.Position, text: canonical(event), event });
}

const lastPosition = (f: Follower): number => f.received[f.received.length - 1]?.position ?? 0;
const reached = (w: FollowWorld, f: Follower): boolean => w.target !== undefined && lastPosition(f) >= w.target;

/** Another server than `current` (the same one when there is only one). */
function otherServer(w: FollowWorld, current: number, rand: () => number): number {
  if (w.servers.length === 1) return 0;
  return (current + 1 + Math.floor(rand() * (w.servers.length - 1))) % w.servers.length;
}

/** Long-poll DescribeFeedEvents; at random moments, aborts the poll in flight and resumes on another server. */
async function longPollFollower(w: FollowWorld, f: Follower, rand: () => number): Promise<void> {
  let server = Math.floor(rand() * w.servers.length);
  let cursor = `${w.feedId}-0`;
  f.visited.push(server);
  let switchAt = now() + RESUME_MIN_MS + rand() * (RESUME_MAX_MS - RESUME_MIN_MS);
  while (!reached(w, f) && !w.stopped) {
    const client = w.operators[server] as Client;
    const controller = new AbortController();
    const cut = setTimeout(() => controller.abort(), Math.max(0, switchAt - now()));
    let body: Record<string, unknown> | undefined;
    try {
      ({ body } = await client.send(
        "DescribeFeedEvents",
        { After: cursor, WaitSeconds: 2, Limit: 50 + Math.floor(rand() * 400) },
        { signal: controller.signal },
      ));
    } catch (error) {
      if (!controller.signal.aborted) f.problems.push(`${f.name}: ${String(error)}`);
    } finally {
      clearTimeout(cut);
    }
    if (body !== undefined) {
      if (body.RetCode !== 0) {
        f.problems.push(`${f.name}: DescribeFeedEvents answered ${JSON.stringify(body)}`);
        return;
      }
      const events = body.Events as WireEvent[];
      for (const e of events) take(f, e);
      // Resume from the reply's Cursor, or now and then from the last event's own: both mean "after this".
      const lastEvent = events[events.length - 1];
      cursor = lastEvent !== undefined && rand() < 0.3 ? lastEvent.Cursor : String(body.Cursor);
    }
    if (now() >= switchAt) {
      server = otherServer(w, server, rand);
      f.visited.push(server);
      f.resumes++;
      switchAt = now() + RESUME_MIN_MS + rand() * (RESUME_MAX_MS - RESUME_MIN_MS);
    }
  }
}

/**
 * GET /feed as Server-Sent Events; at random moments, drops the stream and reconnects to another server, resuming
 * with Last-Event-ID (as EventSource does) or with After in the signed query.
 */
async function sseFollower(w: FollowWorld, f: Follower, rand: () => number): Promise<void> {
  let server = Math.floor(rand() * w.servers.length);
  let cursor = `${w.feedId}-0`;
  let first = true;
  while (!reached(w, f) && !w.stopped) {
    f.visited.push(server);
    const viaHeader = !first && rand() < 0.5;
    first = false;
    const signed = (w.operators[server] as Client).signedParams(
      "DescribeFeedEvents",
      viaHeader ? {} : { After: cursor },
    );
    const query = new URLSearchParams(
      Object.entries(signed).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    const controller = new AbortController();
    const switchAt = now() + RESUME_MIN_MS + rand() * (RESUME_MAX_MS - RESUME_MIN_MS);
    const watch = setInterval(() => {
      if (now() >= switchAt || reached(w, f) || w.stopped) controller.abort();
    }, 20);
    const resumedFrom = cursor;
    try {
      const res = await fetch(`${w.servers[server]?.url}/feed?${query}`, {
        headers: { Accept: "text/event-stream", ...(viaHeader && { "Last-Event-ID": cursor }) },
        signal: controller.signal,
      });
      if (res.status !== 200 || res.body === null) {
        f.problems.push(`${f.name}: GET /feed answered HTTP ${res.status}`);
        return;
      }
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          const fields = new Map<string, string>();
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) continue;
            const colon = line.indexOf(":");
            if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ""));
          }
          const type = fields.get("event");
          const data = fields.get("data");
          if (type === undefined || data === undefined) continue;
          if (type === "ready") {
            const ready = JSON.parse(data) as { Cursor: string };
            if (ready.Cursor !== resumedFrom) {
              f.problems.push(`${f.name}: resumed from ${resumedFrom}, the stream is ready at ${ready.Cursor}`);
            }
          } else if (type === "error") {
            f.problems.push(`${f.name}: stream error ${data}`);
            return;
          } else {
            const event = JSON.parse(data) as WireEvent;
            if (fields.get("id") !== event.Cursor) f.problems.push(`${f.name}: SSE id ${fields.get("id")} ≠ Cursor`);
            if (event.Type !== type) f.problems.push(`${f.name}: SSE event ${type} for a ${event.Type}`);
            take(f, event);
            cursor = event.Cursor;
          }
        }
      }
      // The server ended the stream by itself (it does not while running): resume, as EventSource would.
    } catch (error) {
      if (!controller.signal.aborted) f.problems.push(`${f.name}: ${String(error)}`);
    } finally {
      clearInterval(watch);
    }
    if (!reached(w, f) && !w.stopped) {
      server = otherServer(w, server, rand);
      f.resumes++;
    }
  }
}

/** The world as folded from the feed: each group's name, each rule's group, each binding's priority. */
class Fold {
  readonly names = new Map<string, string>();
  readonly rules = new Map<string, string>();
  readonly bindings = new Map<string, number>();

  apply(e: WireEvent): void {
    const s = e.State;
    switch (e.Type) {
      case "SecGroupCreated":
      case "SecGroupUpdated":
        this.names.set(e.ObjectId, String(s.Name));
        break;
      case "SecGroupDeleted":
        this.names.delete(e.ObjectId);
        break;
      case "RuleCreated":
      case "RuleUpdated":
        this.rules.set(e.ObjectId, String(s.SecGroupId));
        break;
      case "RuleDeleted":
        this.rules.delete(e.ObjectId);
        break;
      case "BindingAdded":
      case "BindingPriorityChanged":
        this.bindings.set(e.ObjectId, Number(s.Priority));
        break;
      case "BindingRemoved":
        this.bindings.delete(e.ObjectId);
        break;
    }
  }
}

/**
 * What a successful request's events must be, given the state the events before them leave (the fold): a list of
 * problems, empty when they are exactly that request's change. `noOp` is set when no events are right.
 */
function judge(call: Call, events: readonly WireEvent[], fold: Fold): string[] {
  const { op } = call;
  const out: string[] = [];
  const one = (type: string, objectId: string, check: (s: Record<string, unknown>) => boolean) => {
    const e = events[0];
    if (events.length !== 1 || e === undefined || e.Type !== type || e.ObjectId !== objectId || !check(e.State)) {
      out.push(`expected one ${type} of ${objectId}, got ${events.map((x) => `${x.Type} ${x.ObjectId}`).join("; ")}`);
    }
  };
  switch (op.kind) {
    case "rename":
      one("SecGroupUpdated", op.group, (s) => s.Name === op.name);
      if (!fold.names.has(op.group)) out.push(`renamed ${op.group}, which the feed does not have`);
      break;
    case "renameMissing":
      out.push("a rename of a missing group succeeded");
      break;
    case "createGroup":
      one("SecGroupCreated", String(call.body.SecGroupId), (s) => s.Name === op.name && s.VPCId === VPC);
      if (fold.names.has(String(call.body.SecGroupId))) out.push("created a group the feed already had");
      break;
    case "createRule": {
      const [ruleId] = call.body.RuleId as string[];
      one(
        "RuleCreated",
        String(ruleId),
        (s) => s.SecGroupId === op.group && s.Priority === op.priority && s.Direction === op.direction,
      );
      if (fold.rules.has(String(ruleId))) out.push(`created rule ${ruleId}, which the feed already had`);
      break;
    }
    case "deleteRule":
      one("RuleDeleted", op.ruleId, (s) => s.SecGroupId === op.group);
      if (fold.rules.get(op.ruleId) !== op.group) out.push(`deleted rule ${op.ruleId}, not in the feed's state`);
      break;
    case "bind": {
      const id = `${op.resource}/${op.group}`;
      const was = fold.bindings.get(id);
      if (was === undefined) one("BindingAdded", id, (s) => s.Priority === op.priority);
      else if (was !== op.priority) one("BindingPriorityChanged", id, (s) => s.Priority === op.priority);
      else if (events.length > 0) out.push(`bound ${id} at its own priority, yet events were written`);
      break;
    }
    case "unbind": {
      const id = `${op.resource}/${op.group}`;
      if (fold.bindings.has(id)) one("BindingRemoved", id, () => true);
      else if (events.length > 0) out.push(`unbound ${id}, which was not bound, yet events were written`);
      break;
    }
  }
  return out;
}

/**
 * A bind or unbind that succeeded without events is right only if, at some moment while it ran, the pair already was
 * as asked (bound at that priority; not bound). Binding writers of one resource are serialised by its lock, so the
 * feed's events of that resource are its history in commit order: the request saw the state after some prefix of
 * it that includes every change answered before it was sent and none sent after it was answered.
 */
function noOpProblem(
  call: Call,
  op: Extract<Op, { kind: "bind" | "unbind" }>,
  calls: readonly Call[],
  spans: ReadonlyMap<string, { first: number; last: number; events: WireEvent[] }>,
  events: readonly WireEvent[],
): string | undefined {
  let lo = 0;
  let hi = Number.POSITIVE_INFINITY;
  for (const other of calls) {
    const span = spans.get(other.requestId);
    if (span === undefined || !span.events.some((e) => e.ObjectId.startsWith(`${op.resource}/`))) continue;
    if (other.doneAt < call.sentAt) lo = Math.max(lo, span.last);
    if (other.sentAt > call.doneAt) hi = Math.min(hi, span.first);
  }
  const id = `${op.resource}/${op.group}`;
  const want = op.kind === "bind" ? op.priority : undefined;
  // The pair's value after each event up to lo, then after each of its changes before hi.
  let value: number | undefined;
  const seen: (number | undefined)[] = [];
  let started = false;
  for (const e of events) {
    if (e.Position > lo && !started) {
      seen.push(value);
      started = true;
    }
    if (e.Position >= hi) break;
    if (e.ObjectId !== id) continue;
    value = e.Type === "BindingRemoved" ? undefined : Number(e.State.Priority);
    if (started) seen.push(value);
  }
  if (!started) seen.push(value);
  if (seen.includes(want)) return undefined;
  return `${id} was ${seen.map(String).join(", ")} between positions ${lo} and ${hi}, never ${String(want)}`;
}

/** Everything the servers answer now about the company: group names, each rule's group, bindings. */
async function apiState(server: ServerProcess): Promise<Fold> {
  const client = server.client(KEY, { projectId: PROJECT, region: REGION });
  const state = new Fold();
  for (let offset = 0; ; offset += 100) {
    const { body } = await client.send("DescribeSecGroup", { VPCId: VPC, Offset: offset, Limit: 100 });
    const page = body.DataSet as { SecGroupId: string; Name: string; Rule: { RuleId: string }[] }[];
    for (const g of page) {
      state.names.set(g.SecGroupId, g.Name);
      for (const r of g.Rule) state.rules.set(r.RuleId, g.SecGroupId);
    }
    if (page.length < 100) break;
  }
  const { body } = await client.send("DescribeResourceSecGroup", { ResourceId: RESOURCES });
  for (const item of body.DataSet as { ResourceId: string; SecGroupInfo: { SecGroupId: string; Priority: number }[] }[])
    for (const g of item.SecGroupInfo) state.bindings.set(`${item.ResourceId}/${g.SecGroupId}`, g.Priority);
  return state;
}

const sorted = (m: ReadonlyMap<string, string | number>): string =>
  [...m]
    .map(([k, v]) => `${k}=${String(v)}`)
    .sort()
    .join("\n");

/** The race and every check; `pendingLeft` asks the database what is committed but not yet numbered. */
async function feedRace(
  t: { diagnostic(message: string): void },
  servers: readonly ServerProcess[],
  pendingLeft?: () => Promise<number>,
): Promise<void> {
  const rand = generator(SEED);
  const operators = servers.map((s) => s.client(OPERATOR, { region: "" }));
  const start = await (operators[0] as Client).call<{ Cursor: string }>("DescribeFeedEvents", {});
  const feedId = start.Cursor.split("-")[0] as string;
  const world: FollowWorld = { servers, operators, feedId, target: undefined, stopped: false };
  const followers: Follower[] = [];
  for (let i = 0; i < LONG_POLL_FOLLOWERS + SSE_FOLLOWERS; i++) {
    const sse = i >= LONG_POLL_FOLLOWERS;
    const f = makeFollower(`${sse ? "sse" : "long-poll"} follower ${i}`);
    const frand = generator(SEED + 1000 + i);
    f.done = (sse ? sseFollower : longPollFollower)(world, f, frand).catch((e: unknown) => {
      f.problems.push(`${f.name} threw ${String(e)}`);
    });
    followers.push(f);
  }

  const { calls, ms } = await writeLoad(servers, rand);
  // Each server answers a head that covers its own commits once its sequencer has numbered them (read your
  // writes); every position below the largest is filled, so the largest covers every write of every server.
  const heads = await Promise.all(
    operators.map(async (c) => (await c.call<{ Head: number }>("DescribeFeedEvents", {})).Head),
  );
  const target = Math.max(...heads);
  world.target = target;
  const caughtUp = await Promise.race([
    Promise.all(followers.map((f) => f.done)).then(() => true),
    sleep(CATCH_UP_MS).then(() => false),
  ]);
  world.stopped = true;
  await Promise.all(followers.map((f) => f.done));
  const pending = pendingLeft === undefined ? 0 : await pendingLeft();

  const successes = calls.filter((c) => c.code === 0).length;
  const histogram: Record<string, number> = {};
  for (const c of calls) histogram[`${c.op.kind} ${c.code}`] = (histogram[`${c.op.kind} ${c.code}`] ?? 0) + 1;
  const resumes = followers.reduce((n, f) => n + f.resumes, 0);
  t.diagnostic(
    `${REQUESTS} requests over ${servers.length} server(s), ${IN_FLIGHT} in flight, ${Math.round(ms)} ms ` +
      `(${Math.round((REQUESTS / ms) * 1000)} req/s), seed ${SEED}; ${successes} succeeded`,
  );
  t.diagnostic(
    `${target} events; ${followers.length} followers (${LONG_POLL_FOLLOWERS} long-poll, ${SSE_FOLLOWERS} SSE), ` +
      `${resumes} resumes in all (${followers.map((f) => f.resumes).join(", ")}), each on another server` +
      (servers.length === 1 ? " (the same one: there is one)" : ""),
  );
  t.diagnostic(`outcomes (kind RetCode): ${JSON.stringify(histogram)}`);

  // (a) gapless, increasing, each position once, 1..target, for every follower.
  const delivery: string[] = [];
  if (!caughtUp) delivery.push(`followers did not reach head ${target} within ${CATCH_UP_MS} ms`);
  if (pending !== 0) delivery.push(`${pending} committed runs still unnumbered in feed_pending`);
  for (const f of followers) {
    delivery.push(...f.problems);
    const positions = f.received.map((r) => r.position);
    if (positions.length !== target || positions.some((p, i) => p !== i + 1)) {
      delivery.push(`${f.name}: received ${positions.length} events, not exactly positions 1..${target}`);
    }
  }

  // (b) every follower has the same event at every position.
  const reference = followers[0] as Follower;
  const disagreements: string[] = [];
  for (const f of followers.slice(1)) {
    for (let i = 0; i < Math.min(f.received.length, reference.received.length); i++) {
      if (f.received[i]?.text !== reference.received[i]?.text && disagreements.length < 10) {
        disagreements.push(
          `position ${i + 1}: ${reference.name} has ${reference.received[i]?.text}, ${f.name} ${f.received[i]?.text}`,
        );
      }
    }
  }

  // (c) and (d): fold the feed in position order, judging each request's events in the state before them.
  const events = reference.received.map((r) => r.event);
  const byRequest = new Map<string, Call>(calls.map((c) => [c.requestId, c]));
  const spans = new Map<string, { first: number; last: number; events: WireEvent[] }>();
  const history: string[] = [];
  const fold = new Fold();
  let seedEvents = 0;
  for (let i = 0; i < events.length; ) {
    const requestId = (events[i] as WireEvent).RequestId;
    let j = i;
    while (j < events.length && (events[j] as WireEvent).RequestId === requestId) j++;
    const group = events.slice(i, j);
    const first = (group[0] as WireEvent).Position;
    const last = (group[group.length - 1] as WireEvent).Position;
    if (spans.has(requestId)) history.push(`request ${requestId}'s events are not consecutive (again at ${first})`);
    spans.set(requestId, { first, last, events: group });
    const call = byRequest.get(requestId);
    if (call === undefined) {
      if (group.some((e) => e.Action !== "Startup")) {
        history.push(`phantom: events ${first}..${last} name request ${requestId}, which no client made`);
      }
      seedEvents += group.length;
    } else if (call.code !== 0) {
      history.push(
        `phantom: refused request #${call.n} (${call.op.kind}, RetCode ${call.code}) has events ${first}..${last}`,
      );
    } else {
      for (const p of judge(call, group, fold)) history.push(`request #${call.n} ${call.op.kind} at ${first}: ${p}`);
    }
    for (const e of group) fold.apply(e);
    i = j;
  }
  let noOps = 0;
  for (const c of calls) {
    if (c.code !== 0 || spans.has(c.requestId)) continue;
    if (c.op.kind === "bind" || c.op.kind === "unbind") {
      noOps++;
      const p = noOpProblem(c, c.op, calls, spans, events);
      if (p !== undefined) history.push(`request #${c.n} ${c.op.kind} succeeded without events: ${p}`);
    } else history.push(`lost: request #${c.n} ${c.op.kind} succeeded (${c.requestId}) and has no event in the feed`);
  }
  t.diagnostic(
    `feed: ${seedEvents} seed events, ${spans.size - (seedEvents > 0 ? 1 : 0)} requests with events, ` +
      `${noOps} successful binds/unbinds without events, each a no-op in a state its resource had while it ran`,
  );
  const api = await apiState(servers[0] as ServerProcess);
  const stateProblems: string[] = [];
  for (const part of ["names", "rules", "bindings"] as const) {
    if (sorted(fold[part]) !== sorted(api[part])) {
      stateProblems.push(
        `${part} folded from the feed differ from the API:\n${sorted(fold[part])}\n≠\n${sorted(api[part])}`,
      );
    }
  }

  // (e) answered-before-sent implies lower positions: sweep the requests by answer time, keeping the highest
  // position answered so far, and require each request's first position to be above the highest answered before
  // it was sent.
  const withEvents = calls.flatMap((c) => {
    const span = spans.get(c.requestId);
    return c.code === 0 && span !== undefined ? [{ c, span }] : [];
  });
  const byDone = [...withEvents].sort((a, b) => a.c.doneAt - b.c.doneAt);
  const bySent = [...withEvents].sort((a, b) => a.c.sentAt - b.c.sentAt);
  const order: string[] = [];
  let k = 0;
  let highest = 0;
  let highestCall: Call | undefined;
  for (const { c, span } of bySent) {
    while (k < byDone.length && (byDone[k]?.c.doneAt ?? Infinity) < c.sentAt) {
      const d = byDone[k] as (typeof byDone)[number];
      if (d.span.last > highest) {
        highest = d.span.last;
        highestCall = d.c;
      }
      k++;
    }
    if (span.first <= highest && order.length < 10) {
      order.push(
        `request #${c.n} (sent after #${highestCall?.n} was answered) is at ${span.first}, below #${highestCall?.n}'s ${highest}`,
      );
    }
  }

  assert.deepEqual(
    {
      delivery: delivery.slice(0, 20),
      agreement: disagreements,
      history: history.slice(0, 20),
      state: stateProblems,
      order,
    },
    { delivery: [], agreement: [], history: [], state: [], order: [] },
    "every follower got the whole feed once, in order; the feed is exactly the successful requests, in commit order",
  );
}

const pgSkip = await postgresSkipReason();

describe("feed race: 3 servers on one PostgreSQL database", { skip: pgSkip ?? false, timeout: 240_000 }, () => {
  let cluster: PostgresCluster | undefined;
  after(() => cluster?.stop());

  it("followers resuming on other servers get every committed event once, in commit order, and nothing else", async (t) => {
    cluster = await startPostgresCluster("feed_race", SEED_FILE);
    const url = cluster.databaseUrl;
    await feedRace(t, cluster.servers, () =>
      queryDatabase(url, async (c) => Number((await c.query("SELECT COUNT(*) AS n FROM feed_pending")).rows[0]?.n)),
    );
  });
});

describe("feed race: 1 server on a SQLite file", { timeout: 240_000 }, () => {
  let server: ServerProcess | undefined;
  let dir: string | undefined;
  after(async () => {
    await server?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("followers reconnecting get every committed event once, in commit order, and nothing else", async (t) => {
    dir = await mkdtemp(join(tmpdir(), "sgplane-feed-race-"));
    server = await startServer({ db: `sqlite:${join(dir, "feed-race.db")}`, seed: SEED_FILE });
    await feedRace(t, [server]);
  });
});
