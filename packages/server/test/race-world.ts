// The race test's world and load: 6 resources, 6 groups, one VPC, a company quota of 10 groups; a seeded mix of
// conflicting binding, delete and create calls fired from many clients at once, round-robin over the servers.
import { performance } from "node:perf_hooks";
import type { ServerProcess } from "./harness.ts";
import { bindingsText, type Call, type Op, type RaceConfig, State } from "./race-model.ts";
import { generator } from "./seeded-random.ts";

export const REQUESTS = 3000;
export const IN_FLIGHT = 32;
export const SEED = Number(process.env.SGPLANE_RACE_SEED ?? 20240611);

export const COMPANY = 70001;
export const PROJECT = "org-race01";
export const REGION = "cn-bj2";
const VPC = "uvnet-race01";
export const KEY = { publicKey: "race-root-pub", privateKey: "race-root-priv" };
export const RESOURCES = Array.from({ length: 6 }, (_, i) => `uhost-race${i + 1}`);
const GROUPS = Array.from({ length: 6 }, (_, i) => `secgroup-race${i + 1}`);
export const CONFIG: RaceConfig = { vpcId: VPC, resources: RESOURCES, groupQuota: 10, groupsPerResource: 5 };

/** Resource i starts with groups i@1 and i+1@2: two each, so a race can take each down to one but never to zero. */
const INITIAL_BINDINGS = RESOURCES.flatMap((r, i) => [
  { ResourceId: r, SecGroupId: GROUPS[i] ?? "", Priority: 1 },
  { ResourceId: r, SecGroupId: GROUPS[(i + 1) % GROUPS.length] ?? "", Priority: 2 },
]);

export const SEED_FILE = {
  Regions: [REGION],
  Companies: [
    {
      CompanyId: COMPANY,
      Name: "race",
      Projects: [{ ProjectId: PROJECT, Name: "Default", Default: true }],
      Users: [{ Name: "root", SubAccount: false, Keys: [{ PublicKey: KEY.publicKey, PrivateKey: KEY.privateKey }] }],
      Quotas: {
        SecGroupsPerCompany: CONFIG.groupQuota,
        SecGroupsPerResource: CONFIG.groupsPerResource,
        ResourcesPerSecGroup: 500,
        RulesPerDirection: 50,
      },
      Policies: { DisassociateNotBound: "Ignore" },
      VPCs: [{ VPCId: VPC, Region: REGION, ProjectId: PROJECT, Name: "race" }],
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
      Bindings: INITIAL_BINDINGS,
    },
  ],
};

export function initialState(): State {
  const s = new State(CONFIG);
  for (const g of GROUPS) s.groups.add(g);
  for (const b of INITIAL_BINDINGS) s.set(`b ${b.ResourceId} ${b.SecGroupId}`, b.Priority);
  return s;
}

/** Every RetCode each action may legitimately answer in this race (150, a stack trace, anything else: a failure). */
const EXPECTED: Record<Op["action"], readonly number[]> = {
  AssociateSecGroup: [0, 8039, 58204, 58205],
  DisassociateSecGroup: [0, 8039, 58208],
  UpdateSecGroupAssociation: [0, 8039, 58204, 58205, 58208],
  DeleteSecGroup: [0, 8039, 58207],
  CreateSecGroup: [0, 58201],
  DescribeResourceSecGroup: [0],
};

/** Group ids as this client knows them: alive (created, not seen deleted) and deleted. */
interface KnownGroups {
  readonly alive: string[];
  readonly deleted: string[];
}

function nextOp(rand: () => number, known: KnownGroups): Op {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const resource = () => pick(RESOURCES);
  // Mostly groups this client believes alive (another request may be deleting one right now); now and then a
  // deleted one, so Associate races Delete both ways.
  const group = () => (rand() < 0.06 && known.deleted.length > 0 ? pick(known.deleted) : pick(known.alive));
  const priority = () => 1 + Math.floor(rand() * 5);
  const x = rand();
  if (x < 0.27)
    return {
      action: "AssociateSecGroup",
      resourceIds: [resource()],
      entries: [{ secGroupId: group(), priority: priority() }],
    };
  if (x < 0.32) {
    const [r1, r2] = [resource(), resource()];
    const resourceIds = r1 === r2 ? [r1] : [r1, r2];
    return { action: "AssociateSecGroup", resourceIds, entries: [{ secGroupId: group(), priority: priority() }] };
  }
  if (x < 0.5) return { action: "DisassociateSecGroup", secGroupIds: [group()], resourceIds: [resource()] };
  if (x < 0.54) return { action: "DisassociateSecGroup", secGroupIds: [group()], resourceIds: [] };
  if (x < 0.72) {
    const [oldId, newId] = [group(), group()];
    return {
      action: "UpdateSecGroupAssociation",
      resourceId: resource(),
      oldIds: [oldId],
      entries: [{ secGroupId: newId === oldId ? group() : newId, priority: priority() }],
    };
  }
  if (x < 0.8) return { action: "DeleteSecGroup", secGroupIds: [group()] };
  if (x < 0.88) return { action: "CreateSecGroup" };
  return { action: "DescribeResourceSecGroup", resourceIds: [resource()] };
}

function wireParams(op: Op, n: number): Record<string, unknown> {
  const priorities = (entries: Extract<Op, { entries: unknown }>["entries"]) =>
    entries.map((e) => ({ SecGroupId: e.secGroupId, Priority: e.priority }));
  switch (op.action) {
    case "AssociateSecGroup":
      return { ResourceId: op.resourceIds, PrioritySecGroup: priorities(op.entries) };
    case "DisassociateSecGroup":
      return { SecGroupId: op.secGroupIds, ...(op.resourceIds.length > 0 && { ResourceId: op.resourceIds }) };
    case "UpdateSecGroupAssociation":
      return { ResourceId: op.resourceId, OldSecGroupId: op.oldIds, NewPrioritySecGroup: priorities(op.entries) };
    case "DeleteSecGroup":
      return { SecGroupId: op.secGroupIds };
    case "CreateSecGroup":
      return { VPCID: VPC, Name: `race-${n}` };
    case "DescribeResourceSecGroup":
      return { ResourceId: op.resourceIds };
  }
}

/** What the DescribeResourceSecGroup envelope shows for each resource, as bindingsText. */
export function seenBindings(body: Record<string, unknown>): Map<string, string> {
  const seen = new Map<string, string>();
  for (const item of (body.DataSet ?? []) as {
    ResourceId: string;
    SecGroupInfo: { SecGroupId: string; Priority: number }[];
  }[]) {
    seen.set(item.ResourceId, bindingsText(item.SecGroupInfo.map((g) => [g.SecGroupId, g.Priority] as const)));
  }
  return seen;
}

const now = (): number => performance.timeOrigin + performance.now();

/** Fires REQUESTS calls, IN_FLIGHT at a time, round-robin over the servers; returns every call and envelope problem. */
export async function race(
  servers: readonly ServerProcess[],
): Promise<{ calls: Call[]; problems: string[]; ms: number }> {
  const clients = servers.map((s) => s.client(KEY, { projectId: PROJECT, region: REGION }));
  const rand = generator(SEED);
  const known: KnownGroups = { alive: [...GROUPS], deleted: [] };
  const calls: Call[] = [];
  const problems: string[] = [];
  let next = 0;
  const started = now();
  const worker = async () => {
    for (let n = next++; n < REQUESTS; n = next++) {
      const op = nextOp(rand, known);
      const client = clients[n % clients.length];
      if (client === undefined) throw new Error("no client");
      const sentAt = now();
      const { body } = await client.send(op.action, wireParams(op, n));
      const doneAt = now();
      const code = body.RetCode;
      if (typeof code !== "number" || body.Action !== `${op.action}Response`) {
        problems.push(`call #${n} ${op.action}: malformed envelope ${JSON.stringify(body)}`);
        continue;
      }
      if (!EXPECTED[op.action].includes(code)) {
        problems.push(`call #${n} ${op.action}: unexpected RetCode ${code} (${String(body.Message)})`);
      }
      if (code !== 0 && (typeof body.Message !== "string" || /\n\s+at /.test(body.Message))) {
        problems.push(`call #${n} ${op.action}: bad Message ${JSON.stringify(body.Message)}`);
      }
      const createdId = op.action === "CreateSecGroup" && code === 0 ? String(body.SecGroupId) : undefined;
      if (createdId !== undefined) known.alive.push(createdId);
      if (op.action === "DeleteSecGroup" && code === 0) {
        for (const id of op.secGroupIds) {
          known.alive.splice(known.alive.indexOf(id), 1);
          known.deleted.push(id);
        }
      }
      calls.push({
        n,
        op,
        sentAt,
        doneAt,
        code,
        ...(createdId !== undefined && { createdId }),
        ...(op.action === "DescribeResourceSecGroup" && code === 0 && { seen: seenBindings(body) }),
      });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return { calls: calls.sort((a, b) => a.n - b.n), problems, ms: now() - started };
}
