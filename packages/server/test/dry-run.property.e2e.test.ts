// DryRun, property-based, over real HTTP (issue 18): for every mutating action, random requests built from its
// catalogue schema against the current state of a random walk; a dry run answers the same RetCode and Message as
// the real call that follows it on the same state, leaves the whole state and the feed as they were, and its
// Changes are the real call's feed events (provisional ids aside). On SQLite and on PostgreSQL.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { type ActionSpec, actionNames, catalogue, type feedModels } from "@sgplane/catalogue";
import { Client } from "@sgplane/sdk";
import fc from "fast-check";
import { createTestDatabase } from "../src/store/postgres/test-database.ts";
import { DEMO, EXAMPLE_SEED, OPERATOR, type ServerProcess, startServer } from "./harness.ts";
import { generator } from "./seeded-random.ts";

type Json = Record<string, unknown>;
type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: { const?: unknown }[];
  minimum?: number;
  maximum?: number;
  wireRaw?: boolean;
};

/** The whole-state actions get a test of their own (a random one would wipe the walk's world). */
const WHOLE_STATE = new Set(["AdminReset", "AdminImportState"]);
const MUTATING = actionNames.filter((a) => (catalogue[a] as ActionSpec).mutates && !WHOLE_STATE.has(a));

/** The ids the walk's requests pick from: what exists now (read from the export), plus ids that do not. */
interface Pools {
  readonly groups: readonly string[];
  readonly rules: readonly string[];
  readonly firewalls: readonly string[];
  readonly resources: readonly string[];
}

function collect(state: unknown, key: string, out = new Set<string>()): Set<string> {
  if (Array.isArray(state)) for (const v of state) collect(v, key, out);
  else if (state !== null && typeof state === "object") {
    for (const [k, v] of Object.entries(state)) {
      if (k === key && typeof v === "string") out.add(v);
      else collect(v, key, out);
    }
  }
  return out;
}

function poolsOf(state: unknown): Pools {
  return {
    groups: [...collect(state, "SecGroupId"), "secgroup-nope0001"],
    rules: [...collect(state, "RuleId"), "00000000-0000-4000-8000-000000000000"],
    firewalls: [...collect(state, "FWId"), "firewall-nope0001"],
    resources: [...collect(state, "ResourceId"), "uhost-nope0001", "uhost-newone01"],
  };
}

const TEXT = ["a", "web", "db tier", "", "x".repeat(65), "b", "c"];
const PORTS = ["80", "22", "1-1024", "ALL", "70000", "a", "443,8443"];
const RANGES = ["0.0.0.0/0", "10.0.0.0/8", "192.168.1.0/24", "::/0", "bad", "10.0.0.1"];
const FIREWALL_RULES = [
  "TCP|22|0.0.0.0/0|ACCEPT|HIGH",
  "UDP|53|10.0.0.0/8|DROP|LOW",
  "ICMP||0.0.0.0/0|ACCEPT|MEDIUM",
  "bad",
];

function valueFor(name: string, schema: Schema, pools: Pools, r: () => number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  // Mostly what exists (so requests get through to the business checks), now and then what does not.
  const known = (xs: readonly string[]): string => (r() < 0.1 || xs.length < 2 ? pick(xs) : pick(xs.slice(0, -1)));
  if (schema.type === "array") {
    const roll = r();
    const n = roll < 0.05 ? 0 : roll < 0.7 ? 1 : roll < 0.9 ? 2 : 3;
    return Array.from({ length: n }, () => valueFor(name, schema.items ?? {}, pools, r));
  }
  if (schema.type === "object" && schema.properties !== undefined) return objectFor(schema, pools, r);
  if (schema.anyOf !== undefined) return pick(schema.anyOf.map((o) => o.const));
  if (schema.type === "boolean") return r() < 0.5;
  if (schema.type === "integer") {
    if (name === "Priority") return r() < 0.9 ? 1 + Math.floor(r() * 5) : pick([0, 6, 50, 100]);
    if (name === "CompanyId") return pick([50001, 50001, 50002, 59999]);
    if (name === "Zone") return pick([4001, 4002]);
    const lo = schema.minimum ?? 0;
    const hi = Math.min(schema.maximum ?? 10, lo + 10);
    return lo + Math.floor(r() * (hi - lo + 1));
  }
  switch (name) {
    case "SecGroupId":
    case "OldSecGroupId":
    case "PrioritySecGroup":
    case "UniToPrioritySecGroup":
      return known(pools.groups);
    case "ResourceId":
    case "Resources":
      return r() < 0.1 ? "uhost-newone01" : known(pools.resources.slice(0, -1));
    case "RuleId":
      return known(pools.rules);
    case "FWId":
      return known(pools.firewalls);
    case "VPCID":
    case "VPCId":
    case "DstVPCId":
      return pick(["uvnet-demo01", "uvnet-demo01", "uvnet-demo02", "uvnet-nope01"]);
    case "ProjectId":
    case "DstProjectId":
    case "Projects":
      return pick(["org-demo01", "org-demo01", "org-demo02", "org-nope01"]);
    case "Region":
    case "DstRegion":
      return pick(["cn-bj2", "cn-bj2", "cn-sh2", "xx-nope"]);
    case "DstPort":
      return pick(PORTS);
    case "IPRange":
      return r() < 0.2 ? known(pools.groups) : pick(RANGES);
    case "Rule":
      return pick(FIREWALL_RULES);
    case "PublicKey":
      return pick(["demo-public-key", "walk-key-1", "walk-key-2"]);
    case "PrivateKey":
      return "walk-private";
    case "PrivateIp":
      return pick(["10.9.0.9", "10.9.0.2", "bad"]);
    case "ResourceType":
      return pick(["uhost", "ulb", "uhost"]);
    case "SuperResourceId":
      return "";
    case "EIP":
      return "203.0.113.7";
    case "UserName":
      // Not the demo key's own user "root": a walk that made it a sub-account would lock the observer out.
      return pick(["walker", "dev"]);
    default:
      return pick(TEXT);
  }
}

function objectFor(schema: Schema, pools: Pools, r: () => number): Json {
  const out: Json = {};
  const required = new Set(schema.required ?? []);
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    if (name === "DryRun" || name === "ClientToken") continue;
    // Required fields almost always (a missing one is a refusal worth comparing too), optional ones half the time.
    if (r() < (required.has(name) ? 0.97 : 0.5)) out[name] = valueFor(name, field, pools, r);
  }
  return out;
}

interface Answer {
  readonly retCode: number;
  readonly message: string;
  readonly body: Json;
  readonly requestId: string | undefined;
}

async function send(client: Client, action: string, params: Json): Promise<Answer> {
  const res = await client.send(action, params);
  return {
    retCode: Number(res.body.RetCode),
    message: String(res.body.Message ?? ""),
    body: res.body,
    requestId: res.requestId,
  };
}

/** Drawn ids and secrets made comparable; a state's creation time may tick between the two calls. */
function normalise(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof value === "string") return ids.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => normalise(v, ids));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== "CreateTime" && k !== "Action" && k !== "RetCode")
        .map(([k, v]) => [k, k === "PrivateKey" ? "<secret>" : normalise(v, ids)]),
    );
  }
  return value;
}

function walkSuite(engine: "sqlite" | "postgres") {
  describe(`DryRun answers as the real call, changing nothing (${engine})`, () => {
    let server: ServerProcess;
    let drop: (() => Promise<void>) | undefined;
    let operator: Client;
    /** The operator without a Region: reads of the feed and the trail take Region as a filter. */
    let everywhere: Client;
    let tenant: Client;
    let initial: unknown;
    let dryRuns = 0;
    const covered = new Map<string, { ok: number; refused: number }>();

    before(async () => {
      let db = "sqlite::memory:";
      if (engine === "postgres") {
        const database = await createTestDatabase("dry_run_walk");
        db = database.url;
        drop = database.drop;
      }
      server = await startServer({ seed: JSON.parse(await readFile(EXAMPLE_SEED, "utf8")) as object, db });
      operator = server.client(OPERATOR, { retry: { maxAttempts: 1 } });
      everywhere = new Client({ baseUrl: `${server.url}/`, ...OPERATOR, retry: { maxAttempts: 1 } });
      tenant = server.client(DEMO, { projectId: "org-demo01", retry: { maxAttempts: 1 } });
      initial = (await send(operator, "AdminExportState", {})).body.State;
    });
    after(async () => {
      await server?.stop();
      await drop?.();
    });

    /** The whole state: the export (no firewalls in it), the firewalls, and which one each resource has. */
    async function exported(): Promise<string> {
      const a = await send(operator, "AdminExportState", {});
      assert.equal(a.retCode, 0, a.message);
      const firewalls = await send(tenant, "DescribeFirewall", { Limit: 1000 });
      assert.equal(firewalls.retCode, 0, firewalls.message);
      const grants: Json = {};
      for (const id of collect(a.body.State, "ResourceId")) {
        const g = await send(tenant, "DescribeFirewall", { ResourceId: id });
        grants[id] = g.retCode === 0 ? (g.body.DataSet as { FWId: string }[]).map((f) => f.FWId) : g.retCode;
      }
      return JSON.stringify({ state: a.body.State, firewalls: firewalls.body.DataSet, grants });
    }

    async function head(): Promise<{ cursor: string; head: number }> {
      const a = await send(everywhere, "DescribeFeedEvents", {});
      return { cursor: String(a.body.Cursor), head: Number(a.body.Head) };
    }

    async function eventsOf(cursor: string, requestId: string | undefined): Promise<feedModels.FeedEvent[]> {
      const a = await send(everywhere, "DescribeFeedEvents", { After: cursor, Limit: 1000 });
      assert.equal(a.retCode, 0, a.message);
      return (a.body.Events as feedModels.FeedEvent[]).filter((e) => e.RequestId === requestId);
    }

    async function check(action: string, params: Json): Promise<void> {
      const client =
        (catalogue[action as keyof typeof catalogue] as ActionSpec).scope === "operator" ? operator : tenant;
      const label = `${action} ${JSON.stringify(params)}`;
      const before = await exported();
      const mark = await head();
      const dry = await send(client, action, { ...params, DryRun: true });
      dryRuns++;
      assert.equal(await exported(), before, `${label}: the dry run changed the state`);
      assert.equal((await head()).head, mark.head, `${label}: the dry run wrote feed events`);
      const real = await send(client, action, params);
      // Random input may be refused, never crash: 150 is an unexpected failure of the server.
      assert.notEqual(real.retCode, 150, `${label}: ${real.message}\n${server.output().slice(-2000)}`);
      assert.equal(dry.retCode, real.retCode, `${label}: RetCode (dry ${dry.message} / real ${real.message})`);
      assert.equal(dry.message, real.message, `${label}: Message`);
      const seen = covered.get(action) ?? { ok: 0, refused: 0 };
      covered.set(action, seen);
      if (real.retCode !== 0) {
        seen.refused++;
        assert.equal(dry.body.DryRun, undefined, `${label}: a refusal is the real call's refusal`);
        return;
      }
      seen.ok++;
      assert.equal(dry.body.DryRun, true, label);
      const changes = dry.body.Changes as { Type: string; ObjectId: string; State: Json; Provisional?: boolean }[];
      // On PostgreSQL a sequencer numbers events just after their commit: give them a moment to be readable.
      let events = await eventsOf(mark.cursor, real.requestId);
      for (let i = 0; i < 40 && events.length < changes.length; i++) {
        await new Promise((r) => setTimeout(r, 25));
        events = await eventsOf(mark.cursor, real.requestId);
      }
      assert.deepEqual(
        changes.map((c) => c.Type),
        events.map((e) => e.Type),
        `${label}: the dry run's Changes are the real call's events`,
      );
      // A provisional id stands for the id the real call drew in its place.
      const ids = new Map<string, string>();
      changes.forEach((c, i) => {
        const real = events[i];
        if (c.Provisional === true && real !== undefined) {
          ids.set(c.ObjectId, `<drawn ${i}>`);
          ids.set(real.ObjectId, `<drawn ${i}>`);
        } else assert.equal(c.ObjectId, real?.ObjectId, `${label}: change ${i}'s object`);
      });
      assert.deepEqual(
        changes.map((c) => normalise(c.State, ids)),
        events.map((e) => normalise(e.State, ids)),
        `${label}: the states the dry run reports are those the real call wrote`,
      );
      const { DryRun: _d, Changes: _c, ...dryOutput } = dry.body;
      assert.deepEqual(normalise(dryOutput, ids), normalise(real.body, ids), `${label}: the answer`);
    }

    it("random walks over every mutating action (fast-check)", async (t) => {
      const request = fc.record({ action: fc.constantFrom(...MUTATING), seed: fc.integer() });
      await fc.assert(
        fc.asyncProperty(fc.array(request, { minLength: 8, maxLength: 16 }), async (requests) => {
          // Back to the seed's world: import merges, so empty the tenants first.
          const wiped = await send(operator, "AdminReset", {});
          assert.equal(wiped.retCode, 0, `${wiped.message}\n${server.output().slice(-3000)}`);
          const reset = await send(operator, "AdminImportState", { State: initial });
          assert.equal(reset.retCode, 0, `${reset.message}\n${server.output().slice(-3000)}`);
          for (const { action, seed } of requests) {
            const r = generator(seed);
            const pools = poolsOf(JSON.parse(await exported()));
            const schema = (catalogue[action] as ActionSpec).input as unknown as Schema;
            await check(action, objectFor(schema, pools, r));
          }
        }),
        { numRuns: engine === "sqlite" ? 40 : 12 },
      );
      // A short walk may never draw some action: each of those gets one request, so every action is tried every run.
      for (const [n, action] of MUTATING.entries()) {
        if (covered.has(action)) continue;
        const pools = poolsOf(JSON.parse(await exported()));
        const schema = (catalogue[action] as ActionSpec).input as unknown as Schema;
        await check(action, objectFor(schema, pools, generator(n)));
      }
      t.diagnostic(`accepted / refused: ${JSON.stringify(Object.fromEntries(covered))}`);
      const accepted = [...covered].filter(([, c]) => c.ok > 0).map(([a]) => a);
      // Every action was tried; most got at least one request through (a random request is usually refused).
      assert.deepEqual([...covered.keys()].sort(), [...MUTATING].sort(), "every mutating action was tried");
      assert.ok(accepted.length >= MUTATING.length / 2, `accepted at least once: ${accepted.join(", ")}`);
    });

    it("AdminReset and AdminImportState: a dry run lists what would go and changes nothing", async () => {
      // From the seed's world (the walk may have left a company over a quota it lowered, which no import takes).
      assert.equal((await send(operator, "AdminReset", {})).retCode, 0);
      assert.equal((await send(operator, "AdminImportState", { State: initial })).retCode, 0);
      const before = await exported();
      const mark = await head();
      const reset = await send(operator, "AdminReset", { DryRun: true });
      assert.equal(reset.retCode, 0, reset.message);
      assert.equal(reset.body.DryRun, true);
      // A company's removal is one event (CompanyDeleted stands for everything in it), as the feed writes it.
      const changes = reset.body.Changes as { Type: string; ObjectId: string }[];
      assert.deepEqual(
        changes.filter((c) => c.Type === "CompanyDeleted").map((c) => c.ObjectId),
        ["50001"],
      );
      const { state } = JSON.parse(before) as { state: { Companies: { Name: string }[] } };
      const renamed = { ...state, Companies: state.Companies.map((c) => ({ ...c, Name: `${c.Name}-imported` })) };
      const imported = await send(operator, "AdminImportState", { State: renamed, DryRun: true });
      assert.equal(imported.retCode, 0, imported.message);
      assert.ok((imported.body.Changes as { Type: string }[]).some((c) => c.Type === "CompanyUpdated"));
      const bad = await send(operator, "AdminImportState", { State: { Companies: "no" }, DryRun: true });
      const badReal = await send(operator, "AdminImportState", { State: { Companies: "no" } });
      assert.equal(bad.retCode, badReal.retCode);
      assert.equal(bad.message, badReal.message);
      assert.notEqual(bad.retCode, 0);
      assert.equal(await exported(), before);
      assert.equal((await head()).head, mark.head);
    });

    it("every dry run is in the audit trail, flagged DryRun, and a filter finds them", async () => {
      let total = 0;
      for (let i = 0; i < 50 && total < dryRuns; i++) {
        const a = await send(everywhere, "DescribeAuditRecords", { DryRun: true, Limit: 1 });
        total = Number(a.body.TotalCount);
        if (total < dryRuns) await new Promise((r) => setTimeout(r, 100));
      }
      // The whole-state test's three dry runs are counted in dryRuns' absence: at least the walk's.
      assert.ok(total >= dryRuns, `${total} dry-run records for ${dryRuns} dry runs`);
      const page = await send(everywhere, "DescribeAuditRecords", { DryRun: true, Limit: 20 });
      for (const rec of page.body.Records as { DryRun: boolean; EventCount: number; Mutating: boolean }[]) {
        assert.equal(rec.DryRun, true);
        assert.equal(rec.EventCount, 0);
        assert.equal(rec.Mutating, true);
      }
      const real = await send(everywhere, "DescribeAuditRecords", { DryRun: false, Limit: 50 });
      for (const rec of real.body.Records as { DryRun: boolean }[]) assert.equal(rec.DryRun, false);
    });
  });
}

walkSuite("sqlite");
if (process.env.DRY_WALK_SQLITE_ONLY !== "1") walkSuite("postgres");
