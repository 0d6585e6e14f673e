// Benchmark worlds, generated straight into the store (not through HTTP): N companies, each with its key,
// one VPC, resources, groups with rules, and bindings.
import type { seed } from "@sgplane/catalogue";
import { randomIds } from "../packages/server/src/ids.ts";
import { loadSeed } from "../packages/server/src/seed/load-seed.ts";
import { openStore } from "../packages/server/src/store/open.ts";

export interface WorldShape {
  readonly companies: number;
  readonly resourcesPerCompany: number;
  readonly groupsPerCompany: number;
  readonly rulesPerGroup: number;
  /** Groups bound to each resource (priorities 1..n), taken round-robin from the company's groups. */
  readonly groupsPerResource: number;
  /** false: every resource has group p at priority p+1 (the same groups everywhere); default true: rotated. */
  readonly rotate?: boolean;
}

export const keyOf = (c: number) => ({ publicKey: `bench-pub-${c}`, privateKey: `bench-priv-${c}` });
export const resourceId = (c: number, r: number) => `uhost-${c}-${r}`;
export const groupId = (c: number, g: number) => `secgroup-${c}-${g}`;

export function companySeed(c: number, shape: WorldShape): seed.SeedCompany {
  const projectId = `org-bench${c}`;
  const vpcId = `uvnet-${c}`;
  const place = { Region: "cn-bj2", ProjectId: projectId, VPCId: vpcId };
  const groups = Array.from({ length: shape.groupsPerCompany }, (_, g) => ({
    SecGroupId: groupId(c, g),
    ...place,
    Name: `g${g}`,
    CreateTime: 1_700_000_000,
    Rules: Array.from({ length: shape.rulesPerGroup }, (_, i) => ({
      RuleId: `${groupId(c, g)}-r${i}`,
      Direction: i % 2 === 0 ? ("Ingress" as const) : ("Egress" as const),
      ProtocolType: "TCP" as const,
      DstPort: String(1000 + i),
      IPRange: "10.0.0.0/8",
      Priority: Math.floor(i / 2) + 1,
      RuleAction: "Accept" as const,
      Remark: "",
    })),
  }));
  const bindings: seed.SeedBinding[] = [];
  for (let r = 0; r < shape.resourcesPerCompany; r++) {
    for (let p = 0; p < shape.groupsPerResource; p++) {
      bindings.push({
        ResourceId: resourceId(c, r),
        SecGroupId: groupId(c, shape.rotate === false ? p : (r + p) % shape.groupsPerCompany),
        Priority: p + 1,
      });
    }
  }
  return {
    CompanyId: c,
    Name: `bench-${c}`,
    Projects: [{ ProjectId: projectId, Name: "Default", Default: true }],
    Users: [
      { Name: "root", SubAccount: false, Keys: [{ PublicKey: keyOf(c).publicKey, PrivateKey: keyOf(c).privateKey }] },
    ],
    Quotas: { SecGroupsPerCompany: 1000, ResourcesPerSecGroup: 100000 },
    VPCs: [{ VPCId: vpcId, Region: "cn-bj2", ProjectId: projectId, Name: "bench" }],
    Resources: Array.from({ length: shape.resourcesPerCompany }, (_, r) => ({
      ResourceId: resourceId(c, r),
      ResourceType: "uhost",
      ...place,
      Name: `h${r}`,
      SecurityMode: "SecGroup" as const,
      PrivateIp: "10.0.0.1",
    })),
    SecGroups: groups,
    Bindings: bindings,
  };
}

/**
 * Creates the world in the database at `db` (companies numbered 1..N); returns seconds taken. Without feed events:
 * a world is the bench's starting state, not a history (a 1M-binding world would otherwise start with 1.2M events,
 * which retention would remove within days on a real server).
 */
export async function buildWorld(db: string, shape: WorldShape): Promise<number> {
  const started = performance.now();
  const store = await openStore(db, { feed: false });
  try {
    await store.write((tx) => tx.setRegions(["cn-bj2"]));
    for (let c = 1; c <= shape.companies; c++) {
      const file: seed.SeedFile = { Companies: [companySeed(c, shape)] };
      await store.write((tx) => loadSeed(tx, file, randomIds, 1_700_000_000));
    }
  } finally {
    await store.close();
  }
  if (/^postgres(ql)?:\/\//.test(db)) await analyze(db);
  return (performance.now() - started) / 1000;
}

/**
 * A database that has been running has planner statistics (autovacuum analyses a table within a minute of large
 * changes); a world generated a moment ago has none, and PostgreSQL then plans 500-id lists as if tables were tiny.
 */
async function analyze(db: string): Promise<void> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    await client.query("ANALYZE");
  } finally {
    await client.end();
  }
}
