// WriteTx, second half: locks, security groups, rules and bindings (the tenant objects); every change is recorded
// as a feed event (feed-capture.ts), and the transaction's events and audit record are written as its last step.
import { randomUUID } from "node:crypto";
import { StoreError } from "../errors.ts";
import { firewallState, ruleState, secGroupState } from "../feed-states.ts";
import type {
  BindingRow,
  FirewallRow,
  RuleRow,
  Scope,
  SecGroupRow,
  SecGroupWithLoad,
  WriteMeta,
  WriteTx,
} from "../port.ts";
import type { SqlConn } from "./driver.ts";
import type { FeedCapture, FeedWriter } from "./feed-capture.ts";
import { type FirewallRaw, firewallParams, rulesJson, toFirewall } from "./firewall-sql.ts";
import { expandIds, idChunks } from "./in-list.ts";
import type { ValuesInsert } from "./multi-row.ts";
import { type DbInt, type RuleRaw, type SecGroupRaw, secGroupParams, toRule, toSecGroup } from "./rows.ts";
import type { BindingInsert, WriteSql } from "./write-sql.ts";
import { SqlInventoryWriteTx, same } from "./write-tx-inventory.ts";

/** Each id once, in byte order: the order rows are locked in (and pinned, and counted under lock). */
const lockOrder = (ids: readonly string[]): string[] => [...new Set(ids)].sort();

export class SqlWriteTx extends SqlInventoryWriteTx implements WriteTx {
  constructor(
    conn: SqlConn,
    sql: WriteSql,
    feed: FeedCapture,
    feedWriter: FeedWriter,
    private readonly meta: WriteMeta | undefined,
  ) {
    super(conn, sql, feed, feedWriter);
  }

  /**
   * Hands the transaction's feed events and its call's audit record (none for an internal write) to be written as
   * its last statements; returns how many events.
   */
  finish(): number {
    const events = this.feed.drain();
    const meta = this.meta;
    if (meta?.internal === true) return 0;
    this.conn.writeAtCommit(this.feedWriter.sink, {
      events,
      groupPlaces: this.feed.groupPlaces,
      scope: meta?.scope,
      requestId: meta?.requestId ?? randomUUID(),
      action: meta?.action ?? "Internal",
      audit: meta?.audit,
      timeMs: Date.now(),
    });
    return events.length;
  }

  private async runIn(template: string, ids: readonly string[]): Promise<void> {
    for (const chunk of idChunks(ids)) await this.conn.run(expandIds(template, chunk.length), chunk);
  }

  /** Every row, in order, a multi-row statement at a time. */
  private async insertAll<T>(insert: ValuesInsert<T>, rows: readonly T[]): Promise<void> {
    for (const chunk of insert.chunks(rows)) await this.conn.run(chunk.sql, chunk.params);
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

  lockFirewalls(fwIds: readonly string[], purpose?: "delete"): Promise<void> {
    return this.conn.lockRows("firewalls", lockOrder(fwIds), purpose);
  }

  async firewallsToGrant(scope: Scope, ids: readonly string[]): Promise<readonly FirewallRow[]> {
    const rows = await this.selectIn<FirewallRaw>(this.sql.firewall.toGrant, [], lockOrder(ids));
    return rows
      .map(toFirewall)
      .filter((f) => f.companyId === scope.companyId && f.projectId === scope.projectId && f.region === scope.region);
  }

  async #firewallAnyScope(fwId: string): Promise<FirewallRow | undefined> {
    const row = await this.conn.get<FirewallRaw>(this.sql.firewall.anyScope, [fwId]);
    return row === undefined ? undefined : toFirewall(row);
  }

  async insertFirewall(f: FirewallRow): Promise<void> {
    await this.conn.run(this.sql.firewall.insert, firewallParams(f));
    this.feed.firewall("FirewallCreated", f);
  }

  async insertFirewallIfAbsent(f: FirewallRow): Promise<boolean> {
    const { changes } = await this.conn.run(this.sql.firewall.insertIfAbsent, firewallParams(f));
    if (changes > 0) this.feed.firewall("FirewallCreated", f);
    return changes > 0;
  }

  async upsertFirewall(f: FirewallRow): Promise<void> {
    const before = await this.#firewallAnyScope(f.fwId);
    await this.upsert(this.sql.firewall.upsert, firewallParams(f), `firewall ${f.fwId}`);
    if (before === undefined) this.feed.firewall("FirewallCreated", f);
    else if (!same(firewallState, before, f)) this.feed.firewall("FirewallUpdated", f);
  }

  async updateFirewall(
    fwId: string,
    patch: Partial<Pick<FirewallRow, "name" | "tag" | "remark" | "rules">>,
  ): Promise<void> {
    const before = await this.#firewallAnyScope(fwId);
    const { name = null, tag = null, remark = null } = patch;
    const rules = patch.rules === undefined ? null : rulesJson(patch.rules);
    await this.update(this.sql.firewall.update, [name, tag, remark, rules, fwId], `firewall ${fwId}`);
    if (before === undefined) return;
    const after = { ...before, ...patch };
    if (!same(firewallState, before, after)) this.feed.firewall("FirewallUpdated", after);
  }

  async deleteFirewall(fwId: string): Promise<void> {
    for (const row of await this.conn.all<FirewallRaw>(this.sql.firewall.delete, [fwId])) {
      this.feed.firewall("FirewallDeleted", toFirewall(row));
    }
  }

  async grantFirewall(resourceId: string, fwId: string): Promise<void> {
    type Held = { resource_id: string; fw_id: string; company_id: number; project_id: string; region: string };
    const held = await this.conn.get<Held>(this.sql.firewall.grantOf, [resourceId]);
    if (held?.fw_id === fwId) return;
    if (held !== undefined) await this.runIn(this.sql.firewall.deleteGrants, [resourceId]);
    const { changes } = await this.conn.run(this.sql.firewall.grant, [fwId, resourceId]);
    if (changes === 0) throw new StoreError("not-found", `resource ${resourceId} does not exist`);
    const now = await this.conn.get<Held>(this.sql.firewall.grantOf, [resourceId]);
    if (now === undefined) return;
    const place = { companyId: Number(now.company_id), projectId: now.project_id, region: now.region };
    this.feed.firewallGrant(
      held === undefined ? "FirewallGranted" : "FirewallGrantChanged",
      { resourceId, fwId },
      place,
    );
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

  /** The groups with these ids, whatever their scope (the rows a change is about to touch). */
  async #groupsAnyScope(ids: readonly string[]): Promise<Map<string, SecGroupRow>> {
    const rows = await this.selectIn<SecGroupRaw>(this.sql.secGroupsAnyScope, [], ids);
    return new Map(rows.map((r) => [r.secgroup_id, toSecGroup(r)]));
  }

  async insertSecGroup(g: SecGroupRow): Promise<void> {
    await this.conn.run(this.sql.insertSecGroup, secGroupParams(g));
    this.feed.secGroup("SecGroupCreated", g);
  }

  async upsertSecGroup(g: SecGroupRow): Promise<void> {
    const before = (await this.#groupsAnyScope([g.secGroupId])).get(g.secGroupId);
    await this.upsert(this.sql.upsertSecGroup, secGroupParams(g), `security group ${g.secGroupId}`);
    if (before === undefined) this.feed.secGroup("SecGroupCreated", g);
    else if (!same(secGroupState, before, g)) this.feed.secGroup("SecGroupUpdated", g);
  }

  async updateSecGroup(
    secGroupId: string,
    patch: Partial<Pick<SecGroupRow, "name" | "remark" | "tag">>,
  ): Promise<void> {
    const before = (await this.#groupsAnyScope([secGroupId])).get(secGroupId);
    const { name = null, remark = null, tag = null } = patch;
    await this.update(this.sql.updateSecGroup, [name, remark, tag, secGroupId], `security group ${secGroupId}`);
    if (before === undefined) return;
    const after = { ...before, ...patch };
    if (!same(secGroupState, before, after)) this.feed.secGroup("SecGroupUpdated", after);
  }

  async deleteSecGroups(secGroupIds: readonly string[]): Promise<void> {
    const groups = await this.#groupsAnyScope(secGroupIds);
    for (const chunk of idChunks(secGroupIds)) {
      const sql = expandIds(this.sql.deleteRulesOfGroups, chunk.length);
      for (const row of await this.conn.all<RuleRaw>(sql, chunk)) {
        const rule = toRule(row);
        this.feed.rule("RuleDeleted", rule, groups.get(rule.secGroupId));
      }
    }
    await this.runIn(this.sql.deleteSecGroups, secGroupIds);
    for (const id of new Set(secGroupIds)) {
      const group = groups.get(id);
      if (group !== undefined) this.feed.secGroup("SecGroupDeleted", group);
    }
  }

  async insertRules(rules: readonly RuleRow[]): Promise<void> {
    await this.insertAll(
      this.sql.insertRules,
      rules.map((r) => ({ r, seq: null })),
    );
    for (const r of rules) this.feed.rule("RuleCreated", r);
  }

  async replaceRules(rules: readonly RuleRow[]): Promise<void> {
    // Delete all, then insert all: two rules swapping priorities never meet the unique index half-way.
    const ids = rules.map((r) => r.ruleId);
    const old = new Map<string, { rule: RuleRow; seq: DbInt }>();
    for (const r of await this.selectIn<RuleRaw & { seq: DbInt }>(this.sql.rulesByIds, [], ids)) {
      old.set(r.rule_id, { rule: toRule(r), seq: r.seq });
    }
    await this.runIn(this.sql.deleteRules, ids);
    // Re-inserted rows before new ones, for the same reason as in putBindings.
    const rows = rules.map((r) => ({ r, seq: old.get(r.ruleId)?.seq ?? null }));
    await this.insertAll(
      this.sql.reinsertRules,
      rows.filter((c) => c.seq !== null),
    );
    await this.insertAll(
      this.sql.insertRules,
      rows.filter((c) => c.seq === null),
    );
    for (const r of rules) {
      const before = old.get(r.ruleId)?.rule;
      if (before === undefined) this.feed.rule("RuleCreated", r);
      else if (!same(ruleState, before, r)) this.feed.rule("RuleUpdated", r);
    }
  }

  async deleteRules(ruleIds: readonly string[]): Promise<void> {
    for (const chunk of idChunks(ruleIds)) {
      for (const row of await this.conn.all<RuleRaw>(expandIds(this.sql.deleteRules, chunk.length), chunk)) {
        this.feed.rule("RuleDeleted", toRule(row));
      }
    }
  }

  deleteBindings(pairs: readonly Pick<BindingRow, "resourceId" | "secGroupId">[]): Promise<void> {
    return this.#deleteBindings(pairs, true);
  }

  /** `record`: false when the pairs are about to go back in at another priority (putBindings' moves). */
  async #deleteBindings(pairs: readonly Pick<BindingRow, "resourceId" | "secGroupId">[], record: boolean) {
    // One statement per group (per chunk of its resources), not per pair: unbinding a group from 500 resources.
    const byGroup = new Map<string, string[]>();
    for (const p of pairs) {
      const resources = byGroup.get(p.secGroupId);
      if (resources === undefined) byGroup.set(p.secGroupId, [p.resourceId]);
      else resources.push(p.resourceId);
    }
    for (const [secGroupId, resourceIds] of byGroup) {
      for (const chunk of idChunks(resourceIds)) {
        const removed = await this.conn.all<{ resource_id: string; priority: DbInt }>(
          expandIds(this.sql.deleteBindingsOfGroup, chunk.length),
          [secGroupId, ...chunk],
        );
        if (!record) continue;
        for (const r of removed) {
          this.feed.binding("BindingRemoved", { resourceId: r.resource_id, secGroupId, priority: Number(r.priority) });
        }
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
    await this.#deleteBindings(
      moved.map((c) => c.b),
      false,
    );
    // Re-inserted rows first: a new row's MAX(seq) + 1 must count them, or it could take one of their numbers.
    await this.insertAll(this.sql.reinsertBindings, moved);
    for (const c of moved) this.feed.binding("BindingPriorityChanged", c.b);
    await this.insertBindings(changed.filter((c) => c.seq === null).map((c) => c.b));
  }

  async insertBindings(bindings: readonly BindingRow[]): Promise<void> {
    await this.insertAll(
      this.sql.insertBindings,
      bindings.map((b) => ({ b, seq: null })),
    );
    for (const b of bindings) this.feed.binding("BindingAdded", b);
  }
}
