// Commit → enforced on one host, in real namespaces (issue target: p99 ≤ 100 ms with one agent). The agents' lab
// (packages/agent/test/lab): a host namespace and two resource namespaces, a and b. The real server and the real
// `sgplane agent --netns <host>`, as an operator runs them. Each flip binds or unbinds b's "open" group (UDP PORT
// from a) through the SDK, while a probes b with a UDP datagram every ~1 ms; the figure is the send time of the
// first probe that sees the new verdict, from the API call's answer and from the event's commit Time.
//
// The baseline, alternated flip by flip in the same lab: the bench's own table in the host namespace flips a drop
// of FLOOR_PORT with a one-rule transaction (hostCommands, as the agent runs nft: one `nft -i` session), timed from
// just before that command: the floor no agent can go under (nft's parse, the kernel's commit, and this probing).
import type { ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type HostCommands, hostCommands } from "@sgplane/agent";
import { SgplaneClient } from "@sgplane/sdk";
import { createLab, type Lab, labAvailability } from "../packages/agent/test/lab/index.ts";
import { spread, spreadCells } from "./stats.ts";
import { transition } from "./transition.ts";

export interface Launched {
  readonly url: string;
  readonly child: ChildProcess;
}

export interface EnforceDeps {
  /** Starts `sgplane serve` on a fresh database with this seed file. */
  serve(seedPath: string): Promise<Launched>;
  /** Starts `sgplane agent` with these arguments; resolves with its status URL once it has applied its ruleset. */
  agent(args: readonly string[]): Promise<Launched>;
  stop(p: Launched): Promise<void>;
  readonly dir: string;
  readonly engine: string;
  readonly flips: number;
}

const KEY = { publicKey: "bench-enforce-pub", privateKey: "bench-enforce-priv" };
const REGION = "cn-bj2";
const PORT = 9000;
const FLOOR_PORT = 9001;
const TABLE = "sgbench_floor";
const OPEN = "secgroup-bench-open";
const BASE = "secgroup-bench-base";
const RESOURCES = { a: "uhost-bench-a", b: "uhost-bench-b" } as const;
/** A probe unanswered this long counts as dropped (a pass takes ~0.3 ms; the window only has to outlast load). */
const DROP_WINDOW_MS = 200;
/** Probes sent after a resolved new verdict before a flip's probing stops. */
const TAIL = 5;
const WARM_UP = 10;
const GIVE_UP_MS = 10_000;

/** Why the scenario cannot run here, or undefined. */
export async function enforceSkipReason(): Promise<string | undefined> {
  const a = await labAvailability();
  return a.available ? undefined : a.reason;
}

function seed(lab: Lab): object {
  const resource = (name: "a" | "b") => ({
    ResourceId: RESOURCES[name],
    ResourceType: "uhost",
    Region: REGION,
    ProjectId: "org-bench",
    VPCId: "uvnet-bench",
    Name: name,
    SecurityMode: "SecGroup",
    PrivateIp: lab.endpoint(name).ipv4,
    EIP: [lab.endpoint(name).ipv6],
  });
  const group = (SecGroupId: string, port: number, from: string) => ({
    SecGroupId,
    Region: REGION,
    ProjectId: "org-bench",
    VPCId: "uvnet-bench",
    Name: SecGroupId,
    Rules: [
      {
        Direction: "Ingress",
        ProtocolType: "UDP",
        DstPort: String(port),
        IPRange: from,
        Priority: 1,
        RuleAction: "Accept",
      },
    ],
  });
  return {
    Regions: [REGION],
    Companies: [
      {
        CompanyId: 61001,
        Name: "bench-enforce",
        Projects: [{ ProjectId: "org-bench", Name: "Default", Default: true }],
        Users: [{ Name: "root", SubAccount: false, Keys: [{ PublicKey: KEY.publicKey, PrivateKey: KEY.privateKey }] }],
        VPCs: [{ VPCId: "uvnet-bench", Region: REGION, ProjectId: "org-bench", Name: "bench" }],
        Resources: [resource("a"), resource("b")],
        // b always accepts FLOOR_PORT (the baseline's table decides it); PORT only while OPEN is bound.
        SecGroups: [group(BASE, FLOOR_PORT, "0.0.0.0/0"), group(OPEN, PORT, `${lab.endpoint("a").ipv4}/32`)],
        Bindings: [
          { ResourceId: RESOURCES.a, SecGroupId: BASE, Priority: 1 },
          { ResourceId: RESOURCES.b, SecGroupId: BASE, Priority: 1 },
        ],
      },
    ],
  };
}

interface Watched {
  /** performance.now() of the first probe that saw the new verdict. */
  readonly at: number;
  /** performance.now() when the change was made (the API answer; the floor's command start). */
  readonly changedAt: number;
  readonly flaps: number;
  readonly probes: number;
  /** Median gap between probes, ms. */
  readonly gapMs: number;
}

/**
 * Probes a → b on `port` every ~1 ms; after a few probes runs `change` (which resolves with the moment the change
 * counts from), and stops once a new verdict has come back and TAIL more probes have gone out.
 */
async function watch(lab: Lab, port: number, to: boolean, change: () => Promise<number>): Promise<Watched> {
  const sent: number[] = [];
  const verdicts: boolean[] = [];
  const pending: Promise<void>[] = [];
  let newAfter: number | undefined; // probes sent when a new verdict resolved
  let changedAt: number | undefined;
  let failure: unknown;
  const started = performance.now();
  let changing: Promise<void> | undefined;
  for (;;) {
    const i = sent.length;
    sent.push(performance.now());
    pending.push(
      lab.udp("a", "b", port, { timeoutMs: DROP_WINDOW_MS, recheck: false }).then(
        (pass) => {
          verdicts[i] = pass;
          if (pass === to && changedAt !== undefined && newAfter === undefined) newAfter = sent.length;
        },
        (error: unknown) => {
          failure ??= error;
        },
      ),
    );
    if (i === 3) {
      changing = change().then(
        (t) => {
          changedAt = t;
        },
        (error: unknown) => {
          failure ??= error;
        },
      );
    }
    if (failure !== undefined) break;
    if (newAfter !== undefined && sent.length >= newAfter + TAIL) break;
    if (performance.now() - started > GIVE_UP_MS) break;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await changing;
  await Promise.all(pending);
  if (failure !== undefined) throw failure;
  const t = transition(verdicts, to);
  if (t === undefined || changedAt === undefined) {
    throw new Error(`enforce: port ${port} did not become ${to ? "open" : "closed"} within ${GIVE_UP_MS} ms`);
  }
  const gaps = sent.slice(1).map((s, k) => s - (sent[k] ?? s));
  return {
    at: sent[t.index] ?? 0,
    changedAt,
    flaps: t.flaps,
    probes: sent.length,
    gapMs: spread(gaps).p50,
  };
}

interface Series {
  fromAnswer: number[];
  /** fromAnswer of the flips that opened the port, and of those that closed it. */
  opened: number[];
  closed: number[];
  fromCommit: number[];
  callMs: number[];
  flaps: number;
  probes: number;
  gaps: number[];
}
const series = (): Series => ({
  fromAnswer: [],
  opened: [],
  closed: [],
  fromCommit: [],
  callMs: [],
  flaps: 0,
  probes: 0,
  gaps: [],
});

const f1 = (x: number) => x.toFixed(1);

/** Runs the scenario; returns its markdown lines. */
export async function enforceFigures(deps: EnforceDeps): Promise<string[]> {
  const lab = await createLab({ endpoints: [{ name: "a" }, { name: "b" }], ports: [PORT, FLOOR_PORT], recheck: false });
  let server: Launched | undefined;
  let agent: Launched | undefined;
  let floor: HostCommands | undefined;
  try {
    const seedPath = join(deps.dir, "enforce-seed.json");
    await writeFile(seedPath, JSON.stringify(seed(lab)));
    server = await deps.serve(seedPath);
    const hostFile = join(deps.dir, "enforce-host.json");
    const resources = {
      [RESOURCES.a]: lab.endpoint("a").hostInterface,
      [RESOURCES.b]: lab.endpoint("b").hostInterface,
    };
    await writeFile(hostFile, JSON.stringify({ resources }));
    const agentStarted = performance.now();
    agent = await deps.agent([
      "--host-file",
      hostFile,
      "--base-url",
      server.url,
      "--public-key",
      KEY.publicKey,
      "--private-key",
      KEY.privateKey,
      "--netns",
      lab.host.netns,
      "--listen",
      "127.0.0.1:0",
    ]);
    const agentStartMs = performance.now() - agentStarted;
    const client = new SgplaneClient({ baseUrl: server.url, region: REGION, ...KEY });
    // The agent's own way of running nft (one long-lived `nft -i`), so the floor is the kernel's commit and nft's
    // parse, not a process start.
    const floorNft = hostCommands({ netns: lab.host.netns, mode: "session" });
    floor = floorNft;
    await floorNft.apply(
      `table inet ${TABLE} {\n  chain forward {\n    type filter hook forward priority filter + 10; policy accept;\n  }\n}\n`,
    );
    let { Cursor: cursor } = await client.describeFeedEvents({});
    const commitTime = async (): Promise<number> => {
      const page = await client.describeFeedEvents({ After: cursor, Types: ["BindingAdded", "BindingRemoved"] });
      cursor = page.Cursor;
      const time = page.Events[0]?.Time;
      if (time === undefined || page.Events.length !== 1) {
        throw new Error(`enforce: expected one binding event, got ${page.Events.length}`);
      }
      return time;
    };
    const agentSide = series();
    const floorSide = series();
    let open = false;
    for (let k = 0; k < deps.flips + WARM_UP; k++) {
      const measured = k >= WARM_UP;
      open = !open;
      // The agent: bind or unbind b's open group.
      let called = 0;
      const a = await watch(lab, PORT, open, async () => {
        called = performance.now();
        if (open) {
          await client.associateSecGroup({
            ResourceId: [RESOURCES.b],
            PrioritySecGroup: [{ SecGroupId: OPEN, Priority: 2 }],
          });
        } else {
          await client.disassociateSecGroup({ SecGroupId: [OPEN], ResourceId: [RESOURCES.b] });
        }
        return performance.now();
      });
      const time = await commitTime();
      // The floor: FLOOR_PORT dropped by the bench's own one-rule table, or not.
      const b = await watch(lab, FLOOR_PORT, open, async () => {
        const t = performance.now();
        await floorNft.apply(
          `flush chain inet ${TABLE} forward\nadd rule inet ${TABLE} forward udp dport ${FLOOR_PORT} ${open ? "accept" : "drop"}\n`,
        );
        floorSide.callMs.push(performance.now() - t);
        return t;
      });
      if (!measured) {
        floorSide.callMs.length = 0;
        continue;
      }
      agentSide.fromAnswer.push(a.at - a.changedAt);
      agentSide[open ? "opened" : "closed"].push(a.at - a.changedAt);
      floorSide[open ? "opened" : "closed"].push(b.at - b.changedAt);
      agentSide.fromCommit.push(performance.timeOrigin + a.at - time);
      agentSide.callMs.push(a.changedAt - called);
      floorSide.fromAnswer.push(b.at - b.changedAt);
      for (const [s, w] of [
        [agentSide, a],
        [floorSide, b],
      ] as const) {
        s.flaps += w.flaps;
        s.probes += w.probes;
        s.gaps.push(w.gapMs);
      }
    }
    const probeGap = f1(spread([...agentSide.gaps, ...floorSide.gaps]).p50);
    return [
      `\nCommit → enforced (${deps.engine}), one agent, real namespaces (${deps.flips} flips, open and closed alternately; UDP probe a → b every ~${probeGap} ms; ms):\n`,
      "| path | from | flips | p50 | p99 | max | change call p50 / p99 ms | false drops | probes |",
      "|---|---|---|---|---|---|---|---|---|",
      `| agent (bind / unbind b's group via the SDK) | API answer | ${agentSide.fromAnswer.length} | ${spreadCells(spread(agentSide.fromAnswer))} | ${f1(spread(agentSide.callMs).p50)} / ${f1(spread(agentSide.callMs).p99)} | ${agentSide.flaps} | ${agentSide.probes} |`,
      `| agent | commit Time (ms clock) | ${agentSide.fromCommit.length} | ${spreadCells(spread(agentSide.fromCommit))} | | | |`,
      `| baseline: one-rule nft transaction (an \`nft -i\` session, as the agent's) in the host namespace | command start | ${floorSide.fromAnswer.length} | ${spreadCells(spread(floorSide.fromAnswer))} | ${f1(spread(floorSide.callMs).p50)} / ${f1(spread(floorSide.callMs).p99)} | ${floorSide.flaps} | ${floorSide.probes} |`,
      "",
      `Opening / closing p50: agent ${f1(spread(agentSide.opened).p50)} / ${f1(spread(agentSide.closed).p50)} ms, baseline ${f1(spread(floorSide.opened).p50)} / ${f1(spread(floorSide.closed).p50)} ms. ` +
        `Agent start (snapshot + first apply) ${agentStartMs.toFixed(0)} ms; lab probes ${lab.stats.probes}, late UDP ${lab.stats.lateUdp}.`,
    ];
  } finally {
    await floor?.close();
    if (agent !== undefined) await deps.stop(agent);
    if (server !== undefined) await deps.stop(server);
    await lab.destroy();
  }
}
