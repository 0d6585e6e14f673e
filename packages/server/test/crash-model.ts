// The crash test's workload: each worker owns some resources and the groups it creates, so it can predict exactly what
// every one of its requests does; after a kill -9 its slice of the state must be "all acknowledged requests applied",
// plus, at most, its one unacknowledged request applied in full. A half-applied batch matches neither.
import { templateRules } from "../src/domain/sec-group-template.ts";
import type { Rand } from "./seeded-random.ts";

export const COMPANY = 91001;
export const PROJECT = "org-crash1";
export const REGION = "cn-bj2";
export const VPC = "uvnet-crash1";
export const KEY = { publicKey: "crash-root-pub", privateKey: "crash-root-priv" };
export const WORKERS = 8;
export const RESOURCES_PER_WORKER = 3;
/** Shared groups every worker binds (never deleted). */
export const POOL = Array.from({ length: 10 }, (_, i) => `secgroup-crash-p${i}`);
export const WEB_RULES = templateRules("web").length;

export const resourceOf = (w: number, r: number) => `uhost-crash-w${w}-${r}`;

/** Resource i starts bound to two pool groups, at priorities 1 and 2. */
function initialBindings(w: number, r: number): Map<string, number> {
  const i = w * RESOURCES_PER_WORKER + r;
  return new Map([
    [POOL[i % POOL.length] as string, 1],
    [POOL[(i + 1) % POOL.length] as string, 2],
  ]);
}

export const SEED_FILE = {
  Regions: [REGION],
  Companies: [
    {
      CompanyId: COMPANY,
      Name: "crash",
      Projects: [{ ProjectId: PROJECT, Name: "Default", Default: true }],
      Users: [{ Name: "root", SubAccount: false, Keys: [{ PublicKey: KEY.publicKey, PrivateKey: KEY.privateKey }] }],
      Quotas: {
        SecGroupsPerCompany: 100_000,
        SecGroupsPerResource: 5,
        ResourcesPerSecGroup: 500,
        RulesPerDirection: 50,
      },
      VPCs: [{ VPCId: VPC, Region: REGION, ProjectId: PROJECT, Name: "crash" }],
      Resources: Array.from({ length: WORKERS * RESOURCES_PER_WORKER }, (_, i) => ({
        ResourceId: resourceOf(Math.floor(i / RESOURCES_PER_WORKER), i % RESOURCES_PER_WORKER),
        ResourceType: "uhost",
        Region: REGION,
        ProjectId: PROJECT,
        VPCId: VPC,
        Name: `crash-${i}`,
        SecurityMode: "SecGroup",
      })),
      SecGroups: POOL.map((g) => ({ SecGroupId: g, Region: REGION, ProjectId: PROJECT, VPCId: VPC, Name: g })),
      Bindings: Array.from({ length: WORKERS * RESOURCES_PER_WORKER }, (_, i) => {
        const [w, r] = [Math.floor(i / RESOURCES_PER_WORKER), i % RESOURCES_PER_WORKER];
        return [...initialBindings(w, r)].map(([SecGroupId, Priority]) => ({
          ResourceId: resourceOf(w, r),
          SecGroupId,
          Priority,
        }));
      }).flat(),
    },
  ],
};

export interface OwnGroup {
  /** Known once a create was acknowledged, or found by name after a restart. */
  id: string | undefined;
  rules: number;
  /** Extra rule batches added (3 rules each, Egress priorities 100 + 3·batch …). */
  batches: number;
}

/** One worker's slice of the world. */
export interface Slice {
  readonly bindings: Map<string, Map<string, number>>;
  /** Groups this worker created, by name. */
  readonly groups: Map<string, OwnGroup>;
}

export interface Op {
  readonly action: string;
  readonly params: Record<string, unknown>;
  /** The feed events this request makes, by type (exact: the worker knows its slice before the request). */
  readonly events: Readonly<Record<string, number>>;
  /** The slice after this request succeeds (created group ids are filled in from the answer). */
  apply(slice: Slice, answer: Record<string, unknown> | undefined): Slice;
}

export function initialSlice(w: number): Slice {
  return {
    bindings: new Map(
      Array.from({ length: RESOURCES_PER_WORKER }, (_, r) => [resourceOf(w, r), initialBindings(w, r)]),
    ),
    groups: new Map(),
  };
}

function cloneSlice(s: Slice): Slice {
  return {
    bindings: new Map([...s.bindings].map(([r, b]) => [r, new Map(b)])),
    groups: new Map([...s.groups].map(([n, g]) => [n, { ...g }])),
  };
}

/** A canonical text of a slice: bindings by resource, own groups by name with their rule counts. */
export function sliceText(s: Slice): string {
  const bindings = [...s.bindings]
    .map(
      ([r, b]) =>
        `${r}=${[...b]
          .map(([g, p]) => `${g}@${p}`)
          .sort()
          .join(",")}`,
    )
    .sort();
  const groups = [...s.groups].map(([name, g]) => `${name}:${g.rules}`).sort();
  return [...bindings, ...groups].join("\n");
}

const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
function shuffle<T>(rand: Rand, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Replace every group of one resource with 1–3 others at fresh priorities: one multi-row transaction. */
function replaceAll(rand: Rand, s: Slice): Op {
  const resource = pick(rand, [...s.bindings.keys()]);
  const old = [...(s.bindings.get(resource)?.keys() ?? [])];
  const fresh = shuffle(
    rand,
    POOL.filter((g) => !old.includes(g)),
  ).slice(0, 1 + Math.floor(rand() * 3));
  const priorities = shuffle(rand, [1, 2, 3, 4, 5]);
  const entries = fresh.map((g, i) => ({ SecGroupId: g, Priority: priorities[i] as number }));
  return {
    action: "UpdateSecGroupAssociation",
    params: { ResourceId: resource, OldSecGroupId: old, NewPrioritySecGroup: entries },
    events: { BindingRemoved: old.length, BindingAdded: entries.length },
    apply(slice) {
      const next = cloneSlice(slice);
      next.bindings.set(resource, new Map(entries.map((e) => [e.SecGroupId, e.Priority])));
      return next;
    },
  };
}

/** Bind one group to 2–3 resources at once, where it is new and the priority free on all of them. */
function bindMany(rand: Rand, s: Slice): Op | undefined {
  const resources = shuffle(rand, [...s.bindings.keys()]).slice(0, 2 + Math.floor(rand() * (RESOURCES_PER_WORKER - 1)));
  const current = resources.map((r) => s.bindings.get(r) ?? new Map<string, number>());
  if (current.some((b) => b.size >= 5)) return undefined;
  const group = shuffle(rand, POOL).find((g) => current.every((b) => !b.has(g)));
  const priority = shuffle(rand, [1, 2, 3, 4, 5]).find((p) => current.every((b) => ![...b.values()].includes(p)));
  if (group === undefined || priority === undefined) return undefined;
  return {
    action: "AssociateSecGroup",
    params: { ResourceId: resources, PrioritySecGroup: [{ SecGroupId: group, Priority: priority }] },
    events: { BindingAdded: resources.length },
    apply(slice) {
      const next = cloneSlice(slice);
      for (const r of resources) next.bindings.get(r)?.set(group, priority);
      return next;
    },
  };
}

/** Unbind one group from 2–3 resources at once, each keeping at least one other group. */
function unbindMany(rand: Rand, s: Slice): Op | undefined {
  for (const group of shuffle(rand, POOL)) {
    const resources = [...s.bindings].filter(([, b]) => b.has(group) && b.size >= 2).map(([r]) => r);
    if (resources.length < 2) continue;
    return {
      action: "DisassociateSecGroup",
      params: { SecGroupId: [group], ResourceId: resources },
      events: { BindingRemoved: resources.length },
      apply(slice) {
        const next = cloneSlice(slice);
        for (const r of resources) next.bindings.get(r)?.delete(group);
        return next;
      },
    };
  }
  return undefined;
}

/** Create a group from the web template: the group and all its rules in one transaction. */
function createGroup(w: number, counter: { n: number }): Op {
  const name = `crash-w${w}-${counter.n++}`;
  return {
    action: "CreateSecGroup",
    params: { VPCID: VPC, Name: name, SecGroupRecommendation: "web" },
    events: { SecGroupCreated: 1, RuleCreated: WEB_RULES },
    apply(slice, answer) {
      const next = cloneSlice(slice);
      const id = typeof answer?.SecGroupId === "string" ? answer.SecGroupId : undefined;
      next.groups.set(name, { id, rules: WEB_RULES, batches: 0 });
      return next;
    },
  };
}

/** Delete two of this worker's groups in one request. */
function deleteTwo(rand: Rand, s: Slice): Op | undefined {
  const known = [...s.groups].filter(([, g]) => g.id !== undefined);
  if (known.length < 2) return undefined;
  const two = shuffle(rand, known).slice(0, 2);
  return {
    action: "DeleteSecGroup",
    params: { SecGroupId: two.map(([, g]) => g.id) },
    // Its own groups are never bound: deleting one deletes its rules, then the group.
    events: { RuleDeleted: two.reduce((n, [, g]) => n + g.rules, 0), SecGroupDeleted: 2 },
    apply(slice) {
      const next = cloneSlice(slice);
      for (const [name] of two) next.groups.delete(name);
      return next;
    },
  };
}

/** Add three rules to one of this worker's groups in one request. */
function addRules(rand: Rand, s: Slice): Op | undefined {
  const candidates = [...s.groups].filter(([, g]) => g.id !== undefined && g.batches < 10);
  if (candidates.length === 0) return undefined;
  const [name, group] = pick(rand, candidates);
  const base = 100 + 3 * group.batches;
  const rules = [0, 1, 2].map((i) => ({
    Direction: "Egress",
    ProtocolType: "TCP",
    DstPort: String(2000 + base + i),
    IPRange: "10.0.0.0/8",
    Priority: base + i,
    RuleAction: "Drop",
  }));
  return {
    action: "CreateSecGroupRule",
    params: { SecGroupId: group.id, Rule: rules },
    events: { RuleCreated: 3 },
    apply(slice) {
      const next = cloneSlice(slice);
      const g = next.groups.get(name);
      if (g !== undefined) {
        g.rules += 3;
        g.batches += 1;
      }
      return next;
    },
  };
}

/** The next request of worker `w`: one that must succeed in the slice the worker believes in. */
export function nextOp(rand: Rand, w: number, s: Slice, counter: { n: number }): Op {
  const x = rand();
  const op =
    x < 0.3
      ? replaceAll(rand, s)
      : x < 0.5
        ? bindMany(rand, s)
        : x < 0.7
          ? unbindMany(rand, s)
          : x < 0.8
            ? createGroup(w, counter)
            : x < 0.9
              ? addRules(rand, s)
              : deleteTwo(rand, s);
  return op ?? replaceAll(rand, s);
}

/** Worker w's slice as found in an exported company (AdminExportState). */
export function sliceFromExport(
  w: number,
  company: {
    Bindings: { ResourceId: string; SecGroupId: string; Priority: number }[];
    SecGroups: { SecGroupId: string; Name: string; Rules: unknown[] }[];
  },
): Slice {
  const bindings = new Map<string, Map<string, number>>();
  for (let r = 0; r < RESOURCES_PER_WORKER; r++) bindings.set(resourceOf(w, r), new Map());
  for (const b of company.Bindings) bindings.get(b.ResourceId)?.set(b.SecGroupId, b.Priority);
  const groups = new Map<string, OwnGroup>();
  for (const g of company.SecGroups) {
    if (!g.Name.startsWith(`crash-w${w}-`)) continue;
    groups.set(g.Name, {
      id: g.SecGroupId,
      rules: g.Rules.length,
      batches: Math.floor((g.Rules.length - WEB_RULES) / 3),
    });
  }
  return { bindings, groups };
}
