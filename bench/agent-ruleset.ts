// The agent's ruleset costs on a big host (issue targets: 200 resources × 5 groups × 100 rules renders and applies
// in ≤ 500 ms; a single-binding change applies in ≤ 20 ms), measured the way the agent does the work: its
// RulesetBuilder, fullScript / diffScript, and hostCommands into a network namespace of the bench's own, both ways the
// agent runs nft (an `nft -i` session, `nft -f -` per change). The baseline is the floor no agent can go under: the
// same way's one-rule transaction on a one-chain table.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  diffScript,
  fullScript,
  type HostCommands,
  hostCommands,
  type Ruleset,
  RulesetBuilder,
  World,
} from "@sgplane/agent";
// Feed-state builders of the agent's tests: the bench builds the same states the agent receives from the feed.
import { binding, event, resource, rule } from "../packages/agent/test/fixtures.ts";
import { median, quantile } from "./stats.ts";

const TABLE = "sgbench";

interface Shape {
  readonly label: string;
  /** Each resource has its own 5 groups (100,000 rules), instead of all sharing the same 5. */
  readonly distinct: boolean;
}

const SHAPES: readonly Shape[] = [
  { label: "200 resources sharing 5 groups × 100 rules", distinct: false },
  { label: "200 resources, each its own 5 groups × 100 rules (100,000 rules)", distinct: true },
];
const RESOURCES = 200;
const GROUPS = 5;
const RULES = 100;
const CHANGES = 60;

/** Why the scenario cannot run here (not root, no nft or ip), or undefined. */
export function rulesetSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces)";
  for (const tool of ["nft", "ip", "nsenter"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      return `needs ${tool} (apt-get install nftables iproute2)`;
    }
  }
  return undefined;
}

function world(shape: Shape): { world: World; hostFile: { resourceId: string; ifname: string }[] } {
  let seed = 20241207;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const resources = [];
  const rules = [];
  const bindings = [];
  const groups = new Set<string>();
  for (let r = 0; r < RESOURCES; r++) {
    resources.push(resource(`uhost-b${r}`, `198.18.${r >> 8}.${(r & 255) + 1}`));
    for (let g = 0; g < GROUPS; g++) {
      const id = shape.distinct ? `secgroup-b${r}x${g}` : `secgroup-b${g}`;
      bindings.push(binding(`uhost-b${r}`, id, g + 1));
      if (groups.has(id)) continue;
      groups.add(id);
      for (let k = 0; k < RULES; k++) {
        const p = random();
        const start = 1 + Math.floor(random() * 60000);
        rules.push(
          rule(`rule-${id}-${k}`, id, {
            Direction: k % 2 === 0 ? "Ingress" : "Egress",
            ProtocolType: p < 0.6 ? "TCP" : p < 0.9 ? "UDP" : "ICMP",
            DstPort: random() < 0.7 ? `${start}` : `${start}-${start + 100}`,
            IPRange: `10.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.0/24`,
            Priority: 1 + Math.floor(random() * 100),
            RuleAction: random() < 0.1 ? "Drop" : "Accept",
          }),
        );
      }
    }
  }
  return {
    world: World.from({ Resources: resources, Rules: rules, Bindings: bindings }),
    hostFile: resources.map((r, i) => ({ resourceId: r.ResourceId, ifname: `sgb${i}` })),
  };
}

const ms = (from: number) => performance.now() - from;
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const spread = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return `${fmt(quantile(sorted, 0.5))} / ${fmt(quantile(sorted, 0.99))}`;
};

/** Runs the scenario; returns its markdown table. */
export async function rulesetFigures(): Promise<string[]> {
  const tag = `${randomBytes(2).toString("hex")}-${process.pid}`;
  const [netns, floorNetns] = [`sgb-${tag}`, `sgb-${tag}-floor`];
  execFileSync("ip", ["netns", "add", netns]);
  try {
    execFileSync("ip", ["netns", "add", floorNetns]);
    try {
      // Each way the agent can run nft (--nft-mode): one long-lived `nft -i` (the default), a `nft -f -` per change.
      const lines = [
        "| nft | host | full render ms | full apply ms | render + apply ms | one binding change: render p50 / p99 ms | apply p50 / p99 ms | total p50 / p99 ms | baseline: one-rule nft transaction p50 / p99 ms |",
        "|---|---|---|---|---|---|---|---|---|",
      ];
      for (const mode of ["session", "exec"] as const) {
        const nft = hostCommands({ netns, mode });
        const floorNft = hostCommands({ netns: floorNetns, mode });
        try {
          lines.push(...(await measure(nft, floorNft)).map((row) => `| ${mode} ${row}`));
        } finally {
          await nft.close();
          await floorNft.close();
        }
      }
      return lines;
    } finally {
      execFileSync("ip", ["netns", "delete", floorNetns]);
    }
  } finally {
    execFileSync("ip", ["netns", "delete", netns]);
  }
}

async function measure(nft: HostCommands, floorNft: HostCommands): Promise<string[]> {
  // Baseline, alternated with every change: a one-rule transaction on a one-chain table of another namespace.
  await floorNft.apply(`table inet ${TABLE} {\n  chain c {\n  }\n}\n`);
  let floorCount = 0;
  const floorOnce = async (into: number[]) => {
    const t = performance.now();
    await floorNft.apply(`flush chain inet ${TABLE} c\nadd rule inet ${TABLE} c accept comment "${floorCount++}"\n`);
    into.push(ms(t));
  };
  const lines: string[] = [];
  for (const shape of SHAPES) {
    const { world: w, hostFile } = world(shape);
    const renders: number[] = [];
    const applies: number[] = [];
    let current: Ruleset | undefined;
    let builder: RulesetBuilder | undefined;
    for (let round = 0; round < (shape.distinct ? 1 : 3); round++) {
      // Into an empty namespace each round: what a fresh host pays (deleting a big table costs seconds).
      await nft.apply(`table inet ${TABLE}\ndelete table inet ${TABLE}\n`);
      builder = new RulesetBuilder(hostFile);
      let t = performance.now();
      current = builder.build(w, "all");
      const script = fullScript(TABLE, current);
      renders.push(ms(t));
      t = performance.now();
      await nft.apply(script);
      applies.push(ms(t));
    }
    if (builder === undefined || current === undefined) throw new Error("no round ran");
    const render: number[] = [];
    const apply: number[] = [];
    const total: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      // Unbind group 3 of a resource, then bind it back: one binding, its resource's two chains.
      const r = (Math.floor(i / 2) * 7) % RESOURCES;
      const groupId = shape.distinct ? `secgroup-b${r}x2` : "secgroup-b2";
      const change = event("Binding", i % 2 === 0 ? "Deleted" : "Created", binding(`uhost-b${r}`, groupId, 3));
      const t = performance.now();
      const next = builder.build(w, w.apply(change));
      const script = diffScript(TABLE, current, next);
      const rendered = performance.now();
      await nft.apply(script);
      render.push(rendered - t);
      apply.push(ms(rendered));
      total.push(ms(t));
      current = next;
      await floorOnce(floor);
    }
    const r = median(renders);
    const a = median(applies);
    lines.push(
      `| ${shape.label} | ${fmt(r)} | ${fmt(a)} | ${fmt(r + a)} | ${spread(render)} | ${spread(apply)} | ${spread(total)} | ${spread(floor)} |`,
    );
  }
  return lines;
}
