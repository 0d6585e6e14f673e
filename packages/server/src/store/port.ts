// The Store port: everything the handlers and the seed loader may ask of persistent state, engine-neutral.
import type { EventType, seed } from "@sgplane/catalogue";
import type { FirewallRule } from "../domain/firewall-rule.ts";

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

/** A UNet firewall with its rules (in the order written). */
export interface FirewallRow {
  readonly fwId: string;
  readonly companyId: number;
  readonly projectId: string;
  readonly region: string;
  readonly name: string;
  readonly tag: string;
  readonly remark: string;
  readonly type: "user defined" | "recommend web" | "recommend non web";
  readonly createTime: number;
  readonly rules: readonly FirewallRule[];
}

/** A firewall granted to a resource (one per resource), in the resource's scope. */
export interface FirewallGrantRow {
  readonly resourceId: string;
  readonly fwId: string;
}

export interface Page {
  readonly offset: number;
  readonly limit: number;
}

export interface Paged<T> {
  readonly rows: readonly T[];
  readonly total: number;
}

export interface ProjectRow {
  readonly projectId: string;
  readonly companyId: number;
  readonly name: string;
  readonly isDefault: boolean;
}

export interface UserRow {
  readonly companyId: number;
  readonly name: string;
  readonly subAccount: boolean;
  readonly projects: readonly string[];
}

/** A key pair as the feed may show it: by its public key, never its private key. */
export interface KeyRef {
  readonly publicKey: string;
  readonly companyId: number;
  readonly userName: string;
}

/** One change event as stored: where it belongs (for visibility) and the object's state. */
export interface FeedEventRow {
  readonly position: number;
  readonly timeMs: number;
  readonly companyId: number | null;
  readonly projectId: string | null;
  readonly region: string | null;
  readonly requestId: string;
  readonly action: string;
  readonly type: EventType;
  readonly objectId: string;
  readonly state: object;
}

/**
 * Which events and objects a reader sees. companyId: only that company's (and no global ones); projects: only
 * those of these projects (a sub-account: company-level objects are left out too); region / projectId: objects of
 * another region / project are left out, objects without one pass. See feed/visibility.ts.
 */
export interface FeedFilter {
  readonly companyId?: number;
  readonly projects?: readonly string[];
  readonly region?: string;
  readonly projectId?: string;
  readonly types?: readonly EventType[];
}

export interface FeedEventPage {
  readonly events: readonly FeedEventRow[];
  readonly through: number;
}

export interface FeedInfo {
  readonly feedId: string;
  /** The latest position: every event up to it is visible to this transaction. */
  readonly head: number;
  /** Events at or below this position were removed by retention. */
  readonly floor: number;
}

/** Everything a filter sees, read in one snapshot (the list of list-then-watch). */
export interface SnapshotRows {
  /** Global objects: present only for a filter without companyId. */
  readonly regions?: readonly string[];
  readonly operatorKeys?: readonly string[];
  readonly companies: readonly CompanyRow[];
  readonly projects: readonly ProjectRow[];
  readonly users: readonly UserRow[];
  readonly keys: readonly KeyRef[];
  readonly vpcs: readonly VpcRow[];
  readonly resources: readonly ResourceRow[];
  readonly secGroups: readonly SecGroupRow[];
  readonly rules: readonly RuleRow[];
  readonly bindings: readonly BindingRow[];
  readonly firewalls: readonly FirewallRow[];
  readonly firewallGrants: readonly FirewallGrantRow[];
}

/** One API call for the audit trail; params is JSON text without secrets (audit/audit-entry.ts). */
export interface AuditEntry {
  readonly timeMs: number;
  readonly requestId: string;
  readonly action: string;
  readonly publicKey: string;
  readonly authenticated: boolean;
  readonly operator: boolean;
  readonly companyId: number | null;
  readonly userName: string;
  readonly subAccount: boolean;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly region: string;
  readonly projectId: string;
  /** Without Action, PublicKey and Region when they equal those fields (a reader restores them: AuditRow). */
  readonly params: string;
  readonly retCode: number;
  readonly message: string;
  readonly mutating: boolean;
  /** A DryRun call: it changed nothing (and so never goes in with a change). */
  readonly dryRun?: boolean;
}

export interface AuditRow extends AuditEntry {
  readonly id: number;
  /** Every parameter as recorded, Action, PublicKey and Region put back. */
  readonly allParams: Record<string, unknown>;
  readonly eventCount: number;
  /** Positions of the call's feed events, while the feed still holds them. */
  readonly firstPosition: number | undefined;
  readonly lastPosition: number | undefined;
}

export interface AuditQuery {
  readonly companyId?: number;
  /** A sub-account's grants: only calls made in these projects. */
  readonly projects?: readonly string[];
  /** Like FeedFilter's: calls of another region / project are left out, calls that named none pass. */
  readonly region?: string;
  readonly projectId?: string;
  readonly startMs?: number;
  readonly endMs?: number;
  readonly actions?: readonly string[];
  /** Calls that named this id (a resource, a group). */
  readonly objectIds?: readonly string[];
  readonly publicKey?: string;
  readonly userName?: string;
  readonly retCodes?: readonly number[];
  readonly failed?: boolean;
  /** true: only dry runs; false: only real calls. */
  readonly dryRun?: boolean;
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

  /** Stored firewalls in scope by ids, creation order; unknown and out-of-scope ids are skipped. */
  firewallsByIds(scope: Scope, ids: readonly string[]): Promise<readonly FirewallRow[]>;
  /** Stored firewalls of type 'user defined' in scope, creation order, paged (the defaults are listed apart). */
  listUserFirewalls(scope: Scope, page: Page): Promise<Paged<FirewallRow>>;
  /** How many resources each of these firewalls is granted to (ids without grants are left out). */
  firewallGrantCounts(fwIds: readonly string[]): Promise<ReadonlyMap<string, number>>;
  /** The grants of these resources (at most one each). */
  firewallGrantsOfResources(resourceIds: readonly string[]): Promise<readonly FirewallGrantRow[]>;
  /** The resources a firewall is granted to, grant order, paged. */
  listFirewallResources(fwId: string, page: Page): Promise<Paged<ResourceRow>>;
  /** Every stored firewall and grant of a company, creation order (export). */
  firewallsOf(companyId: number): Promise<readonly FirewallRow[]>;
  firewallGrantsOf(companyId: number): Promise<readonly FirewallGrantRow[]>;

  feedInfo(): Promise<FeedInfo>;
  /**
   * Events after a position, in position order, at most limit, that the filter lets through; every event up to
   * `through` was examined (the head, when the scan reached it).
   */
  feedEvents(after: number, filter: FeedFilter, limit: number): Promise<FeedEventPage>;
  /** Every object the filter lets through (types are ignored). */
  snapshotRows(filter: FeedFilter): Promise<SnapshotRows>;
  /** Audit records, newest first. */
  auditRecords(query: AuditQuery, page: Page): Promise<Paged<AuditRow>>;
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
  /**
   * Serialise writers of these firewalls (rules, attributes); `delete` also waits for the writers granting them
   * (firewallsToGrant) and keeps new ones out. Taken after any resource lock (the global order: company, resources,
   * groups, firewalls).
   */
  lockFirewalls(fwIds: readonly string[], purpose?: "delete"): Promise<void>;
  /** firewallsByIds for firewalls about to be granted: pinned (not deletable) until this transaction ends. */
  firewallsToGrant(scope: Scope, ids: readonly string[]): Promise<readonly FirewallRow[]>;

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

  insertFirewall(f: FirewallRow): Promise<void>;
  /** Stores a firewall unless a row with its id exists (a default firewall's first write); true when it stored it. */
  insertFirewallIfAbsent(f: FirewallRow): Promise<boolean>;
  /** Seed and import: insert or replace; refuses (StoreError "unique") an id another company owns. */
  upsertFirewall(f: FirewallRow): Promise<void>;
  updateFirewall(fwId: string, patch: Partial<Pick<FirewallRow, "name" | "tag" | "remark" | "rules">>): Promise<void>;
  deleteFirewall(fwId: string): Promise<void>;
  /** Grants a firewall to a resource of its scope, replacing the resource's previous grant. */
  grantFirewall(resourceId: string, fwId: string): Promise<void>;
  /** Removes the grants of these resources (none: nothing). */
  deleteFirewallGrants(resourceIds: readonly string[]): Promise<void>;

  /** Deletes every company and everything in it. */
  resetTenants(): Promise<void>;

  /** Records calls whose audit record is not written with a change of their own (refused calls, reads). */
  appendAudit(entries: readonly AuditEntry[]): Promise<void>;
  /** Removes events committed before this time (never the newest) and raises the floor; returns how many. */
  pruneFeed(beforeMs: number): Promise<number>;
  /** Removes audit records older than this time; returns how many. */
  pruneAudit(beforeMs: number): Promise<number>;
  /** Removes ClientToken answers claimed at or before this time; returns how many. */
  pruneClientTokens(beforeMs: number): Promise<number>;
}

/**
 * Who and what a write transaction is for. Every change it makes is recorded as feed events tagged with the
 * request id and action, in the same transaction; `audit`, when given, is that call's audit record (RetCode 0),
 * written with the change. `internal`: a maintenance write that is neither a change nor a call (audit batches,
 * retention) and records nothing.
 */
export interface WriteMeta {
  readonly requestId: string;
  readonly action: string;
  /** A tenant request's scope: every group it binds or edits rules of is in it. */
  readonly scope?: Scope;
  readonly audit?: AuditEntry;
  readonly internal?: boolean;
  /**
   * A DryRun: fn runs in full, then the transaction is rolled back (nothing stored, no event); the changes it made
   * are handed here, in order, before write resolves with fn's value.
   */
  readonly dryRun?: (changes: readonly DryRunEvent[]) => void;
  /** A create with a ClientToken: claimed in the transaction; a repeat resolves with the first call's value. */
  readonly clientToken?: ClientTokenClaim;
}

/** A change a dry run made before it was rolled back: a feed event that was never written. */
export interface DryRunEvent {
  readonly type: EventType;
  readonly objectId: string;
  readonly state: object;
}

export interface ClientTokenClaim {
  /** 'c<CompanyId>' for a company's keys, 'operator' for operator keys. */
  readonly scope: string;
  readonly token: string;
  /** Of the action and its parameters, without ClientToken and DryRun. */
  readonly fingerprint: string;
  readonly action: string;
  readonly nowMs: number;
  readonly ttlMs: number;
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
  write<T>(fn: (tx: WriteTx) => Promise<T>, meta?: WriteMeta): Promise<T>;
  /** Whether changes are recorded as feed events (sgplane serve --feed). */
  readonly feedEnabled: boolean;
  /**
   * A read transaction together with the feed's head at the very point the transaction sees: every event up to
   * the head describes a change it sees, and no change it sees has an event after the head.
   */
  readAtFeedHead<T>(fn: (tx: ReadTx, info: FeedInfo) => Promise<T>): Promise<T>;
  /**
   * Calls listener whenever new events may have become readable: after a commit in this process, or (PostgreSQL)
   * when another server's commit was sequenced. Returns the unsubscribe function.
   */
  onFeedAdvance(listener: () => void): () => void;
  /** Resolves once every event this process has committed can be read (read-your-writes for followers). */
  feedSettled(): Promise<void>;
  /** Readiness: the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
