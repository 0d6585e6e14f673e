// Seed / state validation: the schema first, then cross-references and binding rules, each error naming its path.

import { DEFAULT_REGIONS, seed } from "@sgplane/catalogue";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { defaultFirewallId, isDefaultType } from "../domain/default-firewalls.ts";
import { parseFirewallRule } from "../domain/firewall-rule.ts";
import { ruleFieldProblem } from "../domain/rule-format.ts";

export class SeedError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path || "(root)"}: ${reason}`);
    this.name = "SeedError";
  }
}

const checker = TypeCompiler.Compile(seed.SeedFile);

/** `/Companies/0/Resources/3/VPCId` → `Companies[0].Resources[3].VPCId`. */
export function seedPath(pointer: string): string {
  return pointer
    .split("/")
    .filter(Boolean)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), "");
}

export const DEFAULT_QUOTAS: Required<seed.Quotas> = {
  SecGroupsPerCompany: 50,
  SecGroupsPerResource: 5,
  ResourcesPerSecGroup: 500,
  RulesPerDirection: 50,
};

class Unique {
  private readonly seen = new Map<string, string>();
  constructor(private readonly what: string) {}
  add(id: string, path: string): void {
    const first = this.seen.get(id);
    if (first !== undefined) throw new SeedError(path, `duplicate ${this.what} ${id} (first at ${first})`);
    this.seen.set(id, path);
  }
}

/** Ids are global: one registry per kind across the whole file. */
function newIds() {
  return {
    company: new Unique("CompanyId"),
    project: new Unique("ProjectId"),
    key: new Unique("PublicKey"),
    vpc: new Unique("VPCId"),
    resource: new Unique("ResourceId"),
    secGroup: new Unique("SecGroupId"),
    rule: new Unique("RuleId"),
    firewall: new Unique("FWId"),
  };
}
type Ids = ReturnType<typeof newIds>;

function checkCompany(c: seed.SeedCompany, at: string, regions: readonly string[], ids: Ids) {
  const quotas = { ...DEFAULT_QUOTAS, ...c.Quotas };
  const projects = new Set<string>();
  let defaults = 0;
  for (const [i, p] of c.Projects.entries()) {
    ids.project.add(p.ProjectId, `${at}.Projects[${i}].ProjectId`);
    projects.add(p.ProjectId);
    if (p.Default === true) defaults++;
  }
  if (defaults > 1) throw new SeedError(`${at}.Projects`, "more than one project is marked Default");
  const inProject = (path: string, projectId: string) => {
    if (!projects.has(projectId)) throw new SeedError(path, `project ${projectId} is not a project of this company`);
  };
  const inRegion = (path: string, region: string) => {
    if (!regions.includes(region)) throw new SeedError(path, `region ${region} is not in the region list`);
  };
  for (const [i, u] of (c.Users ?? []).entries()) {
    for (const [j, p] of (u.Projects ?? []).entries()) inProject(`${at}.Users[${i}].Projects[${j}]`, p);
    for (const [j, k] of u.Keys.entries()) ids.key.add(k.PublicKey, `${at}.Users[${i}].Keys[${j}].PublicKey`);
  }
  const vpcs = new Map<string, seed.SeedVPC>();
  for (const [i, v] of (c.VPCs ?? []).entries()) {
    ids.vpc.add(v.VPCId, `${at}.VPCs[${i}].VPCId`);
    inProject(`${at}.VPCs[${i}].ProjectId`, v.ProjectId);
    inRegion(`${at}.VPCs[${i}].Region`, v.Region);
    vpcs.set(v.VPCId, v);
  }
  const placed = (path: string, o: { VPCId: string; Region: string; ProjectId: string }) => {
    inProject(`${path}.ProjectId`, o.ProjectId);
    inRegion(`${path}.Region`, o.Region);
    const vpc = vpcs.get(o.VPCId);
    if (vpc === undefined) throw new SeedError(`${path}.VPCId`, `VPC ${o.VPCId} is not a VPC of this company`);
    if (vpc.Region !== o.Region || vpc.ProjectId !== o.ProjectId) {
      throw new SeedError(
        `${path}.VPCId`,
        `VPC ${o.VPCId} is in ${vpc.Region}/${vpc.ProjectId}, not ${o.Region}/${o.ProjectId}`,
      );
    }
  };
  const resources = new Map<string, seed.SeedResource>();
  for (const [i, r] of (c.Resources ?? []).entries()) {
    ids.resource.add(r.ResourceId, `${at}.Resources[${i}].ResourceId`);
    placed(`${at}.Resources[${i}]`, r);
    resources.set(r.ResourceId, r);
  }
  for (const [i, r] of (c.Resources ?? []).entries()) {
    if (r.SuperResourceId !== undefined && !resources.has(r.SuperResourceId)) {
      throw new SeedError(
        `${at}.Resources[${i}].SuperResourceId`,
        `resource ${r.SuperResourceId} is not a resource of this company`,
      );
    }
  }
  const groups = new Map<string, seed.SeedSecGroup>();
  const groupList = c.SecGroups ?? [];
  if (groupList.length > quotas.SecGroupsPerCompany) {
    throw new SeedError(`${at}.SecGroups`, `more than the company's quota of ${quotas.SecGroupsPerCompany} groups`);
  }
  for (const [i, g] of groupList.entries()) {
    ids.secGroup.add(g.SecGroupId, `${at}.SecGroups[${i}].SecGroupId`);
    placed(`${at}.SecGroups[${i}]`, g);
    groups.set(g.SecGroupId, g);
    checkRules(g, `${at}.SecGroups[${i}]`, quotas.RulesPerDirection, ids);
  }
  checkBindings(c.Bindings ?? [], `${at}.Bindings`, resources, groups, quotas);
  const granted = new Unique("firewall grant of resource");
  for (const [i, f] of (c.Firewalls ?? []).entries()) {
    const path = `${at}.Firewalls[${i}]`;
    ids.firewall.add(f.FWId, `${path}.FWId`);
    inProject(`${path}.ProjectId`, f.ProjectId);
    inRegion(`${path}.Region`, f.Region);
    checkFirewall(c.CompanyId, f, path, resources, granted);
  }
}

/** A firewall entry: default ids match their scope, rules parse, grants go to Firewall-mode resources beside it. */
function checkFirewall(
  companyId: number,
  f: seed.SeedFirewall,
  path: string,
  resources: ReadonlyMap<string, seed.SeedResource>,
  granted: Unique,
) {
  const type = f.Type ?? "user defined";
  if (isDefaultType(type)) {
    const expected = defaultFirewallId({ companyId, projectId: f.ProjectId, region: f.Region }, type);
    if (f.FWId !== expected) {
      throw new SeedError(`${path}.FWId`, `the ${type} firewall of ${f.ProjectId}/${f.Region} has the id ${expected}`);
    }
  }
  for (const [j, text] of f.Rules.entries()) {
    const parsed = parseFirewallRule(text);
    if ("problem" in parsed) throw new SeedError(`${path}.Rules[${j}]`, parsed.problem);
  }
  for (const [j, id] of (f.Resources ?? []).entries()) {
    const at = `${path}.Resources[${j}]`;
    const r = resources.get(id);
    if (r === undefined) throw new SeedError(at, `resource ${id} is not a resource of this company`);
    if (r.ProjectId !== f.ProjectId || r.Region !== f.Region) {
      throw new SeedError(at, `resource ${id} is in ${r.Region}/${r.ProjectId}, not ${f.Region}/${f.ProjectId}`);
    }
    if (r.SecurityMode !== "Firewall") throw new SeedError(at, `resource ${id} is in SecGroup mode`);
    granted.add(id, at);
  }
}

function checkRules(g: seed.SeedSecGroup, at: string, limit: number, ids: Ids) {
  const priorities = new Unique("priority in this direction");
  const counts = { Ingress: 0, Egress: 0 };
  for (const [i, r] of (g.Rules ?? []).entries()) {
    if (r.RuleId !== undefined) ids.rule.add(r.RuleId, `${at}.Rules[${i}].RuleId`);
    const problem = ruleFieldProblem(
      { protocolType: r.ProtocolType, dstPort: r.DstPort, ipRange: r.IPRange },
      g.SecGroupId,
    );
    if (problem !== undefined) throw new SeedError(`${at}.Rules[${i}].${problem.field}`, problem.reason);
    priorities.add(`${r.Direction} ${r.Priority}`, `${at}.Rules[${i}].Priority`);
    counts[r.Direction]++;
    if (counts[r.Direction] > limit)
      throw new SeedError(`${at}.Rules[${i}]`, `more than ${limit} ${r.Direction} rules`);
  }
}

function checkBindings(
  bindings: readonly seed.SeedBinding[],
  at: string,
  resources: ReadonlyMap<string, seed.SeedResource>,
  groups: ReadonlyMap<string, seed.SeedSecGroup>,
  quotas: Required<seed.Quotas>,
) {
  const pairs = new Unique("binding");
  const slots = new Unique("binding priority on resource");
  const perResource = new Map<string, number>();
  const perGroup = new Map<string, number>();
  for (const [i, b] of bindings.entries()) {
    const path = `${at}[${i}]`;
    const r = resources.get(b.ResourceId);
    if (r === undefined)
      throw new SeedError(`${path}.ResourceId`, `resource ${b.ResourceId} is not a resource of this company`);
    const g = groups.get(b.SecGroupId);
    if (g === undefined)
      throw new SeedError(`${path}.SecGroupId`, `group ${b.SecGroupId} is not a group of this company`);
    if (r.VPCId !== g.VPCId)
      throw new SeedError(path, `resource ${r.ResourceId} is in ${r.VPCId}, group ${g.SecGroupId} in ${g.VPCId}`);
    if (r.SecurityMode !== "SecGroup") throw new SeedError(path, `resource ${r.ResourceId} is in Firewall mode`);
    pairs.add(`${b.ResourceId}/${b.SecGroupId}`, path);
    slots.add(`${b.ResourceId}#${b.Priority}`, `${path}.Priority`);
    const nr = (perResource.get(b.ResourceId) ?? 0) + 1;
    const ng = (perGroup.get(b.SecGroupId) ?? 0) + 1;
    if (nr > quotas.SecGroupsPerResource)
      throw new SeedError(path, `resource ${b.ResourceId} has more than ${quotas.SecGroupsPerResource} groups`);
    if (ng > quotas.ResourcesPerSecGroup)
      throw new SeedError(path, `group ${b.SecGroupId} has more than ${quotas.ResourcesPerSecGroup} resources`);
    perResource.set(b.ResourceId, nr);
    perGroup.set(b.SecGroupId, ng);
  }
}

/** Validates a parsed seed; throws SeedError with the first offending path. Returns it typed. */
export function validateSeed(value: unknown): seed.SeedFile {
  const first = checker.Errors(value).First();
  if (first !== undefined) throw new SeedError(seedPath(first.path), first.message.toLowerCase());
  const file = value as seed.SeedFile;
  const regions = file.Regions ?? [...DEFAULT_REGIONS];
  const ids = newIds();
  for (const [i, k] of (file.OperatorKeys ?? []).entries()) ids.key.add(k.PublicKey, `OperatorKeys[${i}].PublicKey`);
  for (const [i, c] of (file.Companies ?? []).entries()) {
    ids.company.add(String(c.CompanyId), `Companies[${i}].CompanyId`);
    checkCompany(c, `Companies[${i}]`, regions, ids);
  }
  return file;
}
