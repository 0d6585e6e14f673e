// Test helper for the security-group family e2e files: seed worlds, per-test reset, state snapshots, error checks.
import assert from "node:assert/strict";
import { RetCodeError } from "@sgplane/sdk";
import { OPERATOR, type ServerProcess } from "./harness.ts";

/** Company A is the caller; company B owns look-alike objects that must answer exactly like missing ones. */
export const CO_A = 71001;
export const CO_B = 72002;
export const KEY_A = { publicKey: "fam-a-root-pub", privateKey: "fam-a-root-priv" };
/** Sub-account of company A, granted only org-fam-a1. */
export const KEY_A_DEV = { publicKey: "fam-a-dev-pub", privateKey: "fam-a-dev-priv" };
export const KEY_B = { publicKey: "fam-b-root-pub", privateKey: "fam-b-root-priv" };
export const PROJECT_A1 = "org-fam-a1";
export const PROJECT_A2 = "org-fam-a2";
/** VPCs of company A: two in cn-bj2/org-fam-a1, one in cn-sh2/org-fam-a1, one in cn-bj2/org-fam-a2. */
export const VPC1 = "uvnet-fam-a1";
export const VPC2 = "uvnet-fam-a2";
export const VPC_SH = "uvnet-fam-ash";
export const VPC_P2 = "uvnet-fam-ap2";
/** Company B's bound pair (in cn-bj2, its default project). */
export const B_GROUP = "secgroup-fambgrp1";
export const B_HOST = "uhost-fambhost1";

export interface ResourceSpec {
  readonly id: string;
  readonly vpc?: string;
  readonly type?: string;
  readonly mode?: "SecGroup" | "Firewall";
  readonly name?: string;
  readonly ip?: string;
  readonly zone?: number;
  readonly eip?: readonly string[];
  readonly parent?: string;
  readonly region?: string;
  readonly project?: string;
}

export interface RuleSpec {
  readonly RuleId?: string;
  readonly Direction: "Ingress" | "Egress";
  readonly ProtocolType: "TCP" | "UDP" | "ICMP" | "ICMPv6" | "ALL";
  readonly DstPort: string;
  readonly IPRange: string;
  readonly Priority: number;
  readonly RuleAction: "Accept" | "Drop";
  readonly Remark?: string;
}

export interface GroupSpec {
  readonly id: string;
  readonly vpc?: string;
  readonly name?: string;
  readonly region?: string;
  readonly project?: string;
  readonly rules?: readonly RuleSpec[];
  readonly createTime?: number;
}

export interface WorldSpec {
  readonly resources?: readonly ResourceSpec[];
  readonly groups?: readonly GroupSpec[];
  /** [resource, group, priority] */
  readonly bindings?: readonly (readonly [string, string, number])[];
  readonly quotas?: Readonly<Record<string, number>>;
  readonly notBound?: "Ignore" | "Error";
}

const VPC_REGION: Record<string, [region: string, project: string]> = {
  [VPC1]: ["cn-bj2", PROJECT_A1],
  [VPC2]: ["cn-bj2", PROJECT_A1],
  [VPC_SH]: ["cn-sh2", PROJECT_A1],
  [VPC_P2]: ["cn-bj2", PROJECT_A2],
};

function placeOf(o: { vpc?: string; region?: string; project?: string }) {
  const vpc = o.vpc ?? VPC1;
  const [region, project] = VPC_REGION[vpc] ?? ["cn-bj2", PROJECT_A1];
  return { VPCId: vpc, Region: o.region ?? region, ProjectId: o.project ?? project };
}

export const ruleSpec = (priority: number, extra: Partial<RuleSpec> = {}): RuleSpec => ({
  Direction: "Ingress",
  ProtocolType: "TCP",
  DstPort: "22",
  IPRange: "0.0.0.0/0",
  Priority: priority,
  RuleAction: "Accept",
  Remark: "",
  ...extra,
});

/** A whole seed: company A shaped by `spec`, plus company B with one bound pair. */
export function world(spec: WorldSpec = {}): object {
  return {
    Regions: ["cn-bj2", "cn-sh2"],
    Companies: [
      {
        CompanyId: CO_A,
        Name: "family-a",
        Projects: [
          { ProjectId: PROJECT_A1, Name: "Default", Default: true },
          { ProjectId: PROJECT_A2, Name: "second" },
        ],
        Users: [
          { Name: "root", SubAccount: false, Keys: [KEY_A] },
          { Name: "dev", SubAccount: true, Projects: [PROJECT_A1], Keys: [KEY_A_DEV] },
        ].map((u) => ({
          ...u,
          Keys: u.Keys.map((k) => ({ PublicKey: k.publicKey, PrivateKey: k.privateKey })),
        })),
        Quotas: {
          SecGroupsPerCompany: 50,
          SecGroupsPerResource: 5,
          ResourcesPerSecGroup: 500,
          RulesPerDirection: 50,
          ...spec.quotas,
        },
        Policies: { DisassociateNotBound: spec.notBound ?? "Ignore" },
        VPCs: Object.entries(VPC_REGION).map(([VPCId, [Region, ProjectId]]) => ({
          VPCId,
          Region,
          ProjectId,
          Name: VPCId,
        })),
        Resources: (spec.resources ?? []).map((r) => ({
          ResourceId: r.id,
          ResourceType: r.type ?? "uhost",
          ...placeOf(r),
          Name: r.name ?? `name-${r.id}`,
          SecurityMode: r.mode ?? "SecGroup",
          PrivateIp: r.ip ?? "10.1.0.2",
          Zone: r.zone ?? 4001,
          EIP: [...(r.eip ?? [])],
          ...(r.parent !== undefined && { SuperResourceId: r.parent }),
        })),
        SecGroups: (spec.groups ?? []).map((g) => ({
          SecGroupId: g.id,
          ...placeOf(g),
          Name: g.name ?? `name-${g.id}`,
          CreateTime: g.createTime ?? 1_750_000_000,
          Rules: [...(g.rules ?? [])],
        })),
        Bindings: (spec.bindings ?? []).map(([ResourceId, SecGroupId, Priority]) => ({
          ResourceId,
          SecGroupId,
          Priority,
        })),
      },
      {
        CompanyId: CO_B,
        Name: "family-b",
        Projects: [{ ProjectId: "org-fam-b1", Name: "Default", Default: true }],
        Users: [
          { Name: "root", SubAccount: false, Keys: [{ PublicKey: KEY_B.publicKey, PrivateKey: KEY_B.privateKey }] },
        ],
        VPCs: [{ VPCId: "uvnet-fam-b1", Region: "cn-bj2", ProjectId: "org-fam-b1", Name: "b" }],
        Resources: [
          {
            ResourceId: B_HOST,
            ResourceType: "uhost",
            Region: "cn-bj2",
            ProjectId: "org-fam-b1",
            VPCId: "uvnet-fam-b1",
            Name: "b-host",
            SecurityMode: "SecGroup",
          },
        ],
        SecGroups: [
          {
            SecGroupId: B_GROUP,
            Region: "cn-bj2",
            ProjectId: "org-fam-b1",
            VPCId: "uvnet-fam-b1",
            Name: "b-group",
            Rules: [ruleSpec(1, { RuleId: "rule-fam-b-1" })],
          },
        ],
        Bindings: [{ ResourceId: B_HOST, SecGroupId: B_GROUP, Priority: 1 }],
      },
    ],
  };
}

/** The slice of an exported company that the family changes. */
export interface CompanyState {
  readonly Quotas: Record<string, number>;
  readonly Resources: { ResourceId: string; SecurityMode: string }[];
  readonly SecGroups: {
    SecGroupId: string;
    Name: string;
    Remark: string;
    Tag: string;
    VPCId: string;
    Region: string;
    ProjectId: string;
    Type: string;
    Rules: (RuleSpec & { RuleId: string; IPVersion: string })[];
  }[];
  readonly Bindings: { ResourceId: string; SecGroupId: string; Priority: number }[];
}

export class Family {
  constructor(readonly server: ServerProcess) {}

  admin() {
    return this.server.client(OPERATOR);
  }

  /** Replaces the whole state with `seed` (reset, then import). */
  async use(seed: object): Promise<void> {
    await this.admin().call("AdminReset");
    await this.admin().call("AdminImportState", { State: JSON.stringify(seed) });
  }

  /** The full exported state (every company), for "nothing changed" comparisons. */
  async snapshot(): Promise<unknown> {
    return (await this.admin().call<{ State: unknown }>("AdminExportState")).State;
  }

  async company(companyId = CO_A): Promise<CompanyState> {
    const out = await this.admin().call<{ State: { Companies: CompanyState[] } }>("AdminExportState", {
      CompanyId: companyId,
    });
    const company = out.State.Companies[0];
    assert.ok(company, `company ${companyId} exported`);
    return company;
  }

  /** Every binding of company A as sorted "resource/group@priority". */
  async bindings(companyId = CO_A): Promise<string[]> {
    return bindingStrings((await this.company(companyId)).Bindings);
  }

  /** Runs a call that must fail with `retCode` and a Message containing each part; the whole state is unchanged. */
  async failsUnchanged(call: () => Promise<unknown>, retCode: number, ...parts: (string | RegExp)[]): Promise<string> {
    const before = await this.snapshot();
    const message = await expectRetCode(call(), retCode, ...parts);
    assert.deepEqual(await this.snapshot(), before, "a failed call changed nothing");
    return message;
  }
}

export function bindingStrings(bindings: readonly { ResourceId: string; SecGroupId: string; Priority: number }[]) {
  return bindings.map((b) => `${b.ResourceId}/${b.SecGroupId}@${b.Priority}`).sort();
}

/** Awaits a call that must fail with `retCode`; checks the Message names each part; returns the Message. */
export async function expectRetCode(
  promise: Promise<unknown>,
  retCode: number,
  ...parts: (string | RegExp)[]
): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof RetCodeError)) throw error;
    assert.equal(error.retCode, retCode, `expected RetCode ${retCode}, got ${error.retCode}: ${error.apiMessage}`);
    for (const part of parts) {
      if (typeof part === "string") assert.ok(error.apiMessage.includes(part), `"${error.apiMessage}" lacks "${part}"`);
      else assert.match(error.apiMessage, part);
    }
    return error.apiMessage;
  }
  assert.fail(`expected RetCode ${retCode}, the call succeeded`);
}

type Kind = "string" | "int" | "bool" | "string[]" | ((value: unknown, path: string) => void);

/** Asserts `value` is an object with exactly these keys and JSON types (ints are integers, never strings). */
export function assertShape(value: unknown, shape: Readonly<Record<string, Kind>>, path = "value"): void {
  assert.ok(typeof value === "object" && value !== null && !Array.isArray(value), `${path} is an object`);
  const record = value as Record<string, unknown>;
  assert.deepEqual(Object.keys(record).sort(), Object.keys(shape).sort(), `${path} has exactly the model's fields`);
  for (const [key, kind] of Object.entries(shape)) {
    const v = record[key];
    const at = `${path}.${key}`;
    if (kind === "string") assert.equal(typeof v, "string", `${at} is a string`);
    else if (kind === "int") assert.ok(typeof v === "number" && Number.isInteger(v), `${at} is an integer`);
    else if (kind === "bool") assert.equal(typeof v, "boolean", `${at} is a boolean`);
    else if (kind === "string[]") {
      assert.ok(Array.isArray(v), `${at} is an array`);
      for (const item of v) assert.equal(typeof item, "string", `${at}[] are strings`);
    } else kind(v, at);
  }
}

/** An array whose every element passes `each`. */
export const arrayOf =
  (each: (value: unknown, path: string) => void) =>
  (value: unknown, path: string): void => {
    assert.ok(Array.isArray(value), `${path} is an array`);
    value.forEach((item, i) => {
      each(item, `${path}[${i}]`);
    });
  };

export const ruleInfoShape = {
  RuleId: "string",
  Direction: "string",
  IPRange: "string",
  Priority: "int",
  ProtocolType: "string",
  DstPort: "string",
  RuleAction: "string",
  Remark: "string",
  IPVersion: "string",
} as const;

export const secGroupInfoShape = {
  SecGroupId: "string",
  Name: "string",
  VPCId: "string",
  Account: "int",
  Tag: "string",
  Remark: "string",
  Type: "string",
  CreateTime: "int",
  Rule: arrayOf((v, p) => assertShape(v, ruleInfoShape, p)),
} as const;

export const secGroupResourceInfoShape = {
  Zone: "int",
  Name: "string",
  PrivateIp: "string",
  ResourceId: "string",
  ResourceType: "string",
  SubResourceId: "string",
  SubResourceName: "string",
  SubResourceType: "string",
  Tag: "string",
} as const;

export const resourceSecgroupInfoExShape = {
  ResourceId: "string",
  ResourceName: "string",
  Count: "int",
  SecGroupInfo: arrayOf((v, p) =>
    assertShape(v, { SecGroupId: "string", Name: "string", VPCId: "string", Priority: "int" }, p),
  ),
  PermitAssociate: "bool",
  ExInfo: (v: unknown, p: string) =>
    assertShape(
      v,
      {
        SuperResourceId: "string",
        SuperResourceName: "string",
        ResourceName: "string",
        IP: "string[]",
        EIP: "string[]",
        Uni: arrayOf((u, q) =>
          assertShape(
            u,
            {
              ResourceId: "string",
              Count: "int",
              SecGroupInfo: arrayOf((s, r) => assertShape(s, { SecGroupId: "string", Name: "string" }, r)),
            },
            q,
          ),
        ),
      },
      p,
    ),
} as const;

/** Replaces each listed id in a message with a placeholder, to compare message shapes. */
export function shapeOf(message: string, ...ids: string[]): string {
  return ids.reduce((m, id) => m.split(id).join("<id>"), message);
}
