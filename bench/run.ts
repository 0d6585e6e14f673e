// `npm run bench`: sgplane vs a bare node:http baseline in the same run, per scenario and engine, A/B alternated.
// Server processes are pinned to core 0 and this load generator to core 1 (taskset), since the machine has 2 cores.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sign } from "@sgplane/spec";
import autocannon from "autocannon";
import { buildWorld, companySeed, groupId, keyOf, resourceId, type WorldShape } from "./world.ts";

const { values: opts } = parseArgs({
  options: {
    scenarios: { type: "string", default: "read,mutate,bulk,mixed" },
    engines: { type: "string", default: process.env.SGPLANE_BENCH_PG ? "sqlite,postgres" : "sqlite" },
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "100" },
    servers: { type: "string", default: "1" },
  },
});
const ROUNDS = Number(opts.rounds);
const DURATION = Number(opts.duration);
const CONNECTIONS = Number(opts.connections);
// The production build (npm run build), as operators run it.
const MAIN = new URL("../packages/server/dist/bin/sgplane.mjs", import.meta.url).pathname;
const BASELINE = new URL("./baseline-server.ts", import.meta.url).pathname;
const pinned = (core: number, args: string[]) => ["taskset", ["-c", String(core), ...args]] as const;

interface Proc {
  url: string;
  child: ChildProcess;
  startSeconds: number;
}

const children = new Set<ChildProcess>();
// A failed scenario must not leave servers behind.
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function startProcess(args: string[], core = 0): Promise<Proc> {
  const started = performance.now();
  const tsx = args[0]?.endsWith(".ts") ? ["--import", "tsx"] : [];
  const [cmd, argv] = pinned(core, [process.execPath, ...tsx, ...args]);
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve({ url: m[1], child, startSeconds: (performance.now() - started) / 1000 });
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

type Body = () => string;

function signedForm(companyKey: { publicKey: string; privateKey: string }, params: Record<string, string>): string {
  const all = { ...params, PublicKey: companyKey.publicKey, Region: "cn-bj2" };
  return new URLSearchParams({ ...all, Signature: sign(all, companyKey.privateKey) }).toString();
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  failures: number;
}

async function load(url: string, body: Body, connections = CONNECTIONS): Promise<Run> {
  let failures = 0;
  const result = await autocannon({
    url,
    connections,
    duration: DURATION,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        setupRequest: (req: autocannon.Request) => ({ ...req, body: body() }),
        onResponse: (status: number, text: string) => {
          if (status !== 200 || !text.includes('"RetCode":0')) failures++;
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: failures + result.errors,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

interface Row {
  scenario: string;
  engine: string;
  rps: number;
  p50: number;
  p99: number;
  baseRps: number;
  ratio: number;
  rssMb: number;
  failures: number;
  note: string;
}
const rows: Row[] = [];

async function abRounds(scenario: string, engine: string, server: Proc, body: Body, note = ""): Promise<void> {
  const baseline = await startProcess([BASELINE], 0);
  const ours: Run[] = [];
  const base: Run[] = [];
  try {
    await load(server.url, body, 10); // warm-up
    for (let i = 0; i < ROUNDS; i++) {
      base.push(await load(baseline.url, body));
      ours.push(await load(server.url, body));
    }
  } finally {
    await stop(baseline);
  }
  const rps = median(ours.map((r) => r.rps));
  const baseRps = median(base.map((r) => r.rps));
  rows.push({
    scenario,
    engine,
    rps,
    p50: median(ours.map((r) => r.p50)),
    p99: median(ours.map((r) => r.p99)),
    baseRps,
    ratio: rps / baseRps,
    rssMb: rssMb(server),
    failures: ours.reduce((n, r) => n + r.failures, 0),
    note,
  });
  console.error(`done: ${scenario} ${engine} ${Math.round(rps)} req/s (baseline ${Math.round(baseRps)})`);
}

async function freshDb(engine: string, dir: string, name: string): Promise<string> {
  if (engine === "sqlite") return `sqlite:${join(dir, `${name}.db`)}`;
  const admin = process.env.SGPLANE_BENCH_PG ?? "";
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  const db = `sgplane_bench_${name}_${Date.now()}`;
  await client.query(`CREATE DATABASE ${db}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${db}`;
  return url.toString();
}

async function serve(db: string): Promise<Proc> {
  return startProcess([MAIN, "serve", "--port", "0", "--db", db, "--log-level", "warn"], 0);
}

const scenarios: Record<string, (engine: string, dir: string) => Promise<void>> = {
  async read(engine, dir) {
    const db = await freshDb(engine, dir, "read");
    await buildWorld(db, {
      companies: 1,
      resourcesPerCompany: 10,
      groupsPerCompany: 10,
      rulesPerGroup: 10,
      groupsPerResource: 1,
    });
    const server = await serve(db);
    const ids: Record<string, string> = { Action: "DescribeSecGroup" };
    for (let g = 0; g < 10; g++) ids[`SecGroupId.${g}`] = groupId(1, g);
    const body = signedForm(keyOf(1), ids);
    await abRounds("DescribeSecGroup 10 groups × 10 rules", engine, server, () => body);
    await stop(server);
  },
  async mutate(engine, dir) {
    const db = await freshDb(engine, dir, "mutate");
    await buildWorld(db, {
      companies: 1,
      resourcesPerCompany: 1000,
      groupsPerCompany: 2,
      rulesPerGroup: 2,
      groupsPerResource: 2,
    });
    const server = await serve(db);
    let i = 0;
    // Even: unbind the priority-2 group of resource r (it keeps its other one); odd: bind it back.
    const body = () => {
      const n = i++;
      const r = Math.floor(n / 2) % 1000;
      const g = groupId(1, (r + 1) % 2);
      return n % 2 === 0
        ? signedForm(keyOf(1), { Action: "DisassociateSecGroup", "SecGroupId.0": g, "ResourceId.0": resourceId(1, r) })
        : signedForm(keyOf(1), {
            Action: "AssociateSecGroup",
            "ResourceId.0": resourceId(1, r),
            "PrioritySecGroup.0.SecGroupId": g,
            "PrioritySecGroup.0.Priority": "2",
          });
    };
    await abRounds("mutating loop (unbind + rebind, 1,000 resources)", engine, server, body);
    await stop(server);
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
    const post = async (body: string, into: number[]) => {
      const t = performance.now();
      const res = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
      const json = (await res.json()) as { RetCode: number; Message?: string };
      into.push(performance.now() - t);
      if (json.RetCode !== 0) throw new Error(`bulk: ${json.RetCode} ${json.Message}`);
    };
    for (let k = 0; k < 60; k++) {
      await post(unbind, unbindMs);
      await post(rebind, rebindMs);
    }
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
    for (const [label, shape] of [
      [
        "1k bindings",
        { companies: 250, resourcesPerCompany: 2, groupsPerCompany: 2, rulesPerGroup: 2, groupsPerResource: 2 },
      ],
      [
        "1M bindings",
        { companies: 1000, resourcesPerCompany: 200, groupsPerCompany: 10, rulesPerGroup: 2, groupsPerResource: 5 },
      ],
    ] as const satisfies readonly (readonly [string, WorldShape])[]) {
      const db = await freshDb(engine, dir, `mixed${label.startsWith("1M") ? "1m" : "1k"}`);
      const seconds = await buildWorld(db, shape);
      console.error(`built ${label} in ${seconds.toFixed(1)} s`);
      const server = await serve(db);
      let i = 0;
      const body = () => {
        const n = i++;
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
      await abRounds(
        `mixed 80/20, ${shape.companies} companies, ${label}`,
        engine,
        server,
        body,
        `world built in ${seconds.toFixed(1)} s`,
      );
      await stop(server);
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

const dir = await mkdtemp(join(tmpdir(), "sgplane-bench-"));
try {
  const extra = await startupChecks(dir);
  for (const engine of (opts.engines ?? "sqlite").split(",")) {
    for (const name of (opts.scenarios ?? "").split(",")) {
      const scenario = scenarios[name];
      if (scenario === undefined) throw new Error(`unknown scenario ${name}`);
      await scenario(engine, dir);
    }
  }
  console.log(
    `\nsgplane bench — ${ROUNDS} alternating rounds × ${DURATION} s, ${CONNECTIONS} connections; server on core 0, load on core 1\n`,
  );
  console.log(
    "| scenario | engine | req/s | p50 ms | p99 ms | baseline req/s | ratio | server RSS MB | failed | note |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const num = (x: number, d = 0) => (x === 0 ? "–" : x.toFixed(d));
    console.log(
      `| ${r.scenario} | ${r.engine} | ${num(r.rps)} | ${num(r.p50, 2)} | ${num(r.p99, 2)} | ${num(r.baseRps)} | ${num(r.ratio, 2)} | ${r.rssMb.toFixed(0)} | ${r.failures} | ${r.note} |`,
    );
  }
  console.log(`\n${extra.join("\n")}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
