// The isolation matrix's world: one set of objects per scope (company A's main scope, company B, A's second project,
// A's second region) with identical shapes, plus a ghost set of ids that exist nowhere.
import { defaultFirewallId } from "../src/domain/default-firewalls.ts";
import { OPERATOR, type ServerProcess } from "./harness.ts";

export const CO_A = 81001;
export const CO_B = 82002;
export const KEYS = {
  aRoot: { publicKey: "iso-a-root-pub", privateKey: "iso-a-root-priv-7f3e" },
  /** Sub-account of A granted only A's first project. */
  aDev: { publicKey: "iso-a-dev-pub", privateKey: "iso-a-dev-priv-19c2" },
  bRoot: { publicKey: "iso-b-root-pub", privateKey: "iso-b-root-priv-55d0" },
  operator: OPERATOR,
} as const;

/** The objects of one scope, by role; every scope has the same roles in the same arrangement. */
export interface Objs {
  readonly company: number;
  readonly region: string;
  readonly project: string;
  readonly vpc: string;
  /** SecGroup mode, bound to `group` at priority 1. */
  readonly host: string;
  /** Firewall mode, the parent of `nic`. */
  readonly fw: string;
  /** A NIC (uni) of `fw`, Firewall mode. */
  readonly nic: string;
  /** Bound to `host`; has rule `rule`. */
  readonly group: string;
  /** Unbound; has rule `rule2`. */
  readonly group2: string;
  readonly rule: string;
  readonly rule2: string;
  /** A ULB, Firewall mode, granted `firewall`. */
  readonly lb: string;
  /** A user-defined firewall granted to `fw` and `lb`. */
  readonly firewall: string;
  /** A user-defined firewall granted to nothing. */
  readonly firewall2: string;
  /** The scope's default web firewall (its id is derived from the scope; not stored until written). */
  readonly defaultFw: string;
}

function objs(tag: string, company: number, region: string, project: string): Objs {
  return {
    company,
    region,
    project,
    vpc: `uvnet-iso-${tag}`,
    host: `uhost-iso-${tag}-h`,
    fw: `uhost-iso-${tag}-f`,
    nic: `uni-iso-${tag}-n`,
    group: `secgroup-iso-${tag}-g`,
    group2: `secgroup-iso-${tag}-g2`,
    rule: `rule-iso-${tag}-r`,
    rule2: `rule-iso-${tag}-r2`,
    lb: `ulb-iso-${tag}-l`,
    firewall: `firewall-iso-${tag}-w`,
    firewall2: `firewall-iso-${tag}-w2`,
    defaultFw: defaultFirewallId({ companyId: company, projectId: project, region }, "recommend web"),
  };
}

export const A1 = "org-iso-a1";
export const A2 = "org-iso-a2";
export const B1 = "org-iso-b1";

/** The protected objects: company A, cn-bj2, its default project. */
export const MAIN = objs("main", CO_A, "cn-bj2", A1);
/** Ids of the same shapes that exist nowhere: what MAIN must look like to anyone outside its scope. */
export const GHOST = objs("ghost", CO_A, "cn-bj2", "org-iso-ghost");

export type OutsiderName = "otherCompany" | "otherProject" | "otherRegion";

/** A caller outside MAIN's scope, with objects of its own in its scope. */
export interface Outsider {
  readonly name: OutsiderName;
  readonly key: { readonly publicKey: string; readonly privateKey: string };
  readonly own: Objs;
}

export const OUTSIDERS: readonly Outsider[] = [
  { name: "otherCompany", key: KEYS.bRoot, own: objs("b", CO_B, "cn-bj2", B1) },
  { name: "otherProject", key: KEYS.aRoot, own: objs("p2", CO_A, "cn-bj2", A2) },
  { name: "otherRegion", key: KEYS.aRoot, own: objs("sh", CO_A, "cn-sh2", A1) },
];

const rule = (id: string, priority: number) => ({
  RuleId: id,
  Direction: "Ingress",
  ProtocolType: "TCP",
  DstPort: "22",
  IPRange: "10.0.0.0/8",
  Priority: priority,
  RuleAction: "Accept",
  Remark: "",
});

function scopeEntries(o: Objs) {
  const place = { Region: o.region, ProjectId: o.project, VPCId: o.vpc };
  const resource = (ResourceId: string, ResourceType: string, SecurityMode: string, extra: object = {}) => ({
    ResourceId,
    ResourceType,
    ...place,
    Name: `name-${ResourceId}`,
    SecurityMode,
    PrivateIp: "10.0.0.2",
    Zone: 4001,
    ...extra,
  });
  return {
    VPCs: [{ VPCId: o.vpc, Region: o.region, ProjectId: o.project, Name: `vpc-${o.vpc}` }],
    Resources: [
      resource(o.host, "uhost", "SecGroup"),
      resource(o.fw, "uhost", "Firewall"),
      resource(o.nic, "uni", "Firewall", { SuperResourceId: o.fw }),
      resource(o.lb, "ulb", "Firewall"),
    ],
    SecGroups: [
      { SecGroupId: o.group, ...place, Name: `name-${o.group}`, CreateTime: 1_750_000_000, Rules: [rule(o.rule, 1)] },
      {
        SecGroupId: o.group2,
        ...place,
        Name: `name-${o.group2}`,
        CreateTime: 1_750_000_000,
        Rules: [rule(o.rule2, 1)],
      },
    ],
    Bindings: [{ ResourceId: o.host, SecGroupId: o.group, Priority: 1 }],
    Firewalls: [
      {
        FWId: o.firewall,
        Region: o.region,
        ProjectId: o.project,
        Name: `name-${o.firewall}`,
        CreateTime: 1_750_000_000,
        Rules: ["TCP|22|10.0.0.0/8|ACCEPT|HIGH|ssh"],
        Resources: [o.fw, o.lb],
      },
      {
        FWId: o.firewall2,
        Region: o.region,
        ProjectId: o.project,
        Name: `name-${o.firewall2}`,
        CreateTime: 1_750_000_000,
        Rules: ["UDP|53|0.0.0.0/0|DROP|LOW"],
      },
    ],
  };
}

const keyEntry = (k: { publicKey: string; privateKey: string }) => ({
  PublicKey: k.publicKey,
  PrivateKey: k.privateKey,
});

function merge(...parts: ReturnType<typeof scopeEntries>[]) {
  return {
    VPCs: parts.flatMap((p) => p.VPCs),
    Resources: parts.flatMap((p) => p.Resources),
    SecGroups: parts.flatMap((p) => p.SecGroups),
    Bindings: parts.flatMap((p) => p.Bindings),
    Firewalls: parts.flatMap((p) => p.Firewalls),
  };
}

const [otherCompany, otherProject, otherRegion] = OUTSIDERS.map((o) => o.own) as [Objs, Objs, Objs];

export const WORLD = {
  Regions: ["cn-bj2", "cn-sh2"],
  Companies: [
    {
      CompanyId: CO_A,
      Name: "iso-a",
      Projects: [
        { ProjectId: A1, Name: "Default", Default: true },
        { ProjectId: A2, Name: "second" },
      ],
      Users: [
        { Name: "root", SubAccount: false, Keys: [keyEntry(KEYS.aRoot)] },
        { Name: "dev", SubAccount: true, Projects: [A1], Keys: [keyEntry(KEYS.aDev)] },
      ],
      ...merge(scopeEntries(MAIN), scopeEntries(otherProject), scopeEntries(otherRegion)),
    },
    {
      CompanyId: CO_B,
      Name: "iso-b",
      Projects: [{ ProjectId: B1, Name: "Default", Default: true }],
      Users: [{ Name: "root", SubAccount: false, Keys: [keyEntry(KEYS.bRoot)] }],
      ...merge(scopeEntries(otherCompany)),
    },
  ],
};

/** Every id of a scope's objects, by role (for normalising messages and for leak checks). */
export function idsOf(o: Objs): [role: string, id: string][] {
  const roles = [
    "vpc",
    "host",
    "fw",
    "nic",
    "group",
    "group2",
    "rule",
    "rule2",
    "project",
    "lb",
    "firewall",
    "firewall2",
    "defaultFw",
  ] as const;
  return roles.map((role) => [role, o[role]]);
}

/** Replaces every id of `o` in `text` with `<role>`, so answers about MAIN and about GHOST can be compared. */
export function normalise(text: string, o: Objs): string {
  // Longest first: secgroup-…-g2 must not be half-replaced as secgroup-…-g.
  const ids = idsOf(o).sort((a, b) => b[1].length - a[1].length);
  return ids.reduce((t, [role, id]) => t.split(id).join(`<${role}>`), text);
}

/** Restores the world between calls that changed it. */
export class WorldState {
  private pristine: string | undefined;

  constructor(private readonly server: ServerProcess) {}

  private admin() {
    return this.server.client(KEYS.operator);
  }

  async reset(): Promise<void> {
    await this.admin().call("AdminReset");
    await this.admin().call("AdminImportState", { State: JSON.stringify(WORLD) });
    this.pristine ??= await this.snapshot();
  }

  async snapshot(): Promise<string> {
    return JSON.stringify((await this.admin().call<{ State: unknown }>("AdminExportState")).State);
  }

  /** The export right after a reset. */
  get initial(): string {
    if (this.pristine === undefined) throw new Error("reset() first");
    return this.pristine;
  }

  /** Resets when the state is no longer the initial one; returns whether it had changed. */
  async restore(): Promise<boolean> {
    if ((await this.snapshot()) === this.initial) return false;
    await this.reset();
    return true;
  }
}
