// Test helper: a real in-memory store with a small two-company world, and a TenantContext acting in company 101.
import type { seed } from "@sgplane/catalogue";
import { openStore } from "../store/open.ts";
import type { BindingRow, ResourceRow, RuleRow, Scope, SecGroupRow, Store } from "../store/port.ts";
import type { TenantContext } from "./context.ts";

export const SCOPE: Scope = { companyId: 101, projectId: "org-main", region: "cn-bj2" };
/** Same company, second project. */
export const SIDE: Scope = { companyId: 101, projectId: "org-side", region: "cn-bj2" };
/** Another company: its objects must look exactly like missing ones. */
export const OTHER: Scope = { companyId: 202, projectId: "org-other", region: "cn-bj2" };
export const NOW = 1_750_000_000;

export function resourceRow(id: string, extra: Partial<ResourceRow> = {}, scope: Scope = SCOPE): ResourceRow {
  return {
    resourceId: id,
    ...scope,
    vpcId: "uvnet-main",
    resourceType: "uhost",
    name: `name-${id}`,
    securityMode: "SecGroup",
    privateIp: "10.0.0.2",
    zone: 4001,
    eip: [],
    superResourceId: "",
    ...extra,
  };
}

export function groupRow(id: string, extra: Partial<SecGroupRow> = {}, scope: Scope = SCOPE): SecGroupRow {
  return {
    secGroupId: id,
    ...scope,
    vpcId: "uvnet-main",
    name: `name-${id}`,
    remark: "",
    tag: "Default",
    type: "user defined",
    createTime: NOW - 100,
    ...extra,
  };
}

/** Rule rows are built the same way as in the store contract suite. */
export { rule as ruleRow } from "../store/contract/world.ts";

export interface TestEnv {
  readonly store: Store;
  readonly ctx: TenantContext;
  /** Context of a sub-account of company 101 granted only org-main. */
  readonly subCtx: TenantContext;
  addResources(...rows: ResourceRow[]): Promise<void>;
  addGroups(...rows: SecGroupRow[]): Promise<void>;
  addRules(...rows: RuleRow[]): Promise<void>;
  bind(...triples: [resourceId: string, secGroupId: string, priority: number][]): Promise<void>;
  /** Every binding of company 101 as sorted "resource/group@priority" strings. */
  bindings(): Promise<string[]>;
  setQuotas(quotas: seed.Quotas, policy?: "Ignore" | "Error"): Promise<void>;
  close(): Promise<void>;
}

export const fmt = (b: BindingRow) => `${b.resourceId}/${b.secGroupId}@${b.priority}`;

export async function testEnv(): Promise<TestEnv> {
  const store = await openStore("sqlite::memory:");
  await store.write(async (tx) => {
    await tx.setRegions(["cn-bj2", "cn-sh2"]);
    for (const [companyId, projects] of [
      [SCOPE.companyId, [SCOPE.projectId, SIDE.projectId]],
      [OTHER.companyId, [OTHER.projectId]],
    ] as const) {
      await tx.upsertCompany({ companyId, name: `company-${companyId}` });
      for (const [i, projectId] of projects.entries()) {
        await tx.upsertProject(companyId, { projectId, name: projectId, isDefault: i === 0 });
      }
    }
    await tx.upsertVpc({ vpcId: "uvnet-main", ...SCOPE, name: "main" });
    await tx.upsertVpc({ vpcId: "uvnet-second", ...SCOPE, name: "second" });
    await tx.upsertVpc({ vpcId: "uvnet-side", ...SIDE, name: "side" });
    await tx.upsertVpc({ vpcId: "uvnet-sh", ...SCOPE, region: "cn-sh2", name: "shanghai" });
    await tx.upsertVpc({ vpcId: "uvnet-other", ...OTHER, name: "other" });
    await tx.upsertResource(resourceRow("uhost-other", { vpcId: "uvnet-other" }, OTHER));
    await tx.upsertSecGroup(groupRow("secgroup-other", { vpcId: "uvnet-other" }, OTHER));
    await tx.putBindings([{ resourceId: "uhost-other", secGroupId: "secgroup-other", priority: 1 }]);
  });
  let counter = 0;
  const base = {
    store,
    clock: { nowSeconds: () => NOW, nowMs: () => NOW * 1000 },
    auditing: false,
    ids: {
      secGroupId: () => `secgroup-new${String(++counter).padStart(5, "0")}`,
      ruleId: () => `rule-${String(++counter).padStart(5, "0")}`,
      firewallId: () => `firewall-new${String(++counter).padStart(5, "0")}`,
      privateKey: () => "private",
      publicKey: (userName: string) => `${userName}-public`,
    },
  };
  const key = (subAccount: boolean) => ({
    publicKey: subAccount ? "sub-pub" : "root-pub",
    privateKey: "secret",
    operator: false,
    companyId: SCOPE.companyId,
    userName: subAccount ? "dev" : "root",
    subAccount,
    projects: subAccount ? [SCOPE.projectId] : [],
  });
  return {
    store,
    ctx: { ...base, key: key(false), scope: SCOPE },
    subCtx: { ...base, key: key(true), scope: SCOPE },
    addResources: (...rows) =>
      store.write(async (tx) => {
        for (const r of rows) await tx.upsertResource(r);
      }),
    addGroups: (...rows) =>
      store.write(async (tx) => {
        for (const g of rows) await tx.upsertSecGroup(g);
      }),
    addRules: (...rows) => store.write((tx) => tx.insertRules(rows)),
    bind: (...triples) =>
      store.write((tx) =>
        tx.putBindings(triples.map(([resourceId, secGroupId, priority]) => ({ resourceId, secGroupId, priority }))),
      ),
    bindings: () =>
      store.read(async (tx) => {
        const ids = (await tx.resourcesOf(SCOPE.companyId)).map((r) => r.resourceId);
        return (ids.length > 0 ? await tx.bindingsOfResources(ids) : []).map(fmt).sort();
      }),
    setQuotas: (quotas, policy) => store.write((tx) => tx.setQuotas(SCOPE.companyId, quotas, policy)),
    close: () => store.close(),
  };
}
