// A small two-company world for the store contract suite, plus row builders.
import type { ResourceRow, RuleRow, Scope, SecGroupRow, Store, WriteTx } from "../port.ts";

export const A: Scope = { companyId: 1001, projectId: "org-a1", region: "cn-bj2" };
/** Company A, another project. */
export const A2: Scope = { companyId: 1001, projectId: "org-a2", region: "cn-bj2" };
/** Company A, default project, another region. */
export const A_SH: Scope = { companyId: 1001, projectId: "org-a1", region: "cn-sh2" };
export const B: Scope = { companyId: 1002, projectId: "org-b1", region: "cn-bj2" };

export const PAGE = { offset: 0, limit: 100 } as const;

export function resource(id: string, scope: Scope, vpcId: string, extra: Partial<ResourceRow> = {}): ResourceRow {
  return {
    resourceId: id,
    companyId: scope.companyId,
    projectId: scope.projectId,
    region: scope.region,
    vpcId,
    resourceType: "uhost",
    name: `name-${id}`,
    securityMode: "SecGroup",
    privateIp: "10.0.0.1",
    zone: 0,
    eip: [],
    superResourceId: "",
    ...extra,
  };
}

export function group(id: string, scope: Scope, vpcId: string, extra: Partial<SecGroupRow> = {}): SecGroupRow {
  return {
    secGroupId: id,
    companyId: scope.companyId,
    projectId: scope.projectId,
    region: scope.region,
    vpcId,
    name: `name-${id}`,
    remark: "",
    tag: "Default",
    type: "user defined",
    createTime: 1_700_000_000,
    ...extra,
  };
}

export function rule(id: string, secGroupId: string, priority: number, extra: Partial<RuleRow> = {}): RuleRow {
  return {
    ruleId: id,
    secGroupId,
    direction: "Ingress",
    protocolType: "TCP",
    dstPort: "22",
    ipRange: "0.0.0.0/0",
    priority,
    ruleAction: "Accept",
    remark: "",
    ipVersion: "IPv4",
    ...extra,
  };
}

async function company(tx: WriteTx, companyId: number, projects: readonly string[]): Promise<void> {
  await tx.upsertCompany({ companyId, name: `company-${companyId}` });
  for (const [i, projectId] of projects.entries()) {
    await tx.upsertProject(companyId, { projectId, name: projectId, isDefault: i === 0 });
  }
}

/**
 * Company A: VPCs a1, a2 (org-a1/cn-bj2), a-sh (cn-sh2), a-p2 (org-a2); hosts a1..a3 in a1, a4 in a2; groups
 * a1..a3 in a1, a4 in a2. Company B: VPC b1, host b1, group b1. Same-named ids never collide across companies.
 */
export async function seedWorld(store: Store): Promise<void> {
  await store.write(async (tx) => {
    await tx.setRegions(["cn-bj2", "cn-sh2"]);
    await company(tx, A.companyId, [A.projectId, A2.projectId]);
    await company(tx, B.companyId, [B.projectId]);
    await tx.upsertVpc({ vpcId: "uvnet-a1", ...A, name: "a1" });
    await tx.upsertVpc({ vpcId: "uvnet-a2", ...A, name: "a2" });
    await tx.upsertVpc({ vpcId: "uvnet-ash", ...A_SH, name: "a-sh" });
    await tx.upsertVpc({ vpcId: "uvnet-ap2", ...A2, name: "a-p2" });
    await tx.upsertVpc({ vpcId: "uvnet-b1", ...B, name: "b1" });
    for (const id of ["uhost-a1", "uhost-a2", "uhost-a3"]) await tx.upsertResource(resource(id, A, "uvnet-a1"));
    await tx.upsertResource(resource("uhost-a4", A, "uvnet-a2", { resourceType: "upm" }));
    await tx.upsertResource(resource("uhost-b1", B, "uvnet-b1"));
    for (const id of ["secgroup-a1", "secgroup-a2", "secgroup-a3"]) await tx.insertSecGroup(group(id, A, "uvnet-a1"));
    await tx.insertSecGroup(group("secgroup-a4", A, "uvnet-a2"));
    await tx.insertSecGroup(group("secgroup-b1", B, "uvnet-b1"));
  });
}
