// Applies a validated seed/state to the store as an idempotent upsert, inside the caller's one transaction.
import type { seed } from "@sgplane/catalogue";
import { type FirewallRule, parseFirewallRule } from "../domain/firewall-rule.ts";
import { normalizeRule } from "../domain/rule-format.ts";
import type { IdSource } from "../handlers/context.ts";
import type { ResourceRow, RuleRow, SecGroupRow, WriteTx } from "../store/port.ts";

export async function loadSeed(tx: WriteTx, file: seed.SeedFile, ids: IdSource, nowSeconds: number): Promise<void> {
  // Several servers may start with one seed on one PostgreSQL database at once: one load at a time.
  await tx.lockSeedLoad();
  if (file.Regions !== undefined) await tx.setRegions(file.Regions);
  for (const k of file.OperatorKeys ?? []) await tx.upsertOperatorKey(k.PublicKey, k.PrivateKey);
  for (const c of file.Companies ?? []) await loadCompany(tx, c, ids, nowSeconds);
}

async function loadCompany(tx: WriteTx, c: seed.SeedCompany, ids: IdSource, nowSeconds: number): Promise<void> {
  const companyId = c.CompanyId;
  await tx.upsertCompany({ companyId, name: c.Name });
  await tx.setQuotas(companyId, c.Quotas ?? {}, c.Policies?.DisassociateNotBound);
  const hasDefault = c.Projects.some((p) => p.Default === true);
  for (const [i, p] of c.Projects.entries()) {
    await tx.upsertProject(companyId, {
      projectId: p.ProjectId,
      name: p.Name,
      isDefault: p.Default ?? (!hasDefault && i === 0),
    });
  }
  for (const u of c.Users ?? []) {
    await tx.upsertUser(companyId, { name: u.Name, subAccount: u.SubAccount, projects: u.Projects ?? [] });
    for (const k of u.Keys) await tx.upsertKey(companyId, u.Name, k.PublicKey, k.PrivateKey);
  }
  for (const v of c.VPCs ?? []) {
    await tx.upsertVpc({ vpcId: v.VPCId, companyId, projectId: v.ProjectId, region: v.Region, name: v.Name });
  }
  // Parents before children, so a NIC's SuperResourceId always points at a stored row.
  const resources = [...(c.Resources ?? [])].sort(
    (a, b) => Number(a.SuperResourceId !== undefined) - Number(b.SuperResourceId !== undefined),
  );
  if (resources.length > 0) await tx.upsertResources(resources.map((r) => resourceRow(companyId, r)));
  const groups = c.SecGroups ?? [];
  if (groups.length > 0) {
    // What is stored of these groups, read up front (a query per scope, one for rules): each group's writes below
    // touch only its own row and rules (ids are unique in a validated seed), so the reads see what they would
    // have seen one group at a time.
    const stored = await storedGroups(tx, companyId, groups);
    const rules = new Map<string, RuleRow[]>();
    const withRules = groups.flatMap((g) => (g.Rules === undefined ? [] : [g.SecGroupId]));
    for (const r of withRules.length > 0 ? await tx.rulesOf(withRules) : []) {
      const list = rules.get(r.secGroupId);
      if (list === undefined) rules.set(r.secGroupId, [r]);
      else list.push(r);
    }
    for (const g of groups) {
      await loadSecGroup(tx, companyId, g, ids, nowSeconds, stored.get(g.SecGroupId), rules.get(g.SecGroupId) ?? []);
    }
  }
  if (c.Bindings !== undefined && c.Bindings.length > 0) {
    await tx.putBindings(
      c.Bindings.map((b) => ({ resourceId: b.ResourceId, secGroupId: b.SecGroupId, priority: b.Priority })),
    );
  }
  for (const f of c.Firewalls ?? []) await loadFirewall(tx, companyId, f, nowSeconds);
}

/** A seed resource entry (also AdminRegisterResource's input) as a store row, defaults filled in. */
export function resourceRow(companyId: number, r: seed.SeedResource): ResourceRow {
  return {
    resourceId: r.ResourceId,
    companyId,
    projectId: r.ProjectId,
    region: r.Region,
    vpcId: r.VPCId,
    resourceType: r.ResourceType,
    name: r.Name,
    securityMode: r.SecurityMode,
    privateIp: r.PrivateIp ?? "",
    zone: r.Zone ?? 0,
    eip: r.EIP ?? [],
    superResourceId: r.SuperResourceId ?? "",
  };
}

/** The stored rows of these seed groups that are in each one's own scope (a query per project and region). */
async function storedGroups(
  tx: WriteTx,
  companyId: number,
  groups: readonly seed.SeedSecGroup[],
): Promise<Map<string, SecGroupRow>> {
  const byScope = new Map<string, { projectId: string; region: string; ids: string[] }>();
  for (const g of groups) {
    const key = JSON.stringify([g.ProjectId, g.Region]);
    const entry = byScope.get(key);
    if (entry === undefined) byScope.set(key, { projectId: g.ProjectId, region: g.Region, ids: [g.SecGroupId] });
    else entry.ids.push(g.SecGroupId);
  }
  const stored = new Map<string, SecGroupRow>();
  for (const { projectId, region, ids } of byScope.values()) {
    for (const row of await tx.secGroupsByIds({ companyId, projectId, region }, ids)) stored.set(row.secGroupId, row);
  }
  return stored;
}

/** existing: the group's stored rules, creation order. */
async function loadSecGroup(
  tx: WriteTx,
  companyId: number,
  g: seed.SeedSecGroup,
  ids: IdSource,
  nowSeconds: number,
  stored: SecGroupRow | undefined,
  existing: readonly RuleRow[],
) {
  // Reloading a seed without CreateTime keeps the stored time, so loading twice gives the same state.
  await tx.upsertSecGroup({
    secGroupId: g.SecGroupId,
    companyId,
    projectId: g.ProjectId,
    region: g.Region,
    vpcId: g.VPCId,
    name: g.Name,
    remark: g.Remark ?? "",
    tag: g.Tag ?? "Default",
    type: g.Type ?? "user defined",
    createTime: g.CreateTime ?? stored?.createTime ?? nowSeconds,
  });
  if (g.Rules === undefined) return;
  // The seed states the group's whole rule set: replace what is there so reloading is idempotent.
  const keep = new Set(g.Rules.flatMap((r) => (r.RuleId === undefined ? [] : [r.RuleId])));
  const stale = existing.filter(
    (r) => !keep.has(r.ruleId) && !g.Rules?.some((s) => s.RuleId === undefined && sameRule(s, r)),
  );
  if (stale.length > 0) await tx.deleteRules(stale.map((r) => r.ruleId));
  const rows = g.Rules.map((r, i) => ({
    ...normalizeRule(
      {
        direction: r.Direction,
        protocolType: r.ProtocolType,
        dstPort: r.DstPort,
        ipRange: r.IPRange,
        priority: r.Priority,
        ruleAction: r.RuleAction,
        remark: r.Remark,
        ipVersion: r.IPVersion,
      },
      i,
      g.SecGroupId,
    ),
    ruleId: r.RuleId ?? existing.find((e) => sameRule(r, e))?.ruleId ?? ids.ruleId(),
    secGroupId: g.SecGroupId,
  }));
  const known = new Set(existing.map((e) => e.ruleId));
  const fresh = rows.filter((r) => !known.has(r.ruleId));
  const replaced = rows.filter((r) => known.has(r.ruleId));
  if (replaced.length > 0) await tx.replaceRules(replaced);
  if (fresh.length > 0) await tx.insertRules(fresh);
}

/** A seed rule without RuleId matches a stored rule with the same direction and priority. */
function sameRule(s: seed.SeedRule, r: { direction: string; priority: number }): boolean {
  return s.Direction === r.direction && s.Priority === r.priority;
}

/** A seed firewall (validated: its rules parse) and its grants; reloading it changes nothing. */
async function loadFirewall(tx: WriteTx, companyId: number, f: seed.SeedFirewall, nowSeconds: number): Promise<void> {
  const scope = { companyId, projectId: f.ProjectId, region: f.Region };
  const [stored] = await tx.firewallsByIds(scope, [f.FWId]);
  const rules = f.Rules.map((text): FirewallRule => {
    const parsed = parseFirewallRule(text);
    if ("problem" in parsed) throw new Error(`seed firewall ${f.FWId}: ${parsed.problem} (validation missed it)`);
    return parsed;
  });
  await tx.upsertFirewall({
    fwId: f.FWId,
    ...scope,
    name: f.Name,
    tag: f.Tag ?? "Default",
    remark: f.Remark ?? "",
    type: f.Type ?? "user defined",
    createTime: f.CreateTime ?? stored?.createTime ?? nowSeconds,
    rules,
  });
  for (const resourceId of f.Resources ?? []) await tx.grantFirewall(resourceId, f.FWId);
}
