// `npm run bench`: sgplane vs a bare node:http baseline in the same run, per scenario and engine, A/B alternated.
// Server processes are pinned to core 0 and this load generator to core 1 (taskset), since the machine has 2 cores;
// wrk, spawned from here, inherits core 1.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sign } from "@sgplane/catalogue";
import { rulesetFigures, rulesetSkipReason } from "./agent-ruleset.ts";
import { type DeliveryFigures, deliveryFigures, feedHead, openFollowers, pacedWrites } from "./delivery.ts";
import { enforceFigures, enforceSkipReason } from "./enforce.ts";
import { fanoutFigures } from "./fanout.ts";
import { createLoader, type Generator, onPath, type Run, type Stream } from "./load.ts";
import {
  add,
  type BucketRange,
  type Buckets,
  formatRange,
  parseBuckets,
  quantileBucket,
  subtract,
} from "./server-latency.ts";
import { median, middle } from "./stats.ts";
import { buildWorld, companySeed, groupId, keyOf, resourceId, type WorldShape } from "./world.ts";

const { values: opts } = parseArgs({
  options: {
    scenarios: {
      type: "string",
      default: "read,check,mutate,feed,dryrun,delivery,bulk,mixed,ruleset,enforce,fanout",
    },
    engines: { type: "string", default: process.env.SGPLANE_BENCH_PG ? "sqlite,postgres" : "sqlite" },
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "100" },
    servers: { type: "string", default: "1" },
    generator: { type: "string" },
    /** delivery: SSE followers, spread over the servers, and the writes per second they watch. */
    followers: { type: "string", default: "1000" },
    "delivery-rate": { type: "string", default: "100" },
    /** enforce: flips of a binding (open, closed, …) measured, each beside a flip of the nft floor. */
    flips: { type: "string", default: "200" },
    /** fanout: agent processes following one server, and the rule changes measured. */
    agents: { type: "string", default: "100" },
    "fanout-changes": { type: "string", default: "100" },
    /** fanout: how the agents run nft (sgplane agent --nft-mode): session (one nft -i each) or exec (nft -f per apply). */
    "fanout-nft-mode": { type: "string", default: "session" },
    /** fanout: how the agents follow the feed (sgplane agent --feed-transport): stream (SSE) or poll. */
    "fanout-feed-transport": { type: "string", default: "stream" },
    /** Write a V8 CPU profile of each sgplane server (and fanout agent) into this directory (node --cpu-prof). */
    profile: { type: "string" },
  },
});
const ROUNDS = Number(opts.rounds);
const DURATION = Number(opts.duration);
const CONNECTIONS = Number(opts.connections);
const SERVERS = Number(opts.servers);
const FOLLOWERS = Number(opts.followers);
const DELIVERY_RATE = Number(opts["delivery-rate"]);
const FLIPS = Number(opts.flips);
const AGENTS = Number(opts.agents);
const FANOUT_CHANGES = Number(opts["fanout-changes"]);
const FANOUT_NFT_MODE = opts["fanout-nft-mode"];
const FANOUT_FEED_TRANSPORT = opts["fanout-feed-transport"];
if (FANOUT_FEED_TRANSPORT !== "stream" && FANOUT_FEED_TRANSPORT !== "poll") {
  throw new Error(`--fanout-feed-transport ${FANOUT_FEED_TRANSPORT}: stream or poll`);
}
if (FANOUT_NFT_MODE !== "session" && FANOUT_NFT_MODE !== "exec") {
  throw new Error(`--fanout-nft-mode ${FANOUT_NFT_MODE}: session or exec`);
}
for (const [name, n] of [
  ["--flips", FLIPS],
  ["--agents", AGENTS],
  ["--fanout-changes", FANOUT_CHANGES],
] as const) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: a whole number ≥ 1`);
}
if (!Number.isInteger(SERVERS) || SERVERS < 1 || SERVERS > 1000) throw new Error(`--servers ${opts.servers}: 1..1000`);
if (opts.generator !== undefined && opts.generator !== "wrk" && opts.generator !== "autocannon") {
  throw new Error(`--generator ${opts.generator}: wrk or autocannon`);
}
const GENERATOR: Generator = (opts.generator as Generator | undefined) ?? (onPath("wrk") ? "wrk" : "autocannon");
if (GENERATOR === "wrk" && !onPath("wrk")) throw new Error("--generator wrk: wrk is not on PATH (apt-get install wrk)");
/** Bodies precomputed for a generated workload: a whole number of its periods (mutate: 2 × resources). */
const CYCLE = 20_000;
/** Bodies sent one by one to capture sgplane's replies for the baseline, from the start of the cycle. */
const SAMPLE = 20;
// The production build (npm run build), as operators run it.
// SGPLANE_BENCH_MAIN: another build's bundle (`node scripts/build.mjs`, then copy packages/server/dist), to compare two
// versions of the code run for run on the same machine.
const MAIN =
  process.env.SGPLANE_BENCH_MAIN ?? new URL("../packages/server/dist/bin/sgplane.mjs", import.meta.url).pathname;
const BASELINE = new URL("./baseline-server.ts", import.meta.url).pathname;
const pinned = (cores: number | string, args: string[]) => ["taskset", ["-c", String(cores), ...args]] as const;

interface Proc {
  url: string;
  child: ChildProcess;
  startSeconds: number;
}

const children = new Set<ChildProcess>();
const track = (child: ChildProcess) => {
  children.add(child);
  child.once("exit", () => children.delete(child));
};
// A failed scenario must not leave servers, agents (or wrk) behind; nor Ctrl-C or a kill (the lab of the enforce
// scenario removes its namespaces on the same signals, packages/agent/test/lab/cleanup.ts).
/** This run's temporary directory, removed at exit too (a signal skips the final `finally`). */
let tempDir: string | undefined;
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    console.error(`bench: ${signal}, stopping`);
    process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
  });
}

const LISTENING = /listening on (http:\/\/\S+)/;

interface StartOptions {
  /** taskset's CPU list (default core 0). */
  readonly cores?: number | string;
  /** The line that says it is ready; group 1 is its URL. */
  readonly ready?: RegExp;
  readonly env?: Readonly<Record<string, string>>;
}

function startProcess(args: string[], o: StartOptions = {}): Promise<Proc> {
  const started = performance.now();
  const tsx = args[0]?.endsWith(".ts") ? ["--import", "tsx"] : [];
  const [cmd, argv] = pinned(o.cores ?? 0, [process.execPath, ...tsx, ...args]);
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...o.env } });
  track(child);
  const ready = o.ready ?? LISTENING;
  return new Promise((resolve, reject) => {
    let out = "";
    let found = false;
    child.stdout?.on("data", (d: Buffer) => {
      // Read to the end (an agent logs a line per apply), keeping only what comes before the ready line.
      if (found) return;
      out += d.toString();
      const m = ready.exec(out);
      if (m?.[1]) {
        found = true;
        resolve({ url: m[1], child, startSeconds: (performance.now() - started) / 1000 });
      }
    });
    child.on("exit", (code) => reject(new Error(`process exited ${code}: ${out.slice(0, 500)}`)));
  });
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  const done = new Promise((r) => p.child.once("exit", r));
  p.child.kill("SIGTERM");
  await done;
}

function rssMb(p: Proc): number {
  // taskset execs node, so the child pid is the server's.
  const status = readFileSync(`/proc/${p.child.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function signedForm(companyKey: { publicKey: string; privateKey: string }, params: Record<string, string>): string {
  const all = { ...params, PublicKey: companyKey.publicKey, Region: "cn-bj2" };
  return new URLSearchParams({ ...all, Signature: sign(all, companyKey.privateKey) }).toString();
}

/** What one sgplane server is sent: its body list, cycled from `start`. */
interface Workload {
  readonly bodies: readonly string[];
  readonly start: number;
}

interface DeliveryRow extends DeliveryFigures {
  engine: string;
  servers: number;
  followers: number;
  rate: number;
  failed: number;
  expected: number;
  gapped: number;
  rssMb: number;
  /** The servers' CPU time over the measured writes, µs per delivered event (writes included). */
  cpuUsPerDelivery: number;
}
const deliveryRows: DeliveryRow[] = [];

const benchDir = await mkdtemp(join(tmpdir(), "sgplane-bench-"));
tempDir = benchDir;
const load = createLoader({ generator: GENERATOR, dir: benchDir, track });

interface Row {
  scenario: string;
  engine: string;
  rps: number;
  p50: number;
  p99: number;
  /** The servers' own histogram bucket holding the p99 of the median round (undefined: not measured, e.g. bulk). */
  serverP99?: BucketRange | undefined;
  /** Server CPU µs per request, median round (undefined: not measured). */
  cpuUs?: number | undefined;
  baseRps: number;
  ratio: number;
  rssMb: number;
  failures: number;
  note: string;
}
const rows: Row[] = [];

async function post(url: string, body: string): Promise<{ text: string; contentType: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  return { text: await res.text(), contentType: res.headers.get("content-type") ?? "" };
}

interface Sample {
  /** Action → the first reply sgplane gave for it: the baseline's reply file. */
  readonly replies: Record<string, unknown>;
  /** Action → the body that produced that reply, and the reply's size in bytes and content type. */
  readonly firsts: Map<string, { body: string; bytes: number; contentType: string }>;
  readonly sent: number;
}

/**
 * Sends the first SAMPLE bodies of the workload to sgplane, one by one and in the cycle's own order (so a mutation is
 * followed by its undo exactly as under load), and keeps the first reply per Action. The caller starts the generator
 * right after them, so the cycle is not broken.
 */
async function capture(server: Proc, workload: Workload): Promise<Sample> {
  const replies: Record<string, unknown> = {};
  const firsts: Sample["firsts"] = new Map();
  const sent = Math.min(SAMPLE, workload.bodies.length);
  for (let j = 0; j < sent; j++) {
    const body = workload.bodies[(workload.start + j) % workload.bodies.length] ?? "";
    const action = new URLSearchParams(body).get("Action") ?? "";
    const { text, contentType } = await post(server.url, body);
    const reply = JSON.parse(text) as { RetCode?: number; Message?: string };
    if (reply.RetCode !== 0) throw new Error(`sample ${action}: RetCode ${reply.RetCode} ${reply.Message ?? ""}`);
    if (!firsts.has(action)) {
      replies[action] = reply;
      firsts.set(action, { body, bytes: Buffer.byteLength(text), contentType });
    }
  }
  return { replies, firsts, sent };
}

/** The baseline must answer each sampled body with as many bytes, and the same content type, as sgplane did. */
async function verifyBaseline(baseline: Proc, sample: Sample): Promise<string> {
  const sizes: string[] = [];
  for (const [action, first] of sample.firsts) {
    const { text, contentType } = await post(baseline.url, first.body);
    const bytes = Buffer.byteLength(text);
    if (bytes !== first.bytes || contentType !== first.contentType) {
      throw new Error(
        `baseline reply to ${action} is ${bytes} bytes (${contentType}), sgplane's ${first.bytes} (${first.contentType})`,
      );
    }
    sizes.push(`${action} ${bytes} B`);
  }
  return sizes.join(", ");
}

let scenarioCount = 0;

/** The middle range by upper bound; undefined unless every round has one. */
function medianRange(ranges: readonly (BucketRange | undefined)[]): BucketRange | undefined {
  const known = ranges.filter((r): r is BucketRange => r !== undefined);
  return known.length < ranges.length ? undefined : middle(known, (r) => r.upper);
}

async function scrapeBuckets(server: Proc): Promise<Buckets> {
  const res = await fetch(`${server.url}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics: ${res.status}`);
  return parseBuckets(await res.text());
}

/** A round's figures as the load generator saw them, and the p99 by the servers' own histogram. */
/** cpuUs: the servers' CPU time (user + system) per request in the round, µs: steadier than req/s on a busy machine. */
type MeasuredRun = Run & { serverP99?: BucketRange; cpuUs?: number };

/** User + system CPU time of a process so far, µs (from /proc; the clock tick is 100 Hz on Linux). */
function cpuMicros(p: Proc): number {
  const fields = readFileSync(`/proc/${p.child.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function measuredRound(servers: readonly Proc[], streams: readonly Stream[]): Promise<MeasuredRun> {
  const before = await Promise.all(servers.map(scrapeBuckets));
  const cpuBefore = servers.reduce((n, s) => n + cpuMicros(s), 0);
  const run = await load(streams, CONNECTIONS, DURATION);
  const cpuUs = (servers.reduce((n, s) => n + cpuMicros(s), 0) - cpuBefore) / Math.max(1, run.rps * DURATION);
  const after = await Promise.all(servers.map(scrapeBuckets));
  const round = after
    .map((b, k) => subtract(b, before[k] ?? new Map()))
    .reduce((sum, b) => add(sum, b), new Map<number, number>());
  const serverP99 = quantileBucket(round, 0.99);
  return serverP99 === undefined ? { ...run, cpuUs } : { ...run, serverP99, cpuUs };
}

async function abRounds(
  scenario: string,
  engine: string,
  servers: readonly Proc[],
  workloads: readonly Workload[],
  note = "",
): Promise<void> {
  const first = servers[0];
  const work0 = workloads[0];
  if (first === undefined || work0 === undefined || workloads.length !== servers.length) {
    throw new Error("abRounds: one workload per server");
  }
  const sample = await capture(first, work0);
  const repliesFile = join(benchDir, `replies-${scenarioCount++}.json`);
  await writeFile(repliesFile, JSON.stringify(sample.replies));
  const baseline = await startProcess([BASELINE, repliesFile]);
  const ours: Stream[] = servers.map((s, k) => ({
    url: s.url,
    bodies: workloads[k]?.bodies ?? [],
    cursor: (workloads[k]?.start ?? 0) + (k === 0 ? sample.sent : 0),
  }));
  const base: Stream[] = [{ url: baseline.url, bodies: work0.bodies, cursor: work0.start }];
  const ourRuns: MeasuredRun[] = [];
  const baseRuns: Run[] = [];
  try {
    console.error(`${scenario}: reply sizes (sgplane = baseline) ${await verifyBaseline(baseline, sample)}`);
    await load(ours, Math.max(10, servers.length), DURATION); // warm-up
    await load(base, 10, Math.min(DURATION, 2));
    const show = (r: MeasuredRun) =>
      `${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms` +
      (r.serverP99 === undefined ? "" : ` (server p99 in ${formatRange(r.serverP99)} ms)`);
    for (let i = 0; i < ROUNDS; i++) {
      baseRuns.push(await load(base, CONNECTIONS, DURATION));
      ourRuns.push(await measuredRound(servers, ours));
      console.error(
        `  round ${i + 1}: baseline ${show(baseRuns[i] as Run)}; sgplane ${show(ourRuns[i] as MeasuredRun)}`,
      );
    }
  } finally {
    await stop(baseline);
  }
  const rps = median(ourRuns.map((r) => r.rps));
  const baseFailures = baseRuns.reduce((n, r) => n + r.failures, 0);
  const baseRps = median(baseRuns.map((r) => r.rps));
  const label = servers.length > 1 ? `${scenario}, ${servers.length} servers` : scenario;
  rows.push({
    scenario: label,
    engine,
    rps,
    p50: median(ourRuns.map((r) => r.p50)),
    p99: median(ourRuns.map((r) => r.p99)),
    serverP99: medianRange(ourRuns.map((r) => r.serverP99)),
    cpuUs: median(ourRuns.map((r) => r.cpuUs ?? 0)),
    baseRps,
    ratio: rps / baseRps,
    rssMb: servers.reduce((n, s) => n + rssMb(s), 0),
    failures: ourRuns.reduce((n, r) => n + r.failures, 0),
    note: [note, baseFailures > 0 ? `baseline failed ${baseFailures}` : ""].filter((x) => x !== "").join("; "),
  });
  console.error(`done: ${label} ${engine} ${Math.round(rps)} req/s (baseline ${Math.round(baseRps)})`);
}

/** PostgreSQL databases this run created, dropped when it ends. */
const createdDatabases: string[] = [];

async function adminQuery(sql: string): Promise<void> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: process.env.SGPLANE_BENCH_PG ?? "" });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function freshDb(engine: string, dir: string, name: string): Promise<string> {
  if (engine === "sqlite") return `sqlite:${join(dir, `${name}.db`)}`;
  const admin = process.env.SGPLANE_BENCH_PG ?? "";
  const db = `sgplane_bench_${name}_${Date.now()}`;
  await adminQuery(`CREATE DATABASE ${db}`);
  createdDatabases.push(db);
  const url = new URL(admin);
  url.pathname = `/${db}`;
  return url.toString();
}

const PROFILE = opts.profile === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${opts.profile}`];

async function serve(db: string, extra: readonly string[] = []): Promise<Proc> {
  return startProcess([...PROFILE, MAIN, "serve", "--port", "0", "--db", db, "--log-level", "warn", ...extra]);
}

/** Without the change feed and the audit trail: the "off" side of their A/B. */
const FEED_AND_AUDIT_OFF = ["--feed", "off", "--audit", "off"];

interface Variant {
  readonly label: string;
  readonly servers: readonly Proc[];
  readonly workloads: readonly Workload[];
}

/**
 * Two variants of sgplane on the same workload, rounds alternating in one run (no baseline process): row `ratio` is
 * each variant's req/s over the first one's. For a cost of a feature: first the server without it.
 */
async function abVariants(scenario: string, engine: string, variants: readonly [Variant, Variant]): Promise<void> {
  const streamsOf = (v: Variant): Stream[] =>
    v.servers.map((s, k) => ({ url: s.url, bodies: v.workloads[k]?.bodies ?? [], cursor: v.workloads[k]?.start ?? 0 }));
  const streams = variants.map(streamsOf);
  const runs: MeasuredRun[][] = [[], []];
  for (const stream of streams) await load(stream, 10, DURATION); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, v] of variants.entries()) {
      const run = await measuredRound(v.servers, streams[i] ?? []);
      runs[i]?.push(run);
      console.error(
        `  round ${r + 1} ${v.label}: ${Math.round(run.rps)} req/s, p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms, server CPU ${(run.cpuUs ?? 0).toFixed(0)} µs/req`,
      );
    }
  }
  const first = median((runs[0] ?? []).map((x) => x.rps));
  for (const [i, v] of variants.entries()) {
    const mine = runs[i] ?? [];
    const rps = median(mine.map((x) => x.rps));
    rows.push({
      scenario: `${scenario}: ${v.label}`,
      engine,
      rps,
      p50: median(mine.map((x) => x.p50)),
      p99: median(mine.map((x) => x.p99)),
      serverP99: medianRange(mine.map((x) => x.serverP99)),
      cpuUs: median(mine.map((x) => x.cpuUs ?? 0)),
      baseRps: first,
      ratio: rps / first,
      rssMb: v.servers.reduce((n, s) => n + rssMb(s), 0),
      failures: mine.reduce((n, x) => n + x.failures, 0),
      note: i === 0 ? "A/B: the baseline column is this row" : `A/B: ratio to "${variants[0].label}"`,
    });
  }
  console.error(`done: ${scenario} ${engine}`);
}

/** SERVERS sgplane processes on the same database, started one after the other (the first applies migrations). */
async function serveAll(db: string, extra: readonly string[] = []): Promise<Proc[]> {
  const servers: Proc[] = [];
  for (let k = 0; k < SERVERS; k++) servers.push(await serve(db, extra));
  return servers;
}

async function stopAll(servers: readonly Proc[]): Promise<void> {
  for (const s of servers) await stop(s);
}

/** The same list for every server, each starting a different share into it so they do not send the same body at once. */
function shared(bodies: readonly string[], align = 1): Workload[] {
  const step = Math.floor(bodies.length / SERVERS / align) * align;
  return Array.from({ length: SERVERS }, (_, k) => ({ bodies, start: k * step }));
}

const MUTATE_RESOURCES = 1000;
const MUTATE_WORLD: WorldShape = {
  companies: 1,
  resourcesPerCompany: MUTATE_RESOURCES,
  groupsPerCompany: 2,
  rulesPerGroup: 2,
  groupsPerResource: 2,
};

/**
 * The mutating loop's bodies. Each server's generator gets its own slice of the resources, so no two undo each other's
 * work. (Overlap would still not fail: unbinding an unbound pair is a no-op under the default
 * DisassociateNotBound=Ignore, and binding a pair already bound at that priority is a no-op too — but every request
 * here should do real work.)
 */
function mutateWorkloads(extra: Readonly<Record<string, string>> = {}): Workload[] {
  const resources = MUTATE_RESOURCES;
  return Array.from({ length: SERVERS }, (_, k): Workload => {
    const lo = Math.floor((k * resources) / SERVERS);
    const count = Math.floor(((k + 1) * resources) / SERVERS) - lo;
    const period = 2 * count;
    // Body n: even, unbind the priority-2 group of resource r (it keeps its other one); odd, bind it back.
    const bodies = Array.from({ length: period * Math.ceil(CYCLE / period) }, (_, n) => {
      const r = lo + (Math.floor(n / 2) % count);
      const g = groupId(1, (r + 1) % 2);
      return n % 2 === 0
        ? signedForm(keyOf(1), {
            Action: "DisassociateSecGroup",
            "SecGroupId.0": g,
            "ResourceId.0": resourceId(1, r),
            ...extra,
          })
        : signedForm(keyOf(1), {
            Action: "AssociateSecGroup",
            "ResourceId.0": resourceId(1, r),
            "PrioritySecGroup.0.SecGroupId": g,
            "PrioritySecGroup.0.Priority": "2",
            ...extra,
          });
    });
    return { bodies, start: 0 };
  });
}

/** 1,000 empty groups: room for 100,000 new rules (50 a direction each), for creates that do not pile up. */
const CREATE_GROUPS = 1000;
const CREATE_WORLD: WorldShape = {
  companies: 1,
  resourcesPerCompany: 1,
  groupsPerCompany: CREATE_GROUPS,
  rulesPerGroup: 0,
  groupsPerResource: 1,
};

/**
 * CreateSecGroupRule bodies, each a new rule (group n mod 1,000; direction and priority from n / 1,000), with a
 * ClientToken of its own when `tokens`: what a token adds to a create.
 */
function createRuleWorkloads(tokens: boolean): Workload[] {
  const bodies = Array.from({ length: CREATE_GROUPS * 100 }, (_, n) => {
    const slot = Math.floor(n / CREATE_GROUPS);
    return signedForm(keyOf(1), {
      Action: "CreateSecGroupRule",
      SecGroupId: groupId(1, n % CREATE_GROUPS),
      "Rule.0.ProtocolType": "TCP",
      "Rule.0.DstPort": String(2000 + slot),
      "Rule.0.IPRange": "10.0.0.0/8",
      "Rule.0.RuleAction": "Accept",
      "Rule.0.Priority": String(Math.floor(slot / 2) + 1),
      "Rule.0.Direction": slot % 2 === 0 ? "Ingress" : "Egress",
      ...(tokens && { ClientToken: `bench-token-${n}` }),
    });
  });
  return shared(bodies);
}

const READ_WORLD: WorldShape = {
  companies: 1,
  resourcesPerCompany: 10,
  groupsPerCompany: 10,
  rulesPerGroup: 10,
  groupsPerResource: 1,
};

function readBody(): string {
  const ids: Record<string, string> = { Action: "DescribeSecGroup" };
  for (let g = 0; g < 10; g++) ids[`SecGroupId.${g}`] = groupId(1, g);
  return signedForm(keyOf(1), ids);
}

/** 10 resources, each bound to the same 3 groups (in rotated priority orders), each group 10 Ingress + 10 Egress rules. */
const CHECK_WORLD: WorldShape = {
  companies: 1,
  resourcesPerCompany: 10,
  groupsPerCompany: 3,
  rulesPerGroup: 20,
  groupsPerResource: 3,
};

/**
 * Packets against the CHECK_WORLD (Ingress rules: TCP 1000, 1002, … 1018 from 10.0.0.0/8 at priorities 1–10), from
 * the first rule to none at all: the last Ingress rule of the first group, no rule (every rule, the remote-group one
 * included, then the default), an Egress default, the very first rule.
 */
const CHECK_PACKETS = [
  { Direction: "Ingress", ProtocolType: "TCP", Port: "1018", PeerIp: "10.1.2.3" },
  { Direction: "Ingress", ProtocolType: "TCP", Port: "9999", PeerIp: "192.0.2.1" },
  { Direction: "Egress", ProtocolType: "UDP", Port: "53", PeerIp: "192.0.2.1" },
  { Direction: "Ingress", ProtocolType: "TCP", Port: "1000", PeerIp: "10.0.0.1" },
] as const;

function checkBodies(): string[] {
  return Array.from({ length: 40 }, (_, n) =>
    signedForm(keyOf(1), {
      Action: "CheckSecGroupPacket",
      ResourceId: resourceId(1, n % CHECK_WORLD.resourcesPerCompany),
      ...CHECK_PACKETS[n % CHECK_PACKETS.length],
    }),
  );
}

/** A remote-group rule (the group's own members, Ingress ALL) at the end of the last group: its members are loaded. */
async function addRemoteGroupRule(server: Proc): Promise<void> {
  const group = groupId(1, CHECK_WORLD.groupsPerCompany - 1);
  const { text } = await post(
    server.url,
    signedForm(keyOf(1), {
      Action: "CreateSecGroupRule",
      SecGroupId: group,
      "Rule.0.Direction": "Ingress",
      "Rule.0.ProtocolType": "ALL",
      "Rule.0.DstPort": "ALL",
      "Rule.0.IPRange": group,
      "Rule.0.Priority": "200",
      "Rule.0.RuleAction": "Accept",
    }),
  );
  const reply = JSON.parse(text) as { RetCode?: number; Message?: string };
  if (reply.RetCode !== 0) throw new Error(`check: CreateSecGroupRule: ${reply.RetCode} ${reply.Message ?? ""}`);
}

/** The agent's tables (engine-independent: run once). */
const agentLines: string[] = [];

/**
 * User + system CPU seconds so far of a process started here (taskset execs node: its pid is node's), of its children
 * (an agent's nft: the ones it has waited for, and the live ones, such as its long-lived `nft -i`), and its RSS.
 */
function usage(p: { child: ChildProcess }): { cpuSeconds: number; childSeconds: number; rssMb: number } {
  const proc = p as Proc;
  const pid = proc.child.pid;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return {
    cpuSeconds: cpuMicros(proc) / 1e6,
    childSeconds: (Number(fields[13]) + Number(fields[14])) / 100 + liveChildrenSeconds(pid),
    rssMb: rssMb(proc),
  };
}

/** CPU seconds of a process's live children so far (their own and their waited-for children's). */
function liveChildrenSeconds(pid: number | undefined): number {
  let seconds = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean)) {
        const f = readFileSync(`/proc/${child}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
        seconds += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
      }
    }
  } catch {
    // A child that ended between the listing and the read: counted in the parent's waited-for time.
  }
  return seconds;
}

const AGENT_READY = /status at (http:\/\/\S+)/;

const scenarios: Record<string, (engine: string, dir: string) => Promise<void>> = {
  async enforce(engine, dir) {
    const skip = await enforceSkipReason();
    let n = 0;
    agentLines.push(
      ...(skip !== undefined
        ? [`\nCommit → enforced (${engine}): skipped: ${skip}`]
        : await enforceFigures({
            engine,
            dir,
            flips: FLIPS,
            serve: async (seedPath) => serve(await freshDb(engine, dir, `enforce${n++}`), ["--seed", seedPath]),
            // Beside the server on core 0: core 1 is the probing's (this process and the lab's probers).
            agent: (args) => startProcess([MAIN, "agent", ...args], { ready: AGENT_READY }),
            stop: (p) => stop(p as Proc),
          })),
    );
    console.error(`done: enforce ${engine}`);
  },
  async fanout(engine, dir) {
    let n = 0;
    agentLines.push(
      ...(await fanoutFigures({
        engine,
        dir,
        agents: AGENTS,
        changes: FANOUT_CHANGES,
        nftMode: FANOUT_NFT_MODE,
        feedTransport: FANOUT_FEED_TRANSPORT,
        serve: async (seedPath) => serve(await freshDb(engine, dir, `fanout${n++}`), ["--seed", seedPath]),
        // The agents on both cores (the machine's 2), the server on core 0 as everywhere.
        agent: (args, env) =>
          startProcess([...PROFILE, MAIN, "agent", ...args], { cores: "0,1", ready: AGENT_READY, env }),
        stop: (p) => stop(p as Proc),
        usage,
      })),
    );
    console.error(`done: fanout ${engine}`);
  },
  async ruleset() {
    if (agentLines.some((line) => line.startsWith("\nAgent ruleset"))) return;
    const skip = rulesetSkipReason();
    agentLines.push(
      "\nAgent ruleset on one host (RulesetBuilder + fullScript / diffScript + `nft -f -` in a namespace; ms):\n",
      ...(skip === undefined ? await rulesetFigures() : [`skipped: ${skip}`]),
    );
    console.error("done: ruleset");
  },
  async read(engine, dir) {
    const db = await freshDb(engine, dir, "read");
    await buildWorld(db, READ_WORLD);
    const servers = await serveAll(db);
    await abRounds("DescribeSecGroup 10 groups × 10 rules", engine, servers, shared([readBody()]));
    await stopAll(servers);
  },
  async check(engine, dir) {
    const db = await freshDb(engine, dir, "check");
    await buildWorld(db, CHECK_WORLD);
    const servers = await serveAll(db);
    const [first] = servers;
    if (first !== undefined) await addRemoteGroupRule(first);
    await abRounds("CheckSecGroupPacket, 3 groups × 20 rules", engine, servers, shared(checkBodies()));
    await stopAll(servers);
  },
  async mutate(engine, dir) {
    const db = await freshDb(engine, dir, "mutate");
    await buildWorld(db, MUTATE_WORLD);
    const servers = await serveAll(db);
    await abRounds("mutating loop (unbind + rebind, 1,000 resources)", engine, servers, mutateWorkloads());
    await stopAll(servers);
  },
  async feed(engine, dir) {
    // The mutating loop with the change feed and the audit trail off, then on (the default): what they cost.
    const off = await freshDb(engine, dir, "feedoff");
    const on = await freshDb(engine, dir, "feedon");
    await buildWorld(off, MUTATE_WORLD);
    await buildWorld(on, MUTATE_WORLD);
    const offServers = await serveAll(off, FEED_AND_AUDIT_OFF);
    const onServers = await serveAll(on);
    await abVariants("mutating loop", engine, [
      { label: "feed + audit off", servers: offServers, workloads: mutateWorkloads() },
      { label: "feed + audit on", servers: onServers, workloads: mutateWorkloads() },
    ]);
    await stopAll([...offServers, ...onServers]);
    // Reads, with read auditing off and on (the feed and the audit of changes on in both).
    const readDb = await freshDb(engine, dir, "readaudit");
    await buildWorld(readDb, READ_WORLD);
    const quiet = await serveAll(readDb, ["--audit-reads", "off"]);
    const audited = await serveAll(readDb);
    await abVariants("DescribeSecGroup 10 × 10", engine, [
      { label: "read auditing off", servers: quiet, workloads: shared([readBody()]) },
      { label: "read auditing on", servers: audited, workloads: shared([readBody()]) },
    ]);
    await stopAll([...quiet, ...audited]);
  },
  async dryrun(engine, dir) {
    // The mutating loop as real calls, then as dry runs (every check, the handler, a rolled-back transaction).
    const real = await freshDb(engine, dir, "dryreal");
    const dry = await freshDb(engine, dir, "drydry");
    await buildWorld(real, MUTATE_WORLD);
    await buildWorld(dry, MUTATE_WORLD);
    const realServers = await serveAll(real);
    const dryServers = await serveAll(dry);
    await abVariants("mutating loop", engine, [
      { label: "real calls", servers: realServers, workloads: mutateWorkloads() },
      { label: "DryRun=true", servers: dryServers, workloads: mutateWorkloads({ DryRun: "true" }) },
    ]);
    await stopAll([...realServers, ...dryServers]);
    // A create without and with a ClientToken (each request its own token: a claim and its answer kept).
    const plain = await freshDb(engine, dir, "createplain");
    const tokened = await freshDb(engine, dir, "createtoken");
    await buildWorld(plain, CREATE_WORLD);
    await buildWorld(tokened, CREATE_WORLD);
    const plainServers = await serveAll(plain);
    const tokenServers = await serveAll(tokened);
    await abVariants("CreateSecGroupRule (one new rule)", engine, [
      { label: "no ClientToken", servers: plainServers, workloads: createRuleWorkloads(false) },
      { label: "a ClientToken each", servers: tokenServers, workloads: createRuleWorkloads(true) },
    ]);
    await stopAll([...plainServers, ...tokenServers]);
  },
  async delivery(engine, dir) {
    // Commit → delivery: FOLLOWERS SSE streams (one company key, so every follower gets every event) spread over the
    // servers, while a paced writer runs the mutating loop over the same servers.
    const db = await freshDb(engine, dir, "delivery");
    await buildWorld(db, MUTATE_WORLD);
    const servers = await serveAll(db);
    const urls = servers.map((s) => s.url.replace(/\/$/, ""));
    const pool = await openFollowers(urls, signedForm(keyOf(1), { Action: "DescribeFeedEvents" }), FOLLOWERS);
    const bodies = mutateWorkloads().map((w) => w.bodies);
    const headQuery = signedForm(keyOf(1), { Action: "DescribeFeedEvents" });
    await pacedWrites(urls, bodies, DELIVERY_RATE, 2); // warm-up
    pool.from = await feedHead(urls, headQuery);
    const seconds = DURATION * ROUNDS;
    const cpuBefore = servers.reduce((n, s) => n + cpuMicros(s), 0);
    const writes = await pacedWrites(urls, bodies, DELIVERY_RATE, seconds);
    pool.to = await feedHead(urls, headQuery);
    await pool.reached(pool.to, 30_000);
    const cpuUs = servers.reduce((n, s) => n + cpuMicros(s), 0) - cpuBefore;
    const gaps = pool.followers.filter((f) => f.positions.some((p, i) => i > 0 && p !== (f.positions[i - 1] ?? 0) + 1));
    deliveryRows.push({
      engine,
      servers: servers.length,
      followers: FOLLOWERS,
      rate: writes.sent / seconds,
      failed: writes.failed,
      expected: (pool.to - pool.from) * FOLLOWERS,
      gapped: gaps.length,
      rssMb: servers.reduce((n, s) => n + rssMb(s), 0),
      cpuUsPerDelivery: cpuUs / Math.max(1, (pool.to - pool.from) * FOLLOWERS),
      ...deliveryFigures(pool.latencies),
    });
    pool.close();
    await stopAll(servers);
    console.error(`done: delivery ${engine}`);
  },
  async bulk(engine, dir) {
    const db = await freshDb(engine, dir, "bulk");
    // 500 resources with 2 groups each; group 0 is on every resource, group 1 too (priorities 1 and 2).
    await buildWorld(db, {
      companies: 1,
      resourcesPerCompany: 500,
      groupsPerCompany: 2,
      rulesPerGroup: 2,
      groupsPerResource: 2,
      rotate: false,
    });
    const server = await serve(db);
    const unbind = signedForm(keyOf(1), { Action: "DisassociateSecGroup", "SecGroupId.0": groupId(1, 1) });
    const rebindParams: Record<string, string> = {
      Action: "AssociateSecGroup",
      "PrioritySecGroup.0.SecGroupId": groupId(1, 1),
      "PrioritySecGroup.0.Priority": "2",
    };
    for (let r = 0; r < 500; r++) rebindParams[`ResourceId.${r}`] = resourceId(1, r);
    const rebind = signedForm(keyOf(1), rebindParams);
    const unbindMs: number[] = [];
    const rebindMs: number[] = [];
    // node:http on one kept-alive socket, not fetch: fetch added ~3 ms to each of these requests here (it measured
    // itself: 9.8 ms against 6.4 ms for the same unbind, the server's own log saying ~5.8 ms).
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = async (body: string, into: number[]) => {
      const t = performance.now();
      const text = await new Promise<string>((resolve, reject) => {
        const req = request(
          server.url,
          {
            method: "POST",
            agent,
            headers: {
              "content-type": "application/x-www-form-urlencoded",
              "content-length": Buffer.byteLength(body),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(body);
      });
      into.push(performance.now() - t);
      const json = JSON.parse(text) as { RetCode: number; Message?: string };
      if (json.RetCode !== 0) throw new Error(`bulk: ${json.RetCode} ${json.Message}`);
    };
    for (let k = 0; k < 60; k++) {
      await post(unbind, unbindMs);
      await post(rebind, rebindMs);
    }
    agent.destroy();
    rows.push({
      scenario: "bulk unbind of 500 bindings (p50/p99 ms; rebind p50 in note)",
      engine,
      rps: 0,
      p50: median(unbindMs.slice(10)),
      p99: [...unbindMs.slice(10)].sort((a, b) => a - b)[Math.floor(unbindMs.length * 0.99) - 10] ?? 0,
      baseRps: 0,
      ratio: 0,
      rssMb: rssMb(server),
      failures: 0,
      note: `rebind of 500 p50 ${median(rebindMs.slice(10)).toFixed(2)} ms`,
    });
    await stop(server);
  },
  async mixed(engine, dir) {
    const large = {
      companies: 1000,
      resourcesPerCompany: 200,
      groupsPerCompany: 10,
      rulesPerGroup: 2,
      groupsPerResource: 5,
    };
    // The 1k world keeps every per-request shape of the 1M one (groups a company, groups a resource, rules a group:
    // the same statements and reply sizes) and only has fewer companies and resources, so the ratio measures data
    // volume alone. The earlier 1k world, with 2 groups a resource instead of 5, ran 15–25 % faster for that alone.
    const small = { ...large, companies: 40, resourcesPerCompany: 5 };
    for (const [label, shape] of [
      ["1k bindings", small],
      ["1M bindings", large],
    ] as const satisfies readonly (readonly [string, WorldShape])[]) {
      const db = await freshDb(engine, dir, `mixed${label.startsWith("1M") ? "1m" : "1k"}`);
      const seconds = await buildWorld(db, shape);
      console.error(`built ${label} in ${seconds.toFixed(1)} s`);
      const servers = await serveAll(db);
      const body = (n: number) => {
        const c = 1 + ((Math.imul(n, 2654435761) >>> 0) % shape.companies);
        const r = (n >>> 3) % shape.resourcesPerCompany;
        const kind = n % 10;
        // 80 % reads, 20 % writes: a write unbinds a resource's last-priority group, the next write binds it back.
        if (kind < 4)
          return signedForm(keyOf(c), { Action: "DescribeResourceSecGroup", "ResourceId.0": resourceId(c, r) });
        if (kind < 8)
          return signedForm(keyOf(c), {
            Action: "DescribeSecGroup",
            "SecGroupId.0": groupId(c, r % shape.groupsPerCompany),
          });
        const p = shape.groupsPerResource;
        const g = groupId(c, (r + p - 1) % shape.groupsPerCompany);
        return kind === 8
          ? signedForm(keyOf(c), {
              Action: "DisassociateSecGroup",
              "SecGroupId.0": g,
              "ResourceId.0": resourceId(c, r),
            })
          : signedForm(keyOf(c), {
              Action: "AssociateSecGroup",
              "ResourceId.0": resourceId(c, r),
              "PrioritySecGroup.0.SecGroupId": g,
              "PrioritySecGroup.0.Priority": String(p),
            });
      };
      // Any order of these unbinds and rebinds succeeds (an unbind leaves p - 1 ≥ 1 groups; a rebind takes the slot
      // the unbind freed, or is a no-op), so cutting the sequence into a 20,000-body cycle keeps every reply RetCode 0.
      const bodies = Array.from({ length: CYCLE }, (_, n) => body(n));
      await abRounds(
        `mixed 80/20, ${shape.companies} companies, ${label}`,
        engine,
        servers,
        shared(bodies, 10),
        `world built in ${seconds.toFixed(1)} s`,
      );
      await stopAll(servers);
    }
  },
};

async function startupChecks(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const empty = await serve(`sqlite:${join(dir, "empty.db")}`);
  lines.push(`start to listening line, empty SQLite database: ${empty.startSeconds.toFixed(2)} s`);
  await stop(empty);
  const shape = {
    companies: 10,
    resourcesPerCompany: 1000,
    groupsPerCompany: 5,
    rulesPerGroup: 2,
    groupsPerResource: 1,
  };
  const seedPath = join(dir, "seed10k.json");
  const companies = Array.from({ length: shape.companies }, (_, i) => companySeed(i + 1, shape));
  await writeFile(seedPath, JSON.stringify({ Regions: ["cn-bj2"], Companies: companies }));
  const seeded = await startProcess([
    MAIN,
    "serve",
    "--port",
    "0",
    "--db",
    `sqlite:${join(dir, "seed10k.db")}`,
    "--seed",
    seedPath,
    "--log-level",
    "warn",
  ]);
  lines.push(
    `start with --seed of 10,000 resources + 10,000 bindings (validate + load + listen): ${seeded.startSeconds.toFixed(2)} s (empty start ${empty.startSeconds.toFixed(2)} s)`,
  );
  await stop(seeded);
  return lines;
}

try {
  const extra = await startupChecks(benchDir);
  for (const engine of (opts.engines ?? "sqlite").split(",")) {
    for (const name of (opts.scenarios ?? "").split(",")) {
      const scenario = scenarios[name];
      if (scenario === undefined) throw new Error(`unknown scenario ${name}`);
      await scenario(engine, benchDir);
    }
  }
  console.log(
    `\nsgplane bench — generator ${GENERATOR}, ${ROUNDS} alternating rounds × ${DURATION} s, ${CONNECTIONS} connections; server on core 0, load on core 1\n`,
  );
  if (SERVERS > 1) {
    console.log(
      `${SERVERS} sgplane servers on one database, all on core 0, each driven by its own ${GENERATOR} with its share of the connections (the baseline stays one process with all of them); on 2 cores this shows correctness under load, not scale-out. bulk uses one server.\n`,
    );
  }
  console.log(
    "| scenario | engine | req/s | p50 ms | p99 ms | server p99 ms | server CPU µs/req | baseline req/s | ratio | server RSS MB | failed | note |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const num = (x: number, d = 0) => (x === 0 ? "–" : x.toFixed(d));
    console.log(
      `| ${r.scenario} | ${r.engine} | ${num(r.rps)} | ${num(r.p50, 2)} | ${num(r.p99, 2)} | ${r.serverP99 === undefined ? "–" : formatRange(r.serverP99)} | ${r.cpuUs === undefined ? "–" : num(r.cpuUs)} | ${num(r.baseRps)} | ${num(r.ratio, 2)} | ${r.rssMb.toFixed(0)} | ${r.failures} | ${r.note} |`,
    );
  }
  if (deliveryRows.length > 0) {
    console.log(
      "\nCommit → delivery (SSE followers; latency = follower's parse time − the event's commit Time, ms):\n\n| engine | servers | followers | writes/s | failed | deliveries (expected) | followers with a gap | p50 ms | p99 ms | max ms | server RSS MB | server CPU µs/delivery |\n|---|---|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const d of deliveryRows) {
      console.log(
        `| ${d.engine} | ${d.servers} | ${d.followers} | ${d.rate.toFixed(0)} | ${d.failed} | ${d.deliveries} (${d.expected}) | ${d.gapped} | ${d.p50} | ${d.p99} | ${d.max} | ${d.rssMb.toFixed(0)} | ${d.cpuUsPerDelivery.toFixed(2)} |`,
      );
    }
  }
  if (agentLines.length > 0) console.log(agentLines.join("\n"));
  console.log(`\n${extra.join("\n")}`);
} finally {
  await rm(benchDir, { recursive: true, force: true });
  for (const db of createdDatabases) await adminQuery(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
}
