// Reads of the change feed, the snapshot it starts from, and the audit trail. One filter (port.ts FeedFilter) means
// the same thing to all of them and to the in-memory check of feed/visibility.ts.
import { isEventType } from "@sgplane/catalogue";
import { visible } from "../feed-filter.ts";
import type {
  AuditQuery,
  AuditRow,
  BindingRow,
  FeedEventPage,
  FeedEventRow,
  FeedFilter,
  FeedInfo,
  KeyRef,
  Page,
  Paged,
  ProjectRow,
  RuleRow,
  SnapshotRows,
  UserRow,
} from "../port.ts";
import type { SqlConn, SqlValue } from "./driver.ts";
import { AUDIT_COLUMNS } from "./feed-capture.ts";
import { FIREWALL_COLUMNS, type FirewallRaw, type GrantRaw, toFirewall, toGrant } from "./firewall-sql.ts";
import { expandIds, IDS, idChunks } from "./in-list.ts";
import {
  COMPANY_SELECT,
  type CompanyRaw,
  type DbInt,
  RESOURCE_COLUMNS,
  type ResourceRaw,
  RULE_COLUMNS,
  type RuleRaw,
  SECGROUP_COLUMNS,
  type SecGroupRaw,
  toCompany,
  toResource,
  toRule,
  toSecGroup,
  toVpc,
  VPC_COLUMNS,
  type VpcRaw,
} from "./rows.ts";

interface Where {
  readonly sql: string;
  readonly params: SqlValue[];
}

/** `column IN (…)` over a short list, padded to a bucket size like every other id list. */
function inList(column: string, values: readonly string[]): Where {
  const [chunk] = idChunks(values);
  if (chunk === undefined) return { sql: "1 = 0", params: [] };
  if (values.length > chunk.length) throw new Error(`${column}: more than one chunk of values`);
  return { sql: `${column} IN ${expandIds(IDS, chunk.length)}`, params: chunk };
}

function and(parts: readonly Where[]): Where {
  if (parts.length === 0) return { sql: "1 = 1", params: [] };
  return { sql: parts.map((p) => p.sql).join(" AND "), params: parts.flatMap((p) => p.params) };
}

/**
 * The filter over a table with company_id, project_id and region columns (prefix: its alias). Objects without a
 * region or project (NULL) pass those filters; `projects` (a sub-account) lets through only rows of those projects.
 */
function placeFilter(filter: FeedFilter, prefix = "", columns: { region: boolean } = { region: true }): Where {
  const parts: Where[] = [];
  if (filter.companyId !== undefined) parts.push({ sql: `${prefix}company_id = ?`, params: [filter.companyId] });
  if (filter.projects !== undefined) parts.push(inList(`${prefix}project_id`, filter.projects));
  if (filter.region !== undefined && columns.region) {
    parts.push({ sql: `(${prefix}region IS NULL OR ${prefix}region = ?)`, params: [filter.region] });
  }
  if (filter.projectId !== undefined) {
    parts.push({ sql: `(${prefix}project_id IS NULL OR ${prefix}project_id = ?)`, params: [filter.projectId] });
  }
  return and(parts);
}

/** Rows of runs read per query while scanning the feed. */
const RUNS_PER_READ = 64;

interface RunRaw {
  first_position: DbInt;
  last_position: DbInt;
  company_id: DbInt | null;
  events: string;
}

type Element = [number, string | null, string | null, string, string, string, string, object];

export async function feedInfo(conn: SqlConn): Promise<FeedInfo> {
  const row = await conn.get<{ feed_id: string; floor: DbInt; head: DbInt }>(
    "SELECT feed_id, floor, head FROM feed_state WHERE id = 1",
  );
  if (row === undefined) throw new Error("feed_state is missing (migration 005 not applied?)");
  return { feedId: row.feed_id, floor: Number(row.floor), head: Number(row.head) };
}

/**
 * Reads runs (one company's consecutive events, migration 005) in position order — only the company's, when the
 * filter names one — and the filter decides on each event. Runs never overlap, so their events come out in order.
 */
export async function feedEvents(
  conn: SqlConn,
  after: number,
  filter: FeedFilter,
  limit: number,
): Promise<FeedEventPage> {
  const { head } = await feedInfo(conn);
  const company = filter.companyId === undefined ? "" : " AND company_id = ?";
  const sql = `SELECT first_position, last_position, company_id, events FROM events
    WHERE last_position > ?${company} ORDER BY first_position LIMIT ${RUNS_PER_READ}`;
  const events: FeedEventRow[] = [];
  let cursor = after;
  for (;;) {
    const runs = await conn.all<RunRaw>(sql, [cursor, ...(filter.companyId === undefined ? [] : [filter.companyId])]);
    for (const run of runs) {
      const first = Number(run.first_position);
      const companyId = run.company_id === null ? null : Number(run.company_id);
      const elements = JSON.parse(run.events) as Element[];
      for (let i = 0; i < elements.length; i++) {
        const position = first + i;
        if (position <= after) continue;
        const [timeMs, projectId, region, requestId, action, type, objectId, state] = elements[i] as Element;
        if (!isEventType(type)) throw new Error(`unexpected event type in database: ${JSON.stringify(type)}`);
        const e = { position, timeMs, companyId, projectId, region, requestId, action, type, objectId, state };
        if (!visible(e, filter)) continue;
        events.push(e);
        if (events.length === limit) return { events, through: position };
      }
      cursor = Number(run.last_position);
    }
    if (runs.length < RUNS_PER_READ) return { events, through: Math.max(cursor, head) };
  }
}

export async function snapshotRows(conn: SqlConn, filter: FeedFilter): Promise<SnapshotRows> {
  // Company-level objects (the company, its users and keys) have no project: a sub-account sees none of them.
  const companyLevel = filter.projects === undefined;
  const global = filter.companyId === undefined && companyLevel;
  const ofCompany: Where =
    filter.companyId === undefined
      ? { sql: "1 = 1", params: [] }
      : { sql: "company_id = ?", params: [filter.companyId] };
  const placed = placeFilter(filter);
  const list = async <R>(select: string, where: Where, order: string): Promise<R[]> =>
    conn.all<R>(`${select} WHERE ${where.sql} ORDER BY ${order}`, where.params);

  const projectsWhere = placeFilter(filter, "", { region: false });
  const projects = (
    await list<{ project_id: string; company_id: DbInt; name: string; is_default: DbInt }>(
      "SELECT project_id, company_id, name, is_default FROM projects",
      projectsWhere,
      "seq",
    )
  ).map(
    (p): ProjectRow => ({
      projectId: p.project_id,
      companyId: Number(p.company_id),
      name: p.name,
      isDefault: Number(p.is_default) === 1,
    }),
  );
  const groupsWhere = placeFilter(filter, "g.");
  const rules = (
    await list<RuleRaw>(
      `SELECT ${RULE_COLUMNS.split(",")
        .map((c) => `r.${c.trim()}`)
        .join(", ")} FROM rules r JOIN secgroups g ON g.secgroup_id = r.secgroup_id`,
      groupsWhere,
      "r.seq",
    )
  ).map(toRule);
  const bindings = (
    await list<{ resource_id: string; secgroup_id: string; priority: DbInt }>(
      "SELECT b.resource_id, b.secgroup_id, b.priority FROM bindings b JOIN secgroups g ON g.secgroup_id = b.secgroup_id",
      groupsWhere,
      "b.seq",
    )
  ).map((b): BindingRow => ({ resourceId: b.resource_id, secGroupId: b.secgroup_id, priority: Number(b.priority) }));
  return {
    ...(global && {
      regions: (await conn.all<{ region: string }>("SELECT region FROM regions ORDER BY position")).map(
        (r) => r.region,
      ),
      operatorKeys: (
        await conn.all<{ public_key: string }>("SELECT public_key FROM api_keys WHERE company_id IS NULL ORDER BY seq")
      ).map((k) => k.public_key),
    }),
    companies: companyLevel
      ? (
          await list<CompanyRaw>(
            COMPANY_SELECT,
            { sql: ofCompany.sql.replace("company_id", "c.company_id"), params: ofCompany.params },
            "c.seq",
          )
        ).map(toCompany)
      : [],
    projects,
    users: companyLevel ? await users(conn, ofCompany) : [],
    keys: companyLevel
      ? (
          await list<{ public_key: string; company_id: DbInt; user_name: string }>(
            "SELECT public_key, company_id, user_name FROM api_keys",
            and([{ sql: "company_id IS NOT NULL", params: [] }, ofCompany]),
            "seq",
          )
        ).map((k): KeyRef => ({ publicKey: k.public_key, companyId: Number(k.company_id), userName: k.user_name }))
      : [],
    vpcs: (await list<VpcRaw>(`SELECT ${VPC_COLUMNS} FROM vpcs`, placed, "seq")).map(toVpc),
    resources: (await list<ResourceRaw>(`SELECT ${RESOURCE_COLUMNS} FROM resources`, placed, "seq")).map(toResource),
    secGroups: (await list<SecGroupRaw>(`SELECT ${SECGROUP_COLUMNS} FROM secgroups`, placed, "seq")).map(toSecGroup),
    rules: rules satisfies RuleRow[],
    bindings,
    firewalls: (await list<FirewallRaw>(`SELECT ${FIREWALL_COLUMNS} FROM firewalls`, placed, "seq")).map(toFirewall),
    firewallGrants: (await list<GrantRaw>("SELECT resource_id, fw_id FROM firewall_grants", placed, "seq")).map(
      toGrant,
    ),
  };
}

async function users(conn: SqlConn, ofCompany: Where): Promise<UserRow[]> {
  const rows = await conn.all<{ company_id: DbInt; name: string; sub_account: DbInt }>(
    `SELECT company_id, name, sub_account FROM users WHERE ${ofCompany.sql} ORDER BY seq`,
    ofCompany.params,
  );
  const grants = await conn.all<{ company_id: DbInt; user_name: string; project_id: string }>(
    `SELECT company_id, user_name, project_id FROM user_projects WHERE ${ofCompany.sql} ORDER BY position`,
    ofCompany.params,
  );
  const byUser = new Map<string, string[]>();
  for (const g of grants) {
    const key = `${g.company_id}/${g.user_name}`;
    const list = byUser.get(key);
    if (list === undefined) byUser.set(key, [g.project_id]);
    else list.push(g.project_id);
  }
  return rows.map((u) => ({
    companyId: Number(u.company_id),
    name: u.name,
    subAccount: Number(u.sub_account) === 1,
    projects: byUser.get(`${u.company_id}/${u.name}`) ?? [],
  }));
}

/**
 * How an id appears among a record's parameters: as a JSON string value, or inside a JSON-array string value (old
 * SDKs' `SecGroupId=["a","b"]`, whose quotes the JSON text escapes).
 */
function quotedIds(id: string): [string, string] {
  return [`"${id}"`, `\\"${id}\\"`];
}

function auditWhere(q: AuditQuery): Where {
  const parts: Where[] = [];
  if (q.companyId !== undefined) parts.push({ sql: "company_id = ?", params: [q.companyId] });
  if (q.projects !== undefined) parts.push(inList("project_id", q.projects));
  if (q.region !== undefined) parts.push({ sql: "(region = '' OR region = ?)", params: [q.region] });
  if (q.projectId !== undefined) parts.push({ sql: "(project_id = '' OR project_id = ?)", params: [q.projectId] });
  if (q.startMs !== undefined) parts.push({ sql: "time_ms >= ?", params: [q.startMs] });
  if (q.endMs !== undefined) parts.push({ sql: "time_ms < ?", params: [q.endMs] });
  if (q.actions !== undefined) parts.push(inList("action", q.actions));
  for (const id of q.objectIds ?? []) {
    // Whether replace() removes it: a case-sensitive substring test on both engines (SQLite's LIKE ignores case).
    parts.push({
      sql: "(replace(params, ?, '') <> params OR replace(params, ?, '') <> params)",
      params: quotedIds(id),
    });
  }
  if (q.publicKey !== undefined) parts.push({ sql: "public_key = ?", params: [q.publicKey] });
  if (q.userName !== undefined) parts.push({ sql: "user_name = ?", params: [q.userName] });
  if (q.retCodes !== undefined) {
    const codes = [...new Set(q.retCodes)];
    parts.push({ sql: `ret_code IN (${codes.map(() => "?").join(", ")})`, params: codes });
  }
  if (q.failed !== undefined) parts.push({ sql: q.failed ? "ret_code <> 0" : "ret_code = 0", params: [] });
  if (q.dryRun !== undefined) parts.push({ sql: "dry_run = ?", params: [q.dryRun ? 1 : 0] });
  return and(parts);
}

interface AuditRaw {
  id: DbInt;
  time_ms: DbInt;
  request_id: string;
  action: string;
  public_key: string;
  authenticated: DbInt;
  operator: DbInt;
  company_id: DbInt | null;
  user_name: string;
  sub_account: DbInt;
  source_ip: string;
  user_agent: string;
  region: string;
  project_id: string;
  params: string;
  ret_code: DbInt;
  message: string;
  mutating: DbInt;
  dry_run: DbInt;
  event_count: DbInt;
  first_position: DbInt | null;
  last_position: DbInt | null;
}

export async function auditRecords(conn: SqlConn, query: AuditQuery, page: Page): Promise<Paged<AuditRow>> {
  const where = auditWhere(query);
  const rows = await conn.all<AuditRaw>(
    `SELECT id, ${AUDIT_COLUMNS} FROM audit WHERE ${where.sql} ORDER BY id DESC LIMIT ? OFFSET ?`,
    [...where.params, page.limit, page.offset],
  );
  const count = await conn.get<{ n: DbInt }>(`SELECT COUNT(*) AS n FROM audit WHERE ${where.sql}`, where.params);
  return {
    total: Number(count?.n ?? 0),
    rows: rows.map((r) => ({
      id: Number(r.id),
      timeMs: Number(r.time_ms),
      requestId: r.request_id,
      action: r.action,
      publicKey: r.public_key,
      authenticated: Number(r.authenticated) === 1,
      operator: Number(r.operator) === 1,
      companyId: r.company_id === null ? null : Number(r.company_id),
      userName: r.user_name,
      subAccount: Number(r.sub_account) === 1,
      sourceIp: r.source_ip,
      userAgent: r.user_agent,
      region: r.region,
      projectId: r.project_id,
      params: r.params,
      allParams: withColumns(r),
      retCode: Number(r.ret_code),
      message: r.message,
      mutating: Number(r.mutating) === 1,
      dryRun: Number(r.dry_run) === 1,
      eventCount: Number(r.event_count),
      firstPosition: r.first_position === null ? undefined : Number(r.first_position),
      lastPosition: r.last_position === null ? undefined : Number(r.last_position),
    })),
  };
}

/** A record's parameters with those kept only as columns put back (audit-entry.ts recordedParams). */
function withColumns(r: AuditRaw): Record<string, unknown> {
  const stored = JSON.parse(r.params) as Record<string, unknown>;
  const columns = { Action: r.action, PublicKey: r.public_key, Region: r.region };
  const back = Object.fromEntries(Object.entries(columns).filter(([k, v]) => v !== "" && !(k in stored)));
  return { ...back, ...stored };
}
