// The repository's write statements, per dialect, built once: the inventory and the tenant objects share them.
import type { BindingRow, ResourceRow, RuleRow } from "../port.ts";
import type { SqlDialect, SqlValue } from "./driver.ts";
import { firewallWritesFor } from "./firewall-sql.ts";
import { IDS } from "./in-list.ts";
import { col, cols, ValuesInsert } from "./multi-row.ts";
import {
  BINDING_PARAM_TYPES,
  type DbInt,
  RESOURCE_COLUMNS,
  RESOURCE_PARAM_TYPES,
  RULE_COLUMNS,
  RULE_PARAM_TYPES,
  resourceParams,
  ruleParams,
  SECGROUP_COLUMNS,
  VPC_COLUMNS,
} from "./rows.ts";

const marks = (n: number): string => Array.from({ length: n }, () => "?").join(", ");

/** A binding to insert, and the seq it keeps when it is re-inserted (null: a new row, numbered by the database). */
export interface BindingInsert {
  readonly b: BindingRow;
  readonly seq: DbInt | null;
}

/** Likewise for a rule. */
export interface RuleInsert {
  readonly r: RuleRow;
  readonly seq: DbInt | null;
}

function buildWriteSql(d: SqlDialect) {
  const seq = d.nextSeq.bind(d);
  // Multi-row inserts (multi-row.ts). A new row's seq is the dialect's next number for its position; a re-inserted
  // row passes its old seq, in a statement before any new row's (see putBindings).
  //
  // A binding's vpc_id comes from its group; the composite foreign keys then demand the resource sit in that same
  // VPC. A missing group yields '' so it fails as a foreign-key violation, like a missing resource.
  const bindingVpc = `COALESCE((SELECT g.vpc_id FROM secgroups g WHERE g.secgroup_id = ${col(2)}), '')`;
  const intoBindings = "INSERT INTO bindings (resource_id, secgroup_id, priority, vpc_id, seq)";
  const bindingParams = ({ b }: BindingInsert): SqlValue[] => [b.resourceId, b.secGroupId, b.priority];
  const intoRules = `INSERT INTO rules (${RULE_COLUMNS}, seq)`;
  // Upserts never move a row to another company: an id owned elsewhere updates nothing and is reported as taken.
  return {
    firewall: firewallWritesFor(d),
    deleteRegions: "DELETE FROM regions",
    insertRegion: "INSERT INTO regions (region, position) VALUES (?, ?)",
    upsertOperatorKey: `INSERT INTO api_keys (public_key, private_key, company_id, user_name, seq)
      VALUES (?, ?, NULL, NULL, ${seq("api_keys")})
      ON CONFLICT (public_key) DO UPDATE SET private_key = excluded.private_key WHERE api_keys.company_id IS NULL`,
    upsertCompany: `INSERT INTO companies (company_id, name, seq) VALUES (?, ?, ${seq("companies")})
      ON CONFLICT (company_id) DO UPDATE SET name = excluded.name`,
    setQuotas: `UPDATE companies SET
      sec_groups_per_company = COALESCE(?, sec_groups_per_company),
      sec_groups_per_resource = COALESCE(?, sec_groups_per_resource),
      resources_per_sec_group = COALESCE(?, resources_per_sec_group),
      rules_per_direction = COALESCE(?, rules_per_direction),
      not_bound_policy = COALESCE(?, not_bound_policy)
      WHERE company_id = ?`,
    clearDefaultProject: `UPDATE projects SET is_default = 0 WHERE company_id = ? AND is_default = 1 AND project_id <> ?
      RETURNING project_id, company_id, name`,
    keyById: "SELECT private_key, company_id, user_name FROM api_keys WHERE public_key = ?",
    projectById: "SELECT project_id, company_id, name, is_default FROM projects WHERE project_id = ?",
    userSubAccount: "SELECT sub_account FROM users WHERE company_id = ? AND name = ?",
    userGrants: "SELECT project_id FROM user_projects WHERE company_id = ? AND user_name = ? ORDER BY position",
    vpcById: `SELECT ${VPC_COLUMNS} FROM vpcs WHERE vpc_id = ?`,
    resourcesAnyScope: `SELECT ${RESOURCE_COLUMNS} FROM resources WHERE resource_id IN ${IDS}`,
    secGroupsAnyScope: `SELECT ${SECGROUP_COLUMNS} FROM secgroups WHERE secgroup_id IN ${IDS}`,
    rulesByIds: `SELECT ${RULE_COLUMNS}, seq FROM rules WHERE rule_id IN ${IDS}`,
    upsertProject: `INSERT INTO projects (project_id, company_id, name, is_default, seq)
      VALUES (?, ?, ?, ?, ${seq("projects")})
      ON CONFLICT (project_id) DO UPDATE SET name = excluded.name, is_default = excluded.is_default
      WHERE projects.company_id = excluded.company_id`,
    upsertUser: `INSERT INTO users (company_id, name, sub_account, seq) VALUES (?, ?, ?, ${seq("users")})
      ON CONFLICT (company_id, name) DO UPDATE SET sub_account = excluded.sub_account`,
    deleteGrants: "DELETE FROM user_projects WHERE company_id = ? AND user_name = ?",
    insertGrant: "INSERT INTO user_projects (company_id, user_name, project_id, position) VALUES (?, ?, ?, ?)",
    upsertKey: `INSERT INTO api_keys (public_key, private_key, company_id, user_name, seq)
      VALUES (?, ?, ?, ?, ${seq("api_keys")})
      ON CONFLICT (public_key) DO UPDATE SET private_key = excluded.private_key
      WHERE api_keys.company_id = excluded.company_id AND api_keys.user_name = excluded.user_name`,
    upsertVpc: `INSERT INTO vpcs (${VPC_COLUMNS}, seq) VALUES (${marks(5)}, ${seq("vpcs")})
      ON CONFLICT (vpc_id) DO UPDATE SET project_id = excluded.project_id, region = excluded.region, name = excluded.name
      WHERE vpcs.company_id = excluded.company_id`,
    upsertResources: new ValuesInsert<ResourceRow>(d, {
      into: `INSERT INTO resources (${RESOURCE_COLUMNS}, seq)`,
      types: RESOURCE_PARAM_TYPES,
      select: (ordinal) => `${cols(RESOURCE_PARAM_TYPES.length)}, ${seq("resources", ordinal)}`,
      tail: `ON CONFLICT (resource_id) DO UPDATE SET project_id = excluded.project_id, region = excluded.region,
  vpc_id = excluded.vpc_id, resource_type = excluded.resource_type, name = excluded.name,
  security_mode = excluded.security_mode, private_ip = excluded.private_ip, zone = excluded.zone,
  eip = excluded.eip, super_resource_id = excluded.super_resource_id
WHERE resources.company_id = excluded.company_id`,
      params: resourceParams,
      key: (r) => r.resourceId,
    }),
    resourceOwners: `SELECT resource_id, company_id FROM resources WHERE resource_id IN ${IDS}`,
    updateResource: `UPDATE resources SET name = COALESCE(?, name), security_mode = COALESCE(?, security_mode),
      private_ip = COALESCE(?, private_ip), zone = COALESCE(?, zone) WHERE resource_id = ?`,
    deleteResource: `DELETE FROM resources WHERE resource_id = ? RETURNING ${RESOURCE_COLUMNS}`,
    insertSecGroup: `INSERT INTO secgroups (${SECGROUP_COLUMNS}, seq) VALUES (${marks(10)}, ${seq("secgroups")})`,
    upsertSecGroup: `INSERT INTO secgroups (${SECGROUP_COLUMNS}, seq) VALUES (${marks(10)}, ${seq("secgroups")})
      ON CONFLICT (secgroup_id) DO UPDATE SET project_id = excluded.project_id, region = excluded.region,
        vpc_id = excluded.vpc_id, name = excluded.name, remark = excluded.remark, tag = excluded.tag,
        type = excluded.type, create_time = excluded.create_time
      WHERE secgroups.company_id = excluded.company_id`,
    updateSecGroup: `UPDATE secgroups SET name = COALESCE(?, name), remark = COALESCE(?, remark), tag = COALESCE(?, tag)
      WHERE secgroup_id = ?`,
    deleteSecGroups: `DELETE FROM secgroups WHERE secgroup_id IN ${IDS}`,
    // The rules of deleted groups go explicitly, before them, so each one's deletion is recorded.
    deleteRulesOfGroups: `DELETE FROM rules WHERE secgroup_id IN ${IDS} RETURNING ${RULE_COLUMNS}`,
    secGroupsToBind: `SELECT ${SECGROUP_COLUMNS}, seq, ${d.groupLoad} AS binding_count
      FROM secgroups WHERE secgroup_id IN ${IDS} ${d.pinRowsInIdOrder("secgroup_id")}`,
    lockedGroupLoads: d.lockedGroupLoads,
    insertRules: new ValuesInsert<RuleInsert>(d, {
      into: intoRules,
      types: RULE_PARAM_TYPES,
      select: (ordinal) => `${cols(RULE_PARAM_TYPES.length)}, ${seq("rules", ordinal)}`,
      params: ({ r }) => ruleParams(r),
    }),
    // A replaced rule passes its old seq, so creation order survives the rewrite.
    reinsertRules: new ValuesInsert<RuleInsert>(d, {
      into: intoRules,
      types: [...RULE_PARAM_TYPES, "BIGINT"],
      select: () => cols(RULE_PARAM_TYPES.length + 1),
      params: ({ r, seq }) => [...ruleParams(r), seq],
    }),
    deleteRules: `DELETE FROM rules WHERE rule_id IN ${IDS} RETURNING ${RULE_COLUMNS}`,
    // The reader's bindingsOfResources without its ORDER BY: putBindings looks pairs up, it needs no order.
    bindingsOfResources: `SELECT resource_id, secgroup_id, priority, seq FROM bindings WHERE resource_id IN ${IDS}`,
    deleteBindingsOfGroup: `DELETE FROM bindings WHERE secgroup_id = ? AND resource_id IN ${IDS}
      RETURNING resource_id, priority`,
    insertBindings: new ValuesInsert<BindingInsert>(d, {
      into: intoBindings,
      types: BINDING_PARAM_TYPES,
      select: (ordinal) => `${cols(BINDING_PARAM_TYPES.length)}, ${bindingVpc}, ${seq("bindings", ordinal)}`,
      params: bindingParams,
    }),
    reinsertBindings: new ValuesInsert<BindingInsert>(d, {
      into: intoBindings,
      types: [...BINDING_PARAM_TYPES, "BIGINT"],
      select: () => `${cols(BINDING_PARAM_TYPES.length)}, ${bindingVpc}, ${col(BINDING_PARAM_TYPES.length + 1)}`,
      params: (c) => [...bindingParams(c), c.seq],
    }),
    companyIds: "SELECT company_id FROM companies ORDER BY seq",
    // Just below the first run still in the window (runs follow time closely enough: no index on time), and never
    // the newest run. Scans only the expired prefix. Every run at or below it goes: all its events are older.
    lastExpiredPosition: `SELECT COALESCE(
        (SELECT first_position FROM events WHERE time_ms >= ? ORDER BY first_position LIMIT 1),
        (SELECT MAX(first_position) FROM events)) - 1 AS p`,
    pruneFeed: "DELETE FROM events WHERE last_position <= ?",
    raiseFeedFloor: "UPDATE feed_state SET floor = ? WHERE id = 1 AND floor < ?",
    pruneAudit: "DELETE FROM audit WHERE time_ms < ?",
    resetTenants: [
      "DELETE FROM firewall_grants",
      "DELETE FROM firewalls",
      "DELETE FROM bindings",
      "DELETE FROM rules",
      "DELETE FROM secgroups",
      "DELETE FROM resources",
      "DELETE FROM vpcs",
      "DELETE FROM api_keys WHERE company_id IS NOT NULL",
      "DELETE FROM user_projects",
      "DELETE FROM users",
      "DELETE FROM projects",
      "DELETE FROM companies",
    ],
  } as const;
}

export type WriteSql = ReturnType<typeof buildWriteSql>;

const built = new WeakMap<SqlDialect, WriteSql>();

/** Statements for one dialect, built once so every call passes the same string (a cheap cache key). */
export function writeSqlFor(dialect: SqlDialect): WriteSql {
  let sql = built.get(dialect);
  if (sql === undefined) {
    sql = buildWriteSql(dialect);
    built.set(dialect, sql);
  }
  return sql;
}
