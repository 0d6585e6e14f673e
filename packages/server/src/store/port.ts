// The Store port: everything the handlers and the seed loader may ask of persistent state, engine-neutral.
import type { seed } from "@sgplane/catalogue";

/** Where a tenant request acts: one company, one project, one region. */
export interface Scope {
  readonly companyId: number;
  readonly projectId: string;
  readonly region: string;
}

export interface KeyRecord {
  readonly publicKey: string;
  readonly privateKey: string;
  /** An operator key has no company and may call admin actions only. */
  readonly operator: boolean;
  readonly companyId: number | null;
  readonly userName: string | null;
  readonly subAccount: boolean;
  /** Projects a sub-account is granted (empty for main accounts and operators). */
  readonly projects: readonly string[];
}

export interface CompanyRow {
  readonly companyId: number;
  readonly name: string;
  readonly defaultProjectId: string | null;
  readonly quotas: Required<seed.Quotas>;
  readonly notBoundPolicy: "Ignore" | "Error";
}

export interface VpcRow {
  readonly vpcId: string;
  readonly companyId: number;
  readonly projectId: string;
  readonly region: string;
  readonly name: string;
}

export interface ResourceRow {
  readonly resourceId: string;
  readonly companyId: number;
  readonly projectId: string;
  readonly region: string;
  readonly vpcId: string;
  readonly resourceType: string;
  readonly name: string;
  readonly securityMode: "SecGroup" | "Firewall";
  readonly privateIp: string;
  readonly zone: number;
  readonly eip: readonly string[];
  readonly superResourceId: string;
}

/** What binding checks need of a resource (a narrow read: bulk requests load hundreds). */
export type ResourceRefRow = Pick<ResourceRow, "resourceId" | "vpcId" | "resourceType" | "securityMode">;

export interface SecGroupRow {
  readonly secGroupId: string;
  readonly companyId: number;
  readonly projectId: string;
  readonly region: string;
  readonly vpcId: string;
  readonly name: string;
  readonly remark: string;
  readonly tag: string;
  readonly type: string;
  readonly createTime: number;
}

export interface RuleRow {
  readonly ruleId: string;
  readonly secGroupId: string;
  readonly direction: "Ingress" | "Egress";
  readonly protocolType: string;
  readonly dstPort: string;
  readonly ipRange: string;
  readonly priority: number;
  readonly ruleAction: "Accept" | "Drop";
  readonly remark: string;
  readonly ipVersion: "IPv4" | "IPv6";
}

/** A group and its rules (creation order), read as one unit. */
export interface SecGroupWithRules {
  readonly group: SecGroupRow;
  readonly rules: readonly RuleRow[];
}

/** A group and how many resources it is bound to. */
export interface SecGroupWithLoad {
  readonly group: SecGroupRow;
  readonly load: number;
}

export interface BindingRow {
  readonly resourceId: string;
  readonly secGroupId: string;
  readonly priority: number;
}

export interface Page {
  readonly offset: number;
  readonly limit: number;
}

export interface Paged<T> {
  readonly rows: readonly T[];
  readonly total: number;
}

/** Reads, inside a transaction (a consistent snapshot). */
export interface ReadTx {
  findKey(publicKey: string): Promise<KeyRecord | undefined>;
  /** The configured region list; UCloud's default list until one is configured. */
  regions(): Promise<readonly string[]>;
  company(companyId: number): Promise<CompanyRow | undefined>;
  companies(): Promise<readonly CompanyRow[]>;
  /** Projects of a company, default first. */
  projectsOf(companyId: number): Promise<readonly { projectId: string; name: string; isDefault: boolean }[]>;
  vpc(scope: Scope, vpcId: string): Promise<VpcRow | undefined>;
  vpcsOf(companyId: number): Promise<readonly VpcRow[]>;
  usersOf(companyId: number): Promise<readonly seed.SeedUser[]>;

  /** Groups in scope by ids, creation order; unknown and out-of-scope ids are skipped. */
  secGroupsByIds(scope: Scope, ids: readonly string[]): Promise<readonly SecGroupRow[]>;
  /** Groups in scope, creation order, optionally of one VPC. */
  listSecGroups(scope: Scope, filter: { vpcId?: string }, page: Page): Promise<Paged<SecGroupRow>>;
  countSecGroups(companyId: number): Promise<number>;
  secGroupsOf(companyId: number): Promise<readonly SecGroupRow[]>;
  rulesOf(secGroupIds: readonly string[]): Promise<readonly RuleRow[]>;
  /**
   * Groups in scope with their rules, by ids, creation order; unknown and out-of-scope ids are skipped. A read
   * transaction may answer from a cache of groups keyed by their version (see SecGroupCache): the objects returned
   * are then shared between requests and must not be mutated.
   */
  secGroupsWithRules(scope: Scope, ids: readonly string[]): Promise<readonly SecGroupWithRules[]>;
  /** listSecGroups, with each group's rules (cached like secGroupsWithRules). */
  listSecGroupsWithRules(scope: Scope, filter: { vpcId?: string }, page: Page): Promise<Paged<SecGroupWithRules>>;

  resourcesByIds(scope: Scope, ids: readonly string[]): Promise<readonly ResourceRow[]>;
  /**
   * resourcesByIds narrowed to ResourceRefRow (in no particular order), and every binding of the resources found
   * (bindingsOfResources of them), in one read: what a binding check needs of its resources.
   */
  resourceRefsWithBindings(
    scope: Scope,
    ids: readonly string[],
  ): Promise<{ resources: readonly ResourceRefRow[]; bindings: readonly BindingRow[] }>;
  resourceById(resourceId: string): Promise<ResourceRow | undefined>;
  /** Resources in scope, registration order. */
  listResources(
    scope: Scope,
    filter: { vpcId?: string; resourceType?: string },
    page: Page,
  ): Promise<Paged<ResourceRow>>;
  resourcesOf(companyId: number): Promise<readonly ResourceRow[]>;
  /** NICs and other children of these resources. */
  childResources(superResourceIds: readonly string[]): Promise<readonly ResourceRow[]>;

  bindingsOfResources(resourceIds: readonly string[]): Promise<readonly BindingRow[]>;
  bindingsOfSecGroups(secGroupIds: readonly string[]): Promise<readonly BindingRow[]>;
  /** The resources bound to any of these groups, each once, in no particular order. */
  resourceIdsBoundTo(secGroupIds: readonly string[]): Promise<readonly string[]>;
  /** Bindings of one group (or of every group in scope), bind order, paged. */
  listBindings(scope: Scope, secGroupId: string | undefined, page: Page): Promise<Paged<BindingRow>>;
}

/**
 * Writes, inside the same transaction; the database rejects any illegal state (constraints).
 *
 * A writer that reads rows to decide what to write locks them first, then reads, taking locks in one global order:
 * the company (quotas over all its groups), then resources, then groups, each call with every id it needs of that
 * kind (sorted inside). Two writers that touch the same row then run one after the other, and, the order being one,
 * never wait on each other in a circle. Binding changes lock resources only: a group's rows are pinned
 * (secGroupsToBind) and, by a writer adding bindings, locked last of all (lockSecGroupLoads). The locks are held
 * until commit; on PostgreSQL they are row locks, on SQLite no-ops (one writer at a time). See
 * docs/architecture.md, "Concurrency".
 */
export interface WriteTx extends ReadTx {
  /** Serialise writers that check a per-company quota (group count); lock before any group or resource. */
  lockCompany(companyId: number): Promise<void>;
  /** Serialise writers on these resources (their bindings: the per-resource rules). */
  lockResources(resourceIds: readonly string[]): Promise<void>;
  /**
   * Serialise writers of these groups' rows and rules. `delete` is for a writer that will delete them: it also waits
   * for the writers binding to them (secGroupsToBind) to finish, and keeps new ones out.
   */
  lockSecGroups(secGroupIds: readonly string[], purpose?: "delete"): Promise<void>;
  /**
   * secGroupsByIds for groups this transaction is about to bind, each with its number of bindings: they cannot be
   * deleted before it ends (a delete in progress is waited for, then they are not found), while other writers
   * binding them or editing them go on. The counts are the quota check's first look; where writers run side by side
   * they may be out of date by the time the transaction writes, so a writer adding bindings then checks
   * lockSecGroupLoads.
   */
  secGroupsToBind(scope: Scope, ids: readonly string[]): Promise<readonly SecGroupWithLoad[]>;
  /**
   * How many bindings each of these groups has, this transaction's writes included, exact until it ends: other
   * transactions calling this for the same group wait until then. A writer that adds bindings calls it after writing
   * them, as its last step, to check the ResourcesPerSecGroup quota (so the wait is short). Unknown ids are left out.
   */
  lockSecGroupLoads(secGroupIds: readonly string[]): Promise<ReadonlyMap<string, number>>;
  /**
   * Serialise whole-state loads (a seed at start-up, AdminImportState), in this and other processes: they upsert
   * many rows without row locks, so two at once (several servers starting with one seed) would collide on keys.
   */
  lockSeedLoad(): Promise<void>;

  setRegions(regions: readonly string[]): Promise<void>;
  upsertOperatorKey(publicKey: string, privateKey: string): Promise<void>;
  upsertCompany(c: { companyId: number; name: string }): Promise<void>;
  setQuotas(companyId: number, quotas: seed.Quotas, notBoundPolicy?: "Ignore" | "Error"): Promise<void>;
  upsertProject(companyId: number, p: { projectId: string; name: string; isDefault: boolean }): Promise<void>;
  upsertUser(companyId: number, u: { name: string; subAccount: boolean; projects: readonly string[] }): Promise<void>;
  upsertKey(companyId: number, userName: string, publicKey: string, privateKey: string): Promise<void>;
  upsertVpc(v: VpcRow): Promise<void>;
  /** Refuses (StoreError "unique") a resource id another company owns; nothing moves between companies. */
  upsertResource(r: ResourceRow): Promise<void>;
  /**
   * upsertResource for each row, in order (creation order follows it), in a few statements. Refuses like it: the
   * first row whose id another company owns fails with the same error (rows around it may be written: the caller's
   * transaction is then to be abandoned, like after any failed write).
   */
  upsertResources(rows: readonly ResourceRow[]): Promise<void>;
  updateResource(
    resourceId: string,
    patch: Partial<Pick<ResourceRow, "name" | "securityMode" | "privateIp" | "zone">>,
  ): Promise<void>;
  deleteResource(resourceId: string): Promise<void>;

  insertSecGroup(g: SecGroupRow): Promise<void>;
  upsertSecGroup(g: SecGroupRow): Promise<void>;
  updateSecGroup(secGroupId: string, patch: Partial<Pick<SecGroupRow, "name" | "remark" | "tag">>): Promise<void>;
  deleteSecGroups(secGroupIds: readonly string[]): Promise<void>;

  insertRules(rules: readonly RuleRow[]): Promise<void>;
  /** Replaces the rule rows with these ids (priority clashes resolved as a set, not row by row). */
  replaceRules(rules: readonly RuleRow[]): Promise<void>;
  deleteRules(ruleIds: readonly string[]): Promise<void>;

  deleteBindings(pairs: readonly Pick<BindingRow, "resourceId" | "secGroupId">[]): Promise<void>;
  /** Inserts new bindings or changes the priority of existing pairs, as one set (no transient clash). */
  putBindings(bindings: readonly BindingRow[]): Promise<void>;
  /**
   * putBindings for pairs that are not bound now, without reading the current bindings first: for a writer that
   * has just read them under the resources' locks. A pair that is bound is refused (StoreError "unique").
   */
  insertBindings(bindings: readonly BindingRow[]): Promise<void>;

  /** Deletes every company and everything in it. */
  resetTenants(): Promise<void>;
}

export interface Store {
  readonly engine: "sqlite" | "postgres";
  read<T>(fn: (tx: ReadTx) => Promise<T>): Promise<T>;
  /**
   * Runs fn in one transaction: all of it commits, or (on a throw) none of it. When the transaction loses to a
   * concurrent one (PostgreSQL deadlock or lock timeout), fn runs again from the start, a bounded number of times,
   * then the call fails with ApiError TransactionConflict (RetCode 150). So fn keeps no state outside tx that a
   * second run would get wrong (drawing fresh ids is fine).
   */
  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T>;
  /** Readiness: the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
