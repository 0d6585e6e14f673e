// Row mapping: the one place where snake_case columns become the port's camelCase rows, and back.
import { DIRECTIONS, IP_VERSIONS, NOT_BOUND_POLICIES, RULE_ACTIONS, SECURITY_MODES } from "@sgplane/catalogue";
import type { BindingRow, CompanyRow, ResourceRow, RuleRow, SecGroupRow, VpcRow } from "../port.ts";
import type { SqlValue } from "./driver.ts";
import type { ParamType } from "./multi-row.ts";

/** Some drivers return BIGINT / COUNT as string or bigint. */
export type DbInt = number | string | bigint;

/** The integer columns among those written by multi-row inserts; every other one is text. */
const INTEGER_COLUMNS = new Set(["company_id", "zone", "priority"]);

/** The SQL type of each column of a column list, in order: the parameters' types when a statement gives none. */
function paramTypes(columns: string): readonly ParamType[] {
  return columns.split(",").map((c) => (INTEGER_COLUMNS.has(c.trim()) ? "INTEGER" : "TEXT"));
}

function oneOf<T extends string>(allowed: readonly T[], value: string, column: string): T {
  const hit = allowed.find((a) => a === value);
  // The CHECK constraints make this unreachable unless the schema and the code disagree.
  if (hit === undefined) throw new Error(`unexpected ${column} value in database: ${JSON.stringify(value)}`);
  return hit;
}

function stringArray(json: string, column: string): string[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string")) {
    throw new Error(`unexpected ${column} value in database: ${json}`);
  }
  return parsed;
}

export const bool = (b: boolean): number => (b ? 1 : 0);

// Companies -----------------------------------------------------------------------------------

export const COMPANY_SELECT = `SELECT c.company_id, c.name, p.project_id AS default_project_id,
  c.sec_groups_per_company, c.sec_groups_per_resource, c.resources_per_sec_group, c.rules_per_direction,
  c.not_bound_policy
FROM companies c LEFT JOIN projects p ON p.company_id = c.company_id AND p.is_default = 1`;

export interface CompanyRaw {
  company_id: DbInt;
  name: string;
  default_project_id: string | null;
  sec_groups_per_company: DbInt;
  sec_groups_per_resource: DbInt;
  resources_per_sec_group: DbInt;
  rules_per_direction: DbInt;
  not_bound_policy: string;
}

export const toCompany = (r: CompanyRaw): CompanyRow => ({
  companyId: Number(r.company_id),
  name: r.name,
  defaultProjectId: r.default_project_id,
  quotas: {
    SecGroupsPerCompany: Number(r.sec_groups_per_company),
    SecGroupsPerResource: Number(r.sec_groups_per_resource),
    ResourcesPerSecGroup: Number(r.resources_per_sec_group),
    RulesPerDirection: Number(r.rules_per_direction),
  },
  notBoundPolicy: oneOf(NOT_BOUND_POLICIES, r.not_bound_policy, "not_bound_policy"),
});

// VPCs ----------------------------------------------------------------------------------------

export const VPC_COLUMNS = "vpc_id, company_id, project_id, region, name";

export interface VpcRaw {
  vpc_id: string;
  company_id: DbInt;
  project_id: string;
  region: string;
  name: string;
}

export const toVpc = (r: VpcRaw): VpcRow => ({
  vpcId: r.vpc_id,
  companyId: Number(r.company_id),
  projectId: r.project_id,
  region: r.region,
  name: r.name,
});

export const vpcParams = (v: VpcRow): SqlValue[] => [v.vpcId, v.companyId, v.projectId, v.region, v.name];

// Resources -----------------------------------------------------------------------------------

export const RESOURCE_COLUMNS = `resource_id, company_id, project_id, region, vpc_id, resource_type, name,
  security_mode, private_ip, zone, eip, super_resource_id`;

export interface ResourceRaw {
  resource_id: string;
  company_id: DbInt;
  project_id: string;
  region: string;
  vpc_id: string;
  resource_type: string;
  name: string;
  security_mode: string;
  private_ip: string;
  zone: DbInt;
  eip: string;
  super_resource_id: string;
}

export type ResourceRefRaw = Pick<
  ResourceRaw,
  "resource_id" | "company_id" | "project_id" | "region" | "vpc_id" | "resource_type" | "security_mode"
>;

/** A text column of a row read as an array (allArrays). */
export function text(value: unknown, column: string): string {
  if (typeof value !== "string") throw new Error(`column ${column}: expected text, got ${typeof value}`);
  return value;
}

/** A resource ref with its scope (for the scope check on the rows found). */
export const toResourceRef = (r: ResourceRefRaw) => ({
  resourceId: r.resource_id,
  companyId: Number(r.company_id),
  projectId: r.project_id,
  region: r.region,
  vpcId: r.vpc_id,
  resourceType: r.resource_type,
  securityMode: oneOf(SECURITY_MODES, r.security_mode, "security_mode"),
});

export const toResource = (r: ResourceRaw): ResourceRow => ({
  ...toResourceRef(r),
  name: r.name,
  privateIp: r.private_ip,
  zone: Number(r.zone),
  eip: stringArray(r.eip, "eip"),
  superResourceId: r.super_resource_id,
});

/** The SQL types of resourceParams, in order (for multi-row inserts). */
export const RESOURCE_PARAM_TYPES = paramTypes(RESOURCE_COLUMNS);

export const resourceParams = (r: ResourceRow): SqlValue[] => [
  r.resourceId,
  r.companyId,
  r.projectId,
  r.region,
  r.vpcId,
  r.resourceType,
  r.name,
  r.securityMode,
  r.privateIp,
  r.zone,
  JSON.stringify(r.eip),
  r.superResourceId,
];

// Security groups -----------------------------------------------------------------------------

export const SECGROUP_COLUMNS =
  "secgroup_id, company_id, project_id, region, vpc_id, name, remark, tag, type, create_time";

export interface SecGroupRaw {
  secgroup_id: string;
  company_id: DbInt;
  project_id: string;
  region: string;
  vpc_id: string;
  name: string;
  remark: string;
  tag: string;
  type: string;
  create_time: DbInt;
}

export const toSecGroup = (r: SecGroupRaw): SecGroupRow => ({
  secGroupId: r.secgroup_id,
  companyId: Number(r.company_id),
  projectId: r.project_id,
  region: r.region,
  vpcId: r.vpc_id,
  name: r.name,
  remark: r.remark,
  tag: r.tag,
  type: r.type,
  createTime: Number(r.create_time),
});

export const secGroupParams = (g: SecGroupRow): SqlValue[] => [
  g.secGroupId,
  g.companyId,
  g.projectId,
  g.region,
  g.vpcId,
  g.name,
  g.remark,
  g.tag,
  g.type,
  g.createTime,
];

// Rules ---------------------------------------------------------------------------------------

export const RULE_COLUMNS = `rule_id, secgroup_id, direction, protocol_type, dst_port, ip_range, priority, rule_action,
  remark, ip_version`;

export interface RuleRaw {
  rule_id: string;
  secgroup_id: string;
  direction: string;
  protocol_type: string;
  dst_port: string;
  ip_range: string;
  priority: DbInt;
  rule_action: string;
  remark: string;
  ip_version: string;
}

export const toRule = (r: RuleRaw): RuleRow => ({
  ruleId: r.rule_id,
  secGroupId: r.secgroup_id,
  direction: oneOf(DIRECTIONS, r.direction, "direction"),
  protocolType: r.protocol_type,
  dstPort: r.dst_port,
  ipRange: r.ip_range,
  priority: Number(r.priority),
  ruleAction: oneOf(RULE_ACTIONS, r.rule_action, "rule_action"),
  remark: r.remark,
  ipVersion: oneOf(IP_VERSIONS, r.ip_version, "ip_version"),
});

/** The SQL types of ruleParams, in order (for multi-row inserts). */
export const RULE_PARAM_TYPES = paramTypes(RULE_COLUMNS);

export const ruleParams = (r: RuleRow): SqlValue[] => [
  r.ruleId,
  r.secGroupId,
  r.direction,
  r.protocolType,
  r.dstPort,
  r.ipRange,
  r.priority,
  r.ruleAction,
  r.remark,
  r.ipVersion,
];

// Bindings ------------------------------------------------------------------------------------

export const BINDING_COLUMNS = "b.resource_id, b.secgroup_id, b.priority";

/** The SQL types of a new binding's parameters (resource, group, priority), in order (for multi-row inserts). */
export const BINDING_PARAM_TYPES = paramTypes("resource_id, secgroup_id, priority");

export interface BindingRaw {
  resource_id: string;
  secgroup_id: string;
  priority: DbInt;
}

export const toBinding = (r: BindingRaw): BindingRow => ({
  resourceId: r.resource_id,
  secGroupId: r.secgroup_id,
  priority: Number(r.priority),
});
