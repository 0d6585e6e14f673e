// WriteTx over plain SQL: each method is a few parameterised statements; constraints, not code, guard legality.
import type { seed } from "@sgplane/catalogue";
import { StoreError } from "../errors.ts";
import type {
  BindingRow,
  ResourceRow,
  RuleRow,
  Scope,
  SecGroupRow,
  SecGroupWithLoad,
  VpcRow,
  WriteTx,
} from "../port.ts";
import type { SqlConn, SqlDialect, SqlValue } from "./driver.ts";
import { expandIds, IDS, idChunks } from "./in-list.ts";
import { col, cols, ValuesInsert } from "./multi-row.ts";
import { SqlReadTx } from "./read-tx.ts";
import {
  BINDING_PARAM_TYPES,
  bool,
  type DbInt,
  RESOURCE_COLUMNS,
  RESOURCE_PARAM_TYPES,
  RULE_COLUMNS,
  RULE_PARAM_TYPES,
  resourceParams,
  ruleParams,
  SECGROUP_COLUMNS,
  secGroupParams,
  VPC_COLUMNS,
  vpcParams,
} from "./rows.ts";

const marks = (n: number): string => Array.from({ length: n }, () => "?").join(", ");

/** Each id once, in byte order: the order rows are locked in (and pinned, and counted under lock). */
const lockOrder = (ids: readonly string[]): string[] => [...new Set(ids)].sort();

/** A binding to insert, and the seq it keeps when it is re-inserted (null: a new row, numbered by the database). */
interface BindingInsert {
  readonly b: BindingRow;
  readonly seq: DbInt | null;
}

/** Likewise for a rule. */
interface RuleInsert {
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
    clearDefaultProject:
      "UPDATE projects SET is_default = 0 WHERE company_id = ? AND is_default = 1 AND project_id <> ?",
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
    deleteResource: "DELETE FROM resources WHERE resource_id = ?",
    insertSecGroup: `INSERT INTO secgroups (${SECGROUP_COLUMNS}, seq) VALUES (${marks(10)}, ${seq("secgroups")})`,
    upsertSecGroup: `INSERT INTO secgroups (${SECGROUP_COLUMNS}, seq) VALUES (${marks(10)}, ${seq("secgroups")})
      ON CONFLICT (secgroup_id) DO UPDATE SET project_id = excluded.project_id, region = excluded.region,
        vpc_id = excluded.vpc_id, name = excluded.name, remark = excluded.remark, tag = excluded.tag,
        type = excluded.type, create_time = excluded.create_time
      WHERE secgroups.company_id = excluded.company_id`,
    updateSecGroup: `UPDATE secgroups SET name = COALESCE(?, name), remark = COALESCE(?, remark), tag = COALESCE(?, tag)
      WHERE secgroup_id = ?`,
    deleteSecGroups: `DELETE FROM secgroups WHERE secgroup_id IN ${IDS}`,
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
    ruleSeqs: `SELECT rule_id, seq FROM rules WHERE rule_id IN ${IDS}`,
    deleteRules: `DELETE FROM rules WHERE rule_id IN ${IDS}`,
    // The reader's bindingsOfResources without its ORDER BY: putBindings looks pairs up, it needs no order.
    bindingsOfResources: `SELECT resource_id, secgroup_id, priority, seq FROM bindings WHERE resource_id IN ${IDS}`,
    deleteBindingsOfGroup: `DELETE FROM bindings WHERE secgroup_id = ? AND resource_id IN ${IDS}`,
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
    resetTenants: [
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

export class SqlWriteTx extends SqlReadTx implements WriteTx {
  constructor(
    conn: SqlConn,
    private readonly sql: WriteSql,
  ) {
    super(conn);
  }

  private async runIn(template: string, ids: readonly string[]): Promise<void> {
    for (const chunk of idChunks(ids)) await this.conn.run(expandIds(template, chunk.length), chunk);
  }

  /** Every row, in order, a multi-row statement at a time. */
  private async insertAll<T>(insert: ValuesInsert<T>, rows: readonly T[]): Promise<void> {
    for (const chunk of insert.chunks(rows)) await this.conn.run(chunk.sql, chunk.params);
  }

  /** An upsert whose conflict clause declined to update: the id belongs to someone else. */
  private async upsert(sql: string, params: readonly SqlValue[], what: string): Promise<void> {
    const { changes } = await this.conn.run(sql, params);
    if (changes === 0) throw new StoreError("unique", `${what} already belongs to another owner`);
  }

  private async update(sql: string, params: readonly SqlValue[], what: string): Promise<void> {
    const { changes } = await this.conn.run(sql, params);
    if (changes === 0) throw new StoreError("not-found", `${what} does not exist`);
  }

  lockCompany(companyId: number): Promise<void> {
    return this.conn.lockRows("companies", [companyId]);
  }

  lockSeedLoad(): Promise<void> {
    return this.conn.lockNamed("seed-load");
  }

  lockResources(resourceIds: readonly string[]): Promise<void> {
    return this.conn.lockRows("resources", lockOrder(resourceIds));
  }

  lockSecGroups(secGroupIds: readonly string[], purpose?: "delete"): Promise<void> {
    return this.conn.lockRows("secgroups", lockOrder(secGroupIds), purpose);
  }

  secGroupsToBind(scope: Scope, ids: readonly string[]): Promise<readonly SecGroupWithLoad[]> {
    return this.secGroupsWithLoadIn(scope, this.sql.secGroupsToBind, lockOrder(ids));
  }

  async lockSecGroupLoads(secGroupIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const rows = await this.selectIn<{ secgroup_id: string; n: DbInt }>(
      this.sql.lockedGroupLoads,
      [],
      lockOrder(secGroupIds),
    );
    return new Map(rows.map((r) => [r.secgroup_id, Number(r.n)]));
  }

  async setRegions(regions: readonly string[]): Promise<void> {
    await this.conn.run(this.sql.deleteRegions);
    let position = 0;
    for (const region of new Set(regions)) await this.conn.run(this.sql.insertRegion, [region, position++]);
  }

  upsertOperatorKey(publicKey: string, privateKey: string): Promise<void> {
    return this.upsert(this.sql.upsertOperatorKey, [publicKey, privateKey], `key ${publicKey}`);
  }

  async upsertCompany(c: { companyId: number; name: string }): Promise<void> {
    await this.conn.run(this.sql.upsertCompany, [c.companyId, c.name]);
  }

  setQuotas(companyId: number, quotas: seed.Quotas, notBoundPolicy?: "Ignore" | "Error"): Promise<void> {
    return this.update(
      this.sql.setQuotas,
      [
        quotas.SecGroupsPerCompany ?? null,
        quotas.SecGroupsPerResource ?? null,
        quotas.ResourcesPerSecGroup ?? null,
        quotas.RulesPerDirection ?? null,
        notBoundPolicy ?? null,
        companyId,
      ],
      `company ${companyId}`,
    );
  }

  async upsertProject(companyId: number, p: { projectId: string; name: string; isDefault: boolean }): Promise<void> {
    // A new default takes over: the partial unique index allows one default per company.
    if (p.isDefault) await this.conn.run(this.sql.clearDefaultProject, [companyId, p.projectId]);
    await this.upsert(
      this.sql.upsertProject,
      [p.projectId, companyId, p.name, bool(p.isDefault)],
      `project ${p.projectId}`,
    );
  }

  async upsertUser(
    companyId: number,
    u: { name: string; subAccount: boolean; projects: readonly string[] },
  ): Promise<void> {
    await this.conn.run(this.sql.upsertUser, [companyId, u.name, bool(u.subAccount)]);
    await this.conn.run(this.sql.deleteGrants, [companyId, u.name]);
    let position = 0;
    for (const projectId of new Set(u.projects)) {
      await this.conn.run(this.sql.insertGrant, [companyId, u.name, projectId, position++]);
    }
  }

  upsertKey(companyId: number, userName: string, publicKey: string, privateKey: string): Promise<void> {
    return this.upsert(this.sql.upsertKey, [publicKey, privateKey, companyId, userName], `key ${publicKey}`);
  }

  upsertVpc(v: VpcRow): Promise<void> {
    return this.upsert(this.sql.upsertVpc, vpcParams(v), `VPC ${v.vpcId}`);
  }

  upsertResource(r: ResourceRow): Promise<void> {
    return this.upsertResources([r]);
  }

  async upsertResources(rows: readonly ResourceRow[]): Promise<void> {
    for (const chunk of this.sql.upsertResources.chunks(rows)) {
      const { changes } = await this.conn.run(chunk.sql, chunk.params);
      if (changes === chunk.rows.length) continue;
      // The conflict clause declined some rows: name the first whose id another company owns, as upsert() does.
      const owners = new Map<string, number>();
      const ids = chunk.rows.map((r) => r.resourceId);
      for (const o of await this.selectIn<{ resource_id: string; company_id: DbInt }>(
        this.sql.resourceOwners,
        [],
        ids,
      )) {
        owners.set(o.resource_id, Number(o.company_id));
      }
      const taken = chunk.rows.find((r) => owners.get(r.resourceId) !== r.companyId);
      if (taken === undefined) throw new Error(`upsertResources: ${changes} of ${chunk.rows.length} rows written`);
      throw new StoreError("unique", `resource ${taken.resourceId} already belongs to another owner`);
    }
  }

  updateResource(
    resourceId: string,
    patch: Partial<Pick<ResourceRow, "name" | "securityMode" | "privateIp" | "zone">>,
  ): Promise<void> {
    const { name = null, securityMode = null, privateIp = null, zone = null } = patch;
    return this.update(
      this.sql.updateResource,
      [name, securityMode, privateIp, zone, resourceId],
      `resource ${resourceId}`,
    );
  }

  async deleteResource(resourceId: string): Promise<void> {
    await this.conn.run(this.sql.deleteResource, [resourceId]);
  }

  async insertSecGroup(g: SecGroupRow): Promise<void> {
    await this.conn.run(this.sql.insertSecGroup, secGroupParams(g));
  }

  upsertSecGroup(g: SecGroupRow): Promise<void> {
    return this.upsert(this.sql.upsertSecGroup, secGroupParams(g), `security group ${g.secGroupId}`);
  }

  updateSecGroup(secGroupId: string, patch: Partial<Pick<SecGroupRow, "name" | "remark" | "tag">>): Promise<void> {
    const { name = null, remark = null, tag = null } = patch;
    return this.update(this.sql.updateSecGroup, [name, remark, tag, secGroupId], `security group ${secGroupId}`);
  }

  deleteSecGroups(secGroupIds: readonly string[]): Promise<void> {
    return this.runIn(this.sql.deleteSecGroups, secGroupIds);
  }

  insertRules(rules: readonly RuleRow[]): Promise<void> {
    return this.insertAll(
      this.sql.insertRules,
      rules.map((r) => ({ r, seq: null })),
    );
  }

  async replaceRules(rules: readonly RuleRow[]): Promise<void> {
    // Delete all, then insert all: two rules swapping priorities never meet the unique index half-way.
    const ids = rules.map((r) => r.ruleId);
    const seqs = new Map<string, DbInt>();
    for (const r of await this.selectIn<{ rule_id: string; seq: DbInt }>(this.sql.ruleSeqs, [], ids)) {
      seqs.set(r.rule_id, r.seq);
    }
    await this.runIn(this.sql.deleteRules, ids);
    // Re-inserted rows before new ones, for the same reason as in putBindings.
    const rows = rules.map((r) => ({ r, seq: seqs.get(r.ruleId) ?? null }));
    await this.insertAll(
      this.sql.reinsertRules,
      rows.filter((c) => c.seq !== null),
    );
    await this.insertAll(
      this.sql.insertRules,
      rows.filter((c) => c.seq === null),
    );
  }

  deleteRules(ruleIds: readonly string[]): Promise<void> {
    return this.runIn(this.sql.deleteRules, ruleIds);
  }

  async deleteBindings(pairs: readonly Pick<BindingRow, "resourceId" | "secGroupId">[]): Promise<void> {
    // One statement per group (per chunk of its resources), not per pair: unbinding a group from 500 resources.
    const byGroup = new Map<string, string[]>();
    for (const p of pairs) {
      const resources = byGroup.get(p.secGroupId);
      if (resources === undefined) byGroup.set(p.secGroupId, [p.resourceId]);
      else resources.push(p.resourceId);
    }
    for (const [secGroupId, resourceIds] of byGroup) {
      for (const chunk of idChunks(resourceIds)) {
        await this.conn.run(expandIds(this.sql.deleteBindingsOfGroup, chunk.length), [secGroupId, ...chunk]);
      }
    }
  }

  async putBindings(bindings: readonly BindingRow[]): Promise<void> {
    // Pairs whose priority changes are deleted first and re-inserted with their old seq (bind order is kept);
    // unchanged pairs are left alone. Any clash left in the final set is the database's to reject.
    if (bindings.length === 0) return;
    // Every current binding of these resources, read before anything is written (one query per chunk of ids).
    const current = new Map<string, Map<string, { priority: DbInt; seq: DbInt }>>();
    const rows = await this.selectIn<{ resource_id: string; secgroup_id: string; priority: DbInt; seq: DbInt }>(
      this.sql.bindingsOfResources,
      [],
      bindings.map((b) => b.resourceId),
    );
    for (const row of rows) {
      const ofResource = current.get(row.resource_id);
      if (ofResource === undefined) current.set(row.resource_id, new Map([[row.secgroup_id, row]]));
      else ofResource.set(row.secgroup_id, row);
    }
    const changed: BindingInsert[] = [];
    for (const b of bindings) {
      const old = current.get(b.resourceId)?.get(b.secGroupId);
      if (old !== undefined && Number(old.priority) === b.priority) continue;
      changed.push({ b, seq: old?.seq ?? null });
    }
    const moved = changed.filter((c) => c.seq !== null);
    await this.deleteBindings(moved.map((c) => c.b));
    // Re-inserted rows first: a new row's MAX(seq) + 1 must count them, or it could take one of their numbers.
    await this.insertAll(this.sql.reinsertBindings, moved);
    await this.insertBindings(changed.filter((c) => c.seq === null).map((c) => c.b));
  }

  insertBindings(bindings: readonly BindingRow[]): Promise<void> {
    return this.insertAll(
      this.sql.insertBindings,
      bindings.map((b) => ({ b, seq: null })),
    );
  }

  async resetTenants(): Promise<void> {
    // A reset racing a seed load would interleave deletes with upserts: take the seed-load lock too.
    await this.conn.lockNamed("seed-load");
    for (const sql of this.sql.resetTenants) await this.conn.run(sql);
  }
}
