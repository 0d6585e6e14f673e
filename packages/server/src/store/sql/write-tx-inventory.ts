// WriteTx, first half: the world the operator keeps (regions, operator keys, companies and their quotas, projects,
// users, keys, VPCs, resources), the audit trail and retention. Each write records its feed events (feed-capture.ts)
// for what actually changed: an upsert that finds the row as it would leave it records nothing.

import type { seed } from "@sgplane/catalogue";
import { StoreError } from "../errors.ts";
import { companyState, projectState, resourceState, userState, vpcState } from "../feed-states.ts";
import type { AuditEntry, CompanyRow, ProjectRow, ResourceRow, UserRow, VpcRow } from "../port.ts";
import { pruneClientTokens } from "./client-tokens.ts";
import type { SqlConn, SqlValue } from "./driver.ts";
import type { FeedCapture, FeedWriter } from "./feed-capture.ts";
import { expandIds, idChunks } from "./in-list.ts";
import { SqlReadTx } from "./read-tx.ts";
import { bool, type DbInt, type ResourceRaw, toResource, toVpc, type VpcRaw, vpcParams } from "./rows.ts";
import type { WriteSql } from "./write-sql.ts";

/** Two rows are the same change-wise when they render to the same wire state (no event for an unchanged row). */
export const same = <T>(render: (row: T) => object, a: T, b: T): boolean =>
  JSON.stringify(render(a)) === JSON.stringify(render(b));

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

export class SqlInventoryWriteTx extends SqlReadTx {
  constructor(
    conn: SqlConn,
    protected readonly sql: WriteSql,
    protected readonly feed: FeedCapture,
    protected readonly feedWriter: FeedWriter,
  ) {
    super(conn);
  }

  /** An upsert whose conflict clause declined to update: the id belongs to someone else. */
  protected async upsert(sql: string, params: readonly SqlValue[], what: string): Promise<void> {
    const { changes } = await this.conn.run(sql, params);
    if (changes === 0) throw new StoreError("unique", `${what} already belongs to another owner`);
  }

  protected async update(sql: string, params: readonly SqlValue[], what: string): Promise<void> {
    const { changes } = await this.conn.run(sql, params);
    if (changes === 0) throw new StoreError("not-found", `${what} does not exist`);
  }

  async setRegions(regions: readonly string[]): Promise<void> {
    const before = await this.conn.all<{ region: string }>("SELECT region FROM regions ORDER BY position");
    await this.conn.run(this.sql.deleteRegions);
    const distinct = [...new Set(regions)];
    for (const [position, region] of distinct.entries()) await this.conn.run(this.sql.insertRegion, [region, position]);
    if (
      !sameList(
        before.map((r) => r.region),
        distinct,
      )
    )
      this.feed.regions(distinct);
  }

  async upsertOperatorKey(publicKey: string, privateKey: string): Promise<void> {
    const before = await this.#keyRow(publicKey);
    await this.upsert(this.sql.upsertOperatorKey, [publicKey, privateKey], `key ${publicKey}`);
    if (before === undefined) this.feed.operatorKey("OperatorKeyCreated", publicKey);
    else if (before.private_key !== privateKey) this.feed.operatorKey("OperatorKeyUpdated", publicKey);
  }

  #keyRow(publicKey: string) {
    return this.conn.get<{ private_key: string; company_id: DbInt | null; user_name: string | null }>(
      this.sql.keyById,
      [publicKey],
    );
  }

  async upsertCompany(c: { companyId: number; name: string }): Promise<void> {
    const before = await this.company(c.companyId);
    await this.conn.run(this.sql.upsertCompany, [c.companyId, c.name]);
    if (before === undefined) await this.#recordCompany("CompanyCreated", c.companyId);
    else if (before.name !== c.name) this.feed.company("CompanyUpdated", { ...before, name: c.name });
  }

  async #recordCompany(type: "CompanyCreated" | "QuotasChanged", companyId: number): Promise<void> {
    const after = await this.company(companyId);
    if (after !== undefined) this.feed.company(type, after);
  }

  async setQuotas(companyId: number, quotas: seed.Quotas, notBoundPolicy?: "Ignore" | "Error"): Promise<void> {
    const before = await this.company(companyId);
    await this.update(
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
    const after = await this.company(companyId);
    if (before !== undefined && after !== undefined && !same(companyState, before, after)) {
      this.feed.company("QuotasChanged", after);
    }
  }

  async upsertProject(companyId: number, p: { projectId: string; name: string; isDefault: boolean }): Promise<void> {
    const row = await this.conn.get<{ project_id: string; company_id: DbInt; name: string; is_default: DbInt }>(
      this.sql.projectById,
      [p.projectId],
    );
    // A new default takes over: the partial unique index allows one default per company.
    if (p.isDefault) {
      const demoted = await this.conn.all<{ project_id: string; company_id: DbInt; name: string }>(
        this.sql.clearDefaultProject,
        [companyId, p.projectId],
      );
      for (const d of demoted) {
        const project = { projectId: d.project_id, companyId: Number(d.company_id), name: d.name, isDefault: false };
        this.feed.project("ProjectUpdated", project);
      }
    }
    await this.upsert(
      this.sql.upsertProject,
      [p.projectId, companyId, p.name, bool(p.isDefault)],
      `project ${p.projectId}`,
    );
    const after: ProjectRow = { projectId: p.projectId, companyId, name: p.name, isDefault: p.isDefault };
    if (row === undefined) this.feed.project("ProjectCreated", after);
    else {
      const before = { ...after, name: row.name, isDefault: Number(row.is_default) === 1 };
      if (!same(projectState, before, after)) this.feed.project("ProjectUpdated", after);
    }
  }

  async upsertUser(
    companyId: number,
    u: { name: string; subAccount: boolean; projects: readonly string[] },
  ): Promise<void> {
    const row = await this.conn.get<{ sub_account: DbInt }>(this.sql.userSubAccount, [companyId, u.name]);
    const grants =
      row === undefined
        ? []
        : (await this.conn.all<{ project_id: string }>(this.sql.userGrants, [companyId, u.name])).map(
            (g) => g.project_id,
          );
    await this.conn.run(this.sql.upsertUser, [companyId, u.name, bool(u.subAccount)]);
    await this.conn.run(this.sql.deleteGrants, [companyId, u.name]);
    const projects = [...new Set(u.projects)];
    for (const [position, projectId] of projects.entries()) {
      await this.conn.run(this.sql.insertGrant, [companyId, u.name, projectId, position]);
    }
    const after: UserRow = { companyId, name: u.name, subAccount: u.subAccount, projects };
    if (row === undefined) this.feed.user("UserCreated", after);
    else {
      const before: UserRow = { ...after, subAccount: Number(row.sub_account) === 1, projects: grants };
      if (!same(userState, before, after)) this.feed.user("UserUpdated", after);
    }
  }

  async upsertKey(companyId: number, userName: string, publicKey: string, privateKey: string): Promise<void> {
    const before = await this.#keyRow(publicKey);
    await this.upsert(this.sql.upsertKey, [publicKey, privateKey, companyId, userName], `key ${publicKey}`);
    const key = { publicKey, companyId, userName };
    // A replaced private key shows as an update with the same state: the private key itself never leaves the store.
    if (before === undefined) this.feed.key("KeyCreated", key);
    else if (before.private_key !== privateKey) this.feed.key("KeyUpdated", key);
  }

  async upsertVpc(v: VpcRow): Promise<void> {
    const row = await this.conn.get<VpcRaw>(this.sql.vpcById, [v.vpcId]);
    await this.upsert(this.sql.upsertVpc, vpcParams(v), `VPC ${v.vpcId}`);
    if (row === undefined) this.feed.vpc("VPCCreated", v);
    else if (!same(vpcState, toVpc(row), v)) this.feed.vpc("VPCUpdated", v);
  }

  upsertResource(r: ResourceRow): Promise<void> {
    return this.upsertResources([r]);
  }

  async upsertResources(rows: readonly ResourceRow[]): Promise<void> {
    for (const chunk of this.sql.upsertResources.chunks(rows)) {
      const ids = chunk.rows.map((r) => r.resourceId);
      const before = new Map(
        (await this.selectIn<ResourceRaw>(this.sql.resourcesAnyScope, [], ids)).map((r) => [
          r.resource_id,
          toResource(r),
        ]),
      );
      const leaving = chunk.rows.filter(
        (r) => r.securityMode === "SecGroup" && before.get(r.resourceId)?.securityMode === "Firewall",
      );
      if (leaving.length > 0) await this.deleteFirewallGrants(leaving.map((r) => r.resourceId));
      const { changes } = await this.conn.run(chunk.sql, chunk.params);
      if (changes !== chunk.rows.length) {
        // The conflict clause declined some rows: name the first whose id another company owns, as upsert() does.
        const taken = chunk.rows.find((r) => {
          const owner = before.get(r.resourceId)?.companyId;
          return owner !== undefined && owner !== r.companyId;
        });
        if (taken === undefined) throw new Error(`upsertResources: ${changes} of ${chunk.rows.length} rows written`);
        throw new StoreError("unique", `resource ${taken.resourceId} already belongs to another owner`);
      }
      for (const r of chunk.rows) {
        const old = before.get(r.resourceId);
        if (old === undefined) this.feed.resource("ResourceRegistered", r);
        else if (!same(resourceState, old, r)) this.feed.resource("ResourceUpdated", r);
      }
    }
  }

  async deleteFirewallGrants(resourceIds: readonly string[]): Promise<void> {
    for (const chunk of idChunks(resourceIds)) {
      const sql = expandIds(this.sql.firewall.deleteGrants, chunk.length);
      const removed = await this.conn.all<{
        resource_id: string;
        fw_id: string;
        company_id: number;
        project_id: string;
        region: string;
      }>(sql, chunk);
      for (const r of removed) {
        const place = { companyId: Number(r.company_id), projectId: r.project_id, region: r.region };
        this.feed.firewallGrant("FirewallGrantRemoved", { resourceId: r.resource_id, fwId: r.fw_id }, place);
      }
    }
  }

  async updateResource(
    resourceId: string,
    patch: Partial<Pick<ResourceRow, "name" | "securityMode" | "privateIp" | "zone">>,
  ): Promise<void> {
    const before = await this.resourceById(resourceId);
    // One resource, one mode: a resource leaving Firewall mode leaves its firewall (the grant's key demands it).
    if (patch.securityMode === "SecGroup") await this.deleteFirewallGrants([resourceId]);
    const { name = null, securityMode = null, privateIp = null, zone = null } = patch;
    await this.update(
      this.sql.updateResource,
      [name, securityMode, privateIp, zone, resourceId],
      `resource ${resourceId}`,
    );
    if (before === undefined) return;
    const after = { ...before, ...patch };
    if (!same(resourceState, before, after)) this.feed.resource("ResourceUpdated", after);
  }

  async deleteResource(resourceId: string): Promise<void> {
    // The grant would go with the resource (ON DELETE CASCADE); removing it first records its event.
    await this.deleteFirewallGrants([resourceId]);
    for (const row of await this.conn.all<ResourceRaw>(this.sql.deleteResource, [resourceId])) {
      this.feed.resource("ResourceDeregistered", toResource(row));
    }
  }

  /**
   * One CompanyDeleted per company, each standing for everything in it (docs/feed.md): a reset of a large world
   * does not write an event per binding.
   */
  async resetTenants(): Promise<void> {
    // A reset racing a seed load would interleave deletes with upserts: take the seed-load lock too.
    await this.conn.lockNamed("seed-load");
    const companies: CompanyRow[] = [...(await this.companies())];
    for (const sql of this.sql.resetTenants) await this.conn.run(sql);
    for (const c of companies) this.feed.company("CompanyDeleted", c);
  }

  appendAudit(entries: readonly AuditEntry[]): Promise<void> {
    return this.feedWriter.appendAudit(this.conn, entries);
  }

  async pruneFeed(beforeMs: number): Promise<number> {
    const row = await this.conn.get<{ p: DbInt | null }>(this.sql.lastExpiredPosition, [beforeMs]);
    if (row?.p === null || row?.p === undefined) return 0;
    const through = Number(row.p);
    if (through <= 0) return 0;
    const { changes } = await this.conn.run(this.sql.pruneFeed, [through]);
    await this.conn.run(this.sql.raiseFeedFloor, [through, through]);
    return changes;
  }

  async pruneAudit(beforeMs: number): Promise<number> {
    return (await this.conn.run(this.sql.pruneAudit, [beforeMs])).changes;
  }

  pruneClientTokens(beforeMs: number): Promise<number> {
    return pruneClientTokens(this.conn, beforeMs);
  }
}
