// Commit → applied by every agent following one server (issue target: ≤ 250 ms p99 with 100 agents). AGENTS real
// `sgplane agent` processes, each with its own host file (one resource, on `lo`: the host is simulated) and the fake
// nft of fake-nft.ts, which logs when it has read a script and the port it rendered. Each change is an
// UpdateSecGroupRule of the one rule of the group every resource is bound to, to a new port, so every agent renders
// and "applies" it; the figure is the last agent's apply minus the event's commit Time.
//
// The baseline, alternated change by change: AGENTS plain long-poll followers (the SDK's FeedFollower, in this
// process) of a second company, whose rule the bench changes the same way: commit → the last follower has the event.
import { readFileSync } from "node:fs";
import { chmod, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AGENT_EVENT_TYPES } from "@sgplane/agent";
import { FeedFollower, SgplaneClient } from "@sgplane/sdk";
import type { Launched } from "./enforce.ts";
import { FAKE_NFT_SCRIPT, type FakeApply, parseFakeApplies } from "./fake-nft.ts";
import { machineCpu, spread, spreadCells } from "./stats.ts";

export interface FanoutDeps {
  serve(seedPath: string): Promise<Launched>;
  /** Starts `sgplane agent` with these arguments and extra environment; resolves once it has applied its ruleset. */
  agent(args: readonly string[], env: Readonly<Record<string, string>>): Promise<Launched>;
  stop(p: Launched): Promise<void>;
  /** User + system CPU seconds of a process so far, of its children it waited for, and its RSS in MB. */
  usage(p: Launched): { cpuSeconds: number; childSeconds: number; rssMb: number };
  readonly dir: string;
  readonly engine: string;
  readonly agents: number;
  readonly changes: number;
  /** sgplane agent --nft-mode. */
  readonly nftMode: "session" | "exec";
  /** sgplane agent --feed-transport. */
  readonly feedTransport: "stream" | "poll";
}

const REGION = "cn-bj2";
const AGENT_KEY = { publicKey: "bench-fan-pub", privateKey: "bench-fan-priv" };
const FOLLOWER_KEY = { publicKey: "bench-fanb-pub", privateKey: "bench-fanb-priv" };
const AGENT_GROUP = "secgroup-bench-fan";
const FOLLOWER_GROUP = "secgroup-bench-fanb";
const FIRST_PORT = 20000;
const WARM_UP = 5;
const WAIT_MS = 30_000;
/** Agents started at once (each is a node process: ~0.3 s of CPU to start). */
const START_BATCH = 10;

function company(id: number, key: typeof AGENT_KEY, group: string, resources: number): object {
  const project = `org-fan${id}`;
  const vpc = `uvnet-fan${id}`;
  return {
    CompanyId: id,
    Name: `bench-fan-${id}`,
    Projects: [{ ProjectId: project, Name: "Default", Default: true }],
    Users: [{ Name: "root", SubAccount: false, Keys: [{ PublicKey: key.publicKey, PrivateKey: key.privateKey }] }],
    VPCs: [{ VPCId: vpc, Region: REGION, ProjectId: project, Name: "fan" }],
    Resources: Array.from({ length: resources }, (_, i) => ({
      ResourceId: `uhost-fan${id}-${i}`,
      ResourceType: "uhost",
      Region: REGION,
      ProjectId: project,
      VPCId: vpc,
      Name: `fan${i}`,
      SecurityMode: "SecGroup",
      PrivateIp: `198.18.${i >> 8}.${(i & 255) + 1}`,
    })),
    SecGroups: [
      {
        SecGroupId: group,
        Region: REGION,
        ProjectId: project,
        VPCId: vpc,
        Name: group,
        Rules: [
          {
            Direction: "Ingress",
            ProtocolType: "UDP",
            DstPort: String(FIRST_PORT),
            IPRange: "0.0.0.0/0",
            Priority: 1,
            RuleAction: "Accept",
          },
        ],
      },
    ],
    Bindings: Array.from({ length: resources }, (_, i) => ({
      ResourceId: `uhost-fan${id}-${i}`,
      SecGroupId: group,
      Priority: 1,
    })),
  };
}

/** The fake nft's log, read as it grows. */
class ApplyLog {
  #rest = "";
  #offset = 0;
  readonly #byPort = new Map<number, Map<string, number>>();
  constructor(private readonly path: string) {}

  async #read(): Promise<void> {
    const file = await open(this.path, "r");
    try {
      const { size } = await file.stat();
      if (size <= this.#offset) return;
      const buffer = Buffer.alloc(size - this.#offset);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, this.#offset);
      this.#offset += bytesRead;
      const { applies, rest } = parseFakeApplies(this.#rest + buffer.subarray(0, bytesRead).toString("utf8"));
      this.#rest = rest;
      for (const a of applies) this.#add(a);
    } finally {
      await file.close();
    }
  }

  #add(a: FakeApply): void {
    if (a.port === undefined) return;
    const tags = this.#byPort.get(a.port) ?? new Map<string, number>();
    this.#byPort.set(a.port, tags);
    if (!tags.has(a.tag)) tags.set(a.tag, a.atMs);
  }

  /** Each agent's first apply of a script rendering `port` (epoch ms), once `count` agents have one. */
  async all(port: number, count: number, timeoutMs: number): Promise<number[]> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      await this.#read();
      const tags = this.#byPort.get(port);
      if ((tags?.size ?? 0) >= count) return [...(tags?.values() ?? [])];
      if (performance.now() > deadline) {
        throw new Error(`fan-out: ${tags?.size ?? 0} of ${count} agents applied port ${port} in ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

const epochNow = () => performance.timeOrigin + performance.now();
const f1 = (x: number) => x.toFixed(1);

/** Runs the scenario; returns its markdown lines. */
export async function fanoutFigures(deps: FanoutDeps): Promise<string[]> {
  const seedPath = join(deps.dir, "fanout-seed.json");
  await writeFile(
    seedPath,
    JSON.stringify({
      Regions: [REGION],
      Companies: [company(61101, AGENT_KEY, AGENT_GROUP, deps.agents), company(61102, FOLLOWER_KEY, FOLLOWER_GROUP, 1)],
    }),
  );
  const nft = join(deps.dir, "fake-nft");
  await writeFile(nft, FAKE_NFT_SCRIPT);
  await chmod(nft, 0o755);
  const logPath = join(deps.dir, "fake-nft.log");
  await writeFile(logPath, "");
  const server = await deps.serve(seedPath);
  const agents: Launched[] = [];
  const stopFollowing = new AbortController();
  const following: Promise<void>[] = [];
  try {
    const started = performance.now();
    for (let i = 0; i < deps.agents; i += START_BATCH) {
      const batch = Array.from({ length: Math.min(START_BATCH, deps.agents - i) }, async (_, j) => {
        const n = i + j;
        const hostFile = join(deps.dir, `fanout-host-${n}.json`);
        await writeFile(hostFile, JSON.stringify({ resources: { [`uhost-fan61101-${n}`]: "lo" } }));
        agents.push(
          await deps.agent(
            [
              "--host-file",
              hostFile,
              "--base-url",
              server.url,
              "--public-key",
              AGENT_KEY.publicKey,
              "--private-key",
              AGENT_KEY.privateKey,
              "--nft",
              nft,
              "--nft-mode",
              deps.nftMode,
              "--feed-transport",
              deps.feedTransport,
              "--drift-check",
              "0",
              "--listen",
              "127.0.0.1:0",
            ],
            { SGPLANE_FAKE_NFT_TAG: `a${n}`, SGPLANE_FAKE_NFT_LOG: logPath },
          ),
        );
      });
      await Promise.all(batch);
    }
    const startSeconds = (performance.now() - started) / 1000;
    const log = new ApplyLog(logPath);
    await log.all(FIRST_PORT, deps.agents, WAIT_MS);

    // The baseline's followers: one position → receipt time map each.
    const followerClient = new SgplaneClient({ baseUrl: server.url, region: REGION, ...FOLLOWER_KEY });
    const receipts = Array.from({ length: deps.agents }, () => new Map<number, number>());
    const waiters = new Set<() => void>();
    let { Cursor: followerCursor } = await followerClient.describeFeedEvents({});
    for (const got of receipts) {
      const follower = new FeedFollower(followerClient, {
        after: followerCursor,
        types: AGENT_EVENT_TYPES,
        signal: stopFollowing.signal,
      });
      following.push(
        (async () => {
          for await (const event of follower) {
            got.set(event.Position, epochNow());
            for (const w of waiters) w();
          }
        })(),
      );
    }
    const received = (position: number) =>
      new Promise<number[]>((resolve, reject) => {
        const check = () => {
          if (!receipts.every((r) => r.has(position))) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(receipts.map((r) => r.get(position) ?? 0));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const behind = receipts.filter((r) => !r.has(position)).length;
          reject(new Error(`fan-out baseline: ${behind} followers did not get position ${position}`));
        }, WAIT_MS);
        waiters.add(check);
        check();
      });

    const agentClient = new SgplaneClient({ baseUrl: server.url, region: REGION, ...AGENT_KEY });
    const ruleOf = async (client: SgplaneClient, group: string) => {
      const { DataSet } = await client.describeSecGroup({ SecGroupId: [group] });
      const rule = DataSet[0]?.Rule[0];
      if (rule === undefined) throw new Error(`fan-out: ${group} has no rule`);
      return rule.RuleId;
    };
    const agentRule = await ruleOf(agentClient, AGENT_GROUP);
    const followerRule = await ruleOf(followerClient, FOLLOWER_GROUP);
    let { Cursor: agentCursor } = await agentClient.describeFeedEvents({});
    const change = async (client: SgplaneClient, group: string, RuleId: string, port: number) => {
      await client.updateSecGroupRule({
        SecGroupId: group,
        Rule: [
          {
            RuleId,
            Direction: "Ingress",
            ProtocolType: "UDP",
            DstPort: String(port),
            IPRange: "0.0.0.0/0",
            Priority: 1,
            RuleAction: "Accept",
          },
        ],
      });
      return epochNow();
    };
    const eventOf = async (client: SgplaneClient, after: string) => {
      const page = await client.describeFeedEvents({ After: after, Types: ["RuleUpdated"] });
      const event = page.Events[0];
      if (event === undefined || page.Events.length !== 1) {
        throw new Error(`fan-out: expected one RuleUpdated event, got ${page.Events.length}`);
      }
      return { time: event.Time, position: event.Position, cursor: page.Cursor };
    };

    const allApplied: number[] = [];
    const medianAgent: number[] = [];
    const fromAnswer: number[] = [];
    const allReceived: number[] = [];
    const medianFollower: number[] = [];
    const processes = [server, ...agents];
    let before = processes.map((p) => deps.usage(p));
    let measuredFrom = performance.now();
    // Both cores' time from each agent change to its last apply: how busy the machine was while the agents worked.
    const burst = { total: 0, busy: 0 };
    const procStat = () => machineCpu(readFileSync("/proc/stat", "utf8"));
    for (let k = 0; k < deps.changes + WARM_UP; k++) {
      if (k === WARM_UP) {
        before = processes.map((p) => deps.usage(p));
        measuredFrom = performance.now();
      }
      const port = FIRST_PORT + 1 + k;
      const cpuBefore = procStat();
      const answered = await change(agentClient, AGENT_GROUP, agentRule, port);
      const applied = await log.all(port, deps.agents, WAIT_MS);
      const cpuAfter = procStat();
      if (k >= WARM_UP) {
        burst.total += cpuAfter.total - cpuBefore.total;
        burst.busy += cpuAfter.busy - cpuBefore.busy;
      }
      const agentEvent = await eventOf(agentClient, agentCursor);
      agentCursor = agentEvent.cursor;
      await change(followerClient, FOLLOWER_GROUP, followerRule, port);
      const followerEvent = await eventOf(followerClient, followerCursor);
      followerCursor = followerEvent.cursor;
      const got = await received(followerEvent.position);
      if (k < WARM_UP) continue;
      const last = Math.max(...applied);
      allApplied.push(last - agentEvent.time);
      medianAgent.push(spread(applied).p50 - agentEvent.time);
      fromAnswer.push(last - answered);
      allReceived.push(Math.max(...got) - followerEvent.time);
      medianFollower.push(spread(got).p50 - followerEvent.time);
    }
    const seconds = (performance.now() - measuredFrom) / 1000;
    const after = processes.map((p) => deps.usage(p));
    const cpu = (from: number, to: number, of: "cpuSeconds" | "childSeconds" = "cpuSeconds") =>
      after.slice(from, to).reduce((n, u, i) => n + u[of] - (before[from + i]?.[of] ?? 0), 0) / seconds;
    const applies = deps.changes * deps.agents;
    const perApply = (of: "cpuSeconds" | "childSeconds") => (cpu(1, processes.length, of) * seconds * 1000) / applies;
    const agentRss = after.slice(1).map((u) => u.rssMb);
    return [
      `\nCommit → applied on every host (${deps.engine}), ${deps.agents} agents following one server (${deps.changes} rule changes, each alternated with one for the baseline's followers; fake nft, --nft-mode ${deps.nftMode}, --feed-transport ${deps.feedTransport}; ms from the event's commit Time):\n`,
      "| path | changes | all applied p50 | p99 | max | median agent p50 | median agent p99 | last apply from the API answer p50 / p99 |",
      "|---|---|---|---|---|---|---|---|",
      `| ${deps.agents} \`sgplane agent\` processes, fake nft | ${allApplied.length} | ${spreadCells(spread(allApplied))} | ${f1(spread(medianAgent).p50)} | ${f1(spread(medianAgent).p99)} | ${f1(spread(fromAnswer).p50)} / ${f1(spread(fromAnswer).p99)} |`,
      `| baseline: ${deps.agents} FeedFollowers (long poll) in the bench process | ${allReceived.length} | ${spreadCells(spread(allReceived))} | ${f1(spread(medianFollower).p50)} | ${f1(spread(medianFollower).p99)} | |`,
      "",
      `${deps.agents} agents started (snapshot + first apply each, ${START_BATCH} at a time) in ${startSeconds.toFixed(1)} s. ` +
        `While measuring (${seconds.toFixed(1)} s, both kinds of change): server CPU ${(cpu(0, 1) * 100).toFixed(0)} % of one core, agents ${(cpu(1, processes.length) * 100).toFixed(0)} % and their nft runs ${(cpu(1, processes.length, "childSeconds") * 100).toFixed(0)} %; ` +
        `CPU per agent apply ${perApply("cpuSeconds").toFixed(2)} ms in the agent + ${perApply("childSeconds").toFixed(2)} ms in its nft; ` +
        `from each agent change to its last apply the two cores were ${burst.total === 0 ? "–" : ((100 * burst.busy) / burst.total).toFixed(0)} % busy. ` +
        `server RSS ${(after[0]?.rssMb ?? 0).toFixed(0)} MB, agents ${agentRss.reduce((n, x) => n + x, 0).toFixed(0)} MB together (${spread(agentRss).p50.toFixed(0)} MB each).`,
    ];
  } finally {
    stopFollowing.abort();
    await Promise.allSettled(following);
    await Promise.all(agents.map((a) => deps.stop(a)));
    await deps.stop(server);
  }
}
