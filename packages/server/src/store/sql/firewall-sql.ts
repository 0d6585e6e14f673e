// The firewall tables (migration 007): row mapping and statements, reads shared by every engine, writes per dialect.
import {
  FIREWALL_ACTIONS,
  FIREWALL_PRIORITIES,
  FIREWALL_PROTOCOLS,
  type FirewallRule,
} from "../../domain/firewall-rule.ts";
import type { FirewallGrantRow, FirewallRow } from "../port.ts";
import type { SqlDialect, SqlValue } from "./driver.ts";
import { IDS } from "./in-list.ts";
import { type DbInt, RESOURCE_COLUMNS } from "./rows.ts";

export const FIREWALL_COLUMNS = "fw_id, company_id, project_id, region, name, tag, remark, type, create_time, rules";

export interface FirewallRaw {
  fw_id: string;
  company_id: DbInt;
  project_id: string;
  region: string;
  name: string;
  tag: string;
  remark: string;
  type: string;
  create_time: DbInt;
  rules: string;
}

function oneOf<T extends string>(allowed: readonly T[], value: unknown, what: string): T {
  const hit = allowed.find((a) => a === value);
  // Only sgplane writes the column, from parsed rules: anything else means the schema and the code disagree.
  if (hit === undefined) throw new Error(`unexpected firewall ${what} in database: ${JSON.stringify(value)}`);
  return hit;
}

const str = (value: unknown, what: string): string => {
  if (typeof value !== "string") throw new Error(`unexpected firewall ${what} in database: ${JSON.stringify(value)}`);
  return value;
};

function toRules(json: string): FirewallRule[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) throw new Error(`unexpected firewall rules in database: ${json}`);
  return parsed.map((item: Record<string, unknown>) => ({
    protocol: oneOf(FIREWALL_PROTOCOLS, item.protocol, "protocol"),
    port: str(item.port, "port"),
    cidr: str(item.cidr, "cidr"),
    action: oneOf(FIREWALL_ACTIONS, item.action, "action"),
    priority: oneOf(FIREWALL_PRIORITIES, item.priority, "priority"),
    remark: str(item.remark, "remark"),
  }));
}

/** Fixed key order, so the text of equal rule sets is equal. */
export const rulesJson = (rules: readonly FirewallRule[]): string =>
  JSON.stringify(
    rules.map((r) => ({
      protocol: r.protocol,
      port: r.port,
      cidr: r.cidr,
      action: r.action,
      priority: r.priority,
      remark: r.remark,
    })),
  );

const FIREWALL_TYPES = ["user defined", "recommend web", "recommend non web"] as const;

export const toFirewall = (r: FirewallRaw): FirewallRow => ({
  fwId: r.fw_id,
  companyId: Number(r.company_id),
  projectId: r.project_id,
  region: r.region,
  name: r.name,
  tag: r.tag,
  remark: r.remark,
  type: oneOf(FIREWALL_TYPES, r.type, "type"),
  createTime: Number(r.create_time),
  rules: toRules(r.rules),
});

export const firewallParams = (f: FirewallRow): SqlValue[] => [
  f.fwId,
  f.companyId,
  f.projectId,
  f.region,
  f.name,
  f.tag,
  f.remark,
  f.type,
  f.createTime,
  rulesJson(f.rules),
];

export interface GrantRaw {
  resource_id: string;
  fw_id: string;
}

export const toGrant = (r: GrantRaw): FirewallGrantRow => ({ resourceId: r.resource_id, fwId: r.fw_id });

const IN_SCOPE = "company_id = ? AND project_id = ? AND region = ?";

/** Reads: plain SQL, the same on every engine. */
export const FIREWALL_READS = {
  // By primary key; the scope is checked on the rows found (as for groups: read-tx.ts says why).
  byIds: `SELECT ${FIREWALL_COLUMNS} FROM firewalls WHERE fw_id IN ${IDS} ORDER BY seq`,
  listUser: `SELECT ${FIREWALL_COLUMNS} FROM firewalls WHERE ${IN_SCOPE} AND type = 'user defined'
    ORDER BY seq LIMIT ? OFFSET ?`,
  countUser: `SELECT COUNT(*) AS n FROM firewalls WHERE ${IN_SCOPE} AND type = 'user defined'`,
  grantCounts: `SELECT fw_id, COUNT(*) AS n FROM firewall_grants WHERE fw_id IN ${IDS} GROUP BY fw_id`,
  grantsOfResources: `SELECT resource_id, fw_id FROM firewall_grants WHERE resource_id IN ${IDS}`,
  listResources: `SELECT ${RESOURCE_COLUMNS.split(",")
    .map((c) => `r.${c.trim()}`)
    .join(", ")} FROM firewall_grants fg JOIN resources r ON r.resource_id = fg.resource_id
    WHERE fg.fw_id = ? ORDER BY fg.seq LIMIT ? OFFSET ?`,
  countResources: "SELECT COUNT(*) AS n FROM firewall_grants WHERE fw_id = ?",
  ofCompany: `SELECT ${FIREWALL_COLUMNS} FROM firewalls WHERE company_id = ? ORDER BY seq`,
  grantsOfCompany: "SELECT resource_id, fw_id FROM firewall_grants WHERE company_id = ? ORDER BY seq",
} as const;

const marks = (n: number): string => Array.from({ length: n }, () => "?").join(", ");

function buildFirewallWrites(d: SqlDialect) {
  const insert = `INSERT INTO firewalls (${FIREWALL_COLUMNS}, seq) VALUES (${marks(10)}, ${d.nextSeq("firewalls")})`;
  return {
    insert,
    insertIfAbsent: `${insert} ON CONFLICT (fw_id) DO NOTHING`,
    upsert: `${insert} ON CONFLICT (fw_id) DO UPDATE SET project_id = excluded.project_id, region = excluded.region,
      name = excluded.name, tag = excluded.tag, remark = excluded.remark, type = excluded.type,
      create_time = excluded.create_time, rules = excluded.rules
      WHERE firewalls.company_id = excluded.company_id`,
    anyScope: `SELECT ${FIREWALL_COLUMNS} FROM firewalls WHERE fw_id = ?`,
    toGrant: `SELECT ${FIREWALL_COLUMNS} FROM firewalls WHERE fw_id IN ${IDS} ${d.pinRowsInIdOrder("fw_id")}`,
    update: `UPDATE firewalls SET name = COALESCE(?, name), tag = COALESCE(?, tag), remark = COALESCE(?, remark),
      rules = COALESCE(?, rules) WHERE fw_id = ?`,
    delete: `DELETE FROM firewalls WHERE fw_id = ? RETURNING ${FIREWALL_COLUMNS}`,
    // The grant takes its scope from the resource; the firewall's composite key then demands the same scope.
    grant: `INSERT INTO firewall_grants (resource_id, fw_id, company_id, project_id, region, seq)
      SELECT r.resource_id, ?, r.company_id, r.project_id, r.region, ${d.nextSeq("firewall_grants")}
      FROM resources r WHERE r.resource_id = ?`,
    grantOf: "SELECT resource_id, fw_id, company_id, project_id, region FROM firewall_grants WHERE resource_id = ?",
    deleteGrants: `DELETE FROM firewall_grants WHERE resource_id IN ${IDS}
      RETURNING resource_id, fw_id, company_id, project_id, region`,
  } as const;
}

export type FirewallWrites = ReturnType<typeof buildFirewallWrites>;

const built = new WeakMap<SqlDialect, FirewallWrites>();

export function firewallWritesFor(dialect: SqlDialect): FirewallWrites {
  let sql = built.get(dialect);
  if (sql === undefined) {
    sql = buildFirewallWrites(dialect);
    built.set(dialect, sql);
  }
  return sql;
}
