// What a write transaction changed, as feed events, and writing them (with the call's audit record) as its last step.
import type { EventType } from "@sgplane/catalogue";
import {
  bindingId,
  bindingState,
  companyState,
  keyState,
  projectState,
  resourceState,
  ruleState,
  secGroupState,
  userState,
  vpcState,
} from "../feed-states.ts";
import type {
  AuditEntry,
  BindingRow,
  CompanyRow,
  KeyRef,
  ProjectRow,
  ResourceRow,
  RuleRow,
  SecGroupRow,
  UserRow,
  VpcRow,
} from "../port.ts";
import type { SqlConn, SqlDialect, SqlValue } from "./driver.ts";
import { col, cols, ValuesInsert } from "./multi-row.ts";
import { bool } from "./rows.ts";

/** Where an event's object belongs; rules and bindings take their group's, looked up as the events are written. */
interface Place {
  readonly companyId: number | null;
  readonly projectId: string | null;
  readonly region: string | null;
}
type EventScope = Place | { readonly group: string };

interface CapturedEvent {
  readonly type: EventType;
  readonly objectId: string;
  readonly state: string;
  readonly scope: EventScope;
}

const GLOBAL: Place = { companyId: null, projectId: null, region: null };
const ofCompany = (companyId: number): EventScope => ({ companyId, projectId: null, region: null });
const placed = (r: { companyId: number; projectId: string; region: string }): EventScope => ({
  companyId: r.companyId,
  projectId: r.projectId,
  region: r.region,
});

/**
 * The events of one write transaction, in the order its changes were made. The repository (write-tx.ts) calls one
 * of these for every row it creates, changes or deletes, with the state after the change (before it, for a
 * deletion); nothing else writes events, and nothing writes rows without calling these.
 */
export class FeedCapture {
  readonly #events: CapturedEvent[] = [];

  constructor(readonly enabled: boolean) {}

  get size(): number {
    return this.#events.length;
  }

  drain(): readonly CapturedEvent[] {
    return this.#events.splice(0);
  }

  #add(type: EventType, objectId: string, state: object, scope: EventScope): void {
    if (this.enabled) this.#events.push({ type, objectId, state: JSON.stringify(state), scope });
  }

  secGroup(type: "SecGroupCreated" | "SecGroupUpdated" | "SecGroupDeleted", g: SecGroupRow): void {
    this.#add(type, g.secGroupId, secGroupState(g), placed(g));
  }

  /** `group`: the group's own row, when the group is deleted in the same transaction (no longer there to look up). */
  rule(type: "RuleCreated" | "RuleUpdated" | "RuleDeleted", r: RuleRow, group?: SecGroupRow): void {
    this.#add(type, r.ruleId, ruleState(r), group === undefined ? { group: r.secGroupId } : placed(group));
  }

  binding(type: "BindingAdded" | "BindingPriorityChanged" | "BindingRemoved", b: BindingRow): void {
    this.#add(type, bindingId(b), bindingState(b), { group: b.secGroupId });
  }

  resource(type: "ResourceRegistered" | "ResourceUpdated" | "ResourceDeregistered", r: ResourceRow): void {
    this.#add(type, r.resourceId, resourceState(r), placed(r));
  }

  company(
    type: "CompanyCreated" | "CompanyUpdated" | "QuotasChanged" | "CompanyDeleted",
    c: Omit<CompanyRow, "defaultProjectId">,
  ): void {
    this.#add(type, String(c.companyId), companyState(c), ofCompany(c.companyId));
  }

  project(type: "ProjectCreated" | "ProjectUpdated", p: ProjectRow): void {
    this.#add(type, p.projectId, projectState(p), { companyId: p.companyId, projectId: p.projectId, region: null });
  }

  user(type: "UserCreated" | "UserUpdated", u: UserRow): void {
    this.#add(type, `${u.companyId}/${u.name}`, userState(u), ofCompany(u.companyId));
  }

  key(type: "KeyCreated" | "KeyUpdated", k: KeyRef): void {
    this.#add(type, k.publicKey, keyState(k), ofCompany(k.companyId));
  }

  vpc(type: "VPCCreated" | "VPCUpdated", v: VpcRow): void {
    this.#add(type, v.vpcId, vpcState(v), placed(v));
  }

  regions(regions: readonly string[]): void {
    this.#add("RegionsChanged", "regions", { Regions: [...regions] }, GLOBAL);
  }

  operatorKey(type: "OperatorKeyCreated" | "OperatorKeyUpdated", publicKey: string): void {
    this.#add(type, publicKey, { PublicKey: publicKey }, GLOBAL);
  }
}

const EVENT_COLUMNS = "time_ms, company_id, project_id, region, request_id, action, type, object_id, state";
export const AUDIT_COLUMNS = `time_ms, request_id, action, public_key, authenticated, operator, company_id, user_name,
  sub_account, source_ip, user_agent, region, project_id, params, object_ids, ret_code, message, mutating, event_count`;

/** ' a b c ': each id between spaces, so `LIKE '% a %'` finds one. */
export const objectIdsText = (ids: readonly string[]): string => (ids.length === 0 ? " " : ` ${ids.join(" ")} `);

function auditValues(a: AuditEntry, eventCount: number): SqlValue[] {
  return [
    a.timeMs,
    a.requestId,
    a.action,
    a.publicKey,
    bool(a.authenticated),
    bool(a.operator),
    a.companyId,
    a.userName,
    bool(a.subAccount),
    a.sourceIp,
    a.userAgent,
    a.region,
    a.projectId,
    a.params,
    objectIdsText(a.objectIds),
    a.retCode,
    a.message,
    bool(a.mutating),
    eventCount,
  ];
}

const AUDIT_TYPES = [
  "BIGINT",
  "TEXT",
  "TEXT",
  "TEXT",
  "INTEGER",
  "INTEGER",
  "INTEGER",
  "TEXT",
  "INTEGER",
  "TEXT",
  "TEXT",
  "TEXT",
  "TEXT",
  "TEXT",
  "TEXT",
  "INTEGER",
  "TEXT",
  "INTEGER",
  "INTEGER",
] as const;

/** audit's columns as a json_to_recordset column list (PostgreSQL). */
const AUDIT_RECORD = `time_ms bigint, request_id text, action text, public_key text, authenticated integer,
  operator integer, company_id integer, user_name text, sub_account integer, source_ip text, user_agent text,
  region text, project_id text, params text, object_ids text, ret_code integer, message text, mutating integer,
  event_count integer`;
const AUDIT_KEYS = AUDIT_COLUMNS.split(",").map((c) => c.trim());

const auditJson = (entries: readonly { a: AuditEntry; events: number }[]): string =>
  JSON.stringify(
    entries.map(({ a, events }) => Object.fromEntries(auditValues(a, events).map((v, i) => [AUDIT_KEYS[i], v]))),
  );

interface EventRowInput {
  readonly e: CapturedEvent;
  readonly timeMs: number;
  readonly requestId: string;
  readonly action: string;
}

function eventValues({ e, timeMs, requestId, action }: EventRowInput): SqlValue[] {
  const own = "group" in e.scope ? GLOBAL : e.scope;
  const group = "group" in e.scope ? e.scope.group : null;
  return [timeMs, own.companyId, own.projectId, own.region, requestId, action, e.type, e.objectId, e.state, group];
}

/** The events of one transaction and its audit record, written as its last statements. */
export interface FeedRecord {
  readonly events: readonly CapturedEvent[];
  readonly requestId: string;
  readonly action: string;
  readonly audit: AuditEntry | undefined;
  readonly timeMs: number;
}

/**
 * Writes a transaction's feed record. SQLite (positions in the transaction): the events straight into `events`,
 * then the audit row. PostgreSQL (positions after commit): one statement that draws the transaction's number — its
 * last statement, after every lock, so a transaction that waited for another draws a larger one — and writes the
 * events to feed_pending and the audit row; a rule's or binding's scope is its group's, joined in that statement.
 */
export function feedWriterFor(d: SqlDialect) {
  // A scope that comes from a group: v.column10 names the group; its row gives company, project and region.
  const fromGroup = (i: number, column: string) => `CASE WHEN ${col(10)} IS NULL THEN ${col(i)} ELSE g.${column} END`;
  const insertEvents = new ValuesInsert<EventRowInput>(d, {
    into: `INSERT INTO events (${EVENT_COLUMNS})`,
    types: ["BIGINT", "INTEGER", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT"],
    select: () =>
      `${col(1)}, ${fromGroup(2, "company_id")}, ${fromGroup(3, "project_id")}, ${fromGroup(4, "region")}, ` +
      [5, 6, 7, 8, 9].map(col).join(", "),
    join: `LEFT JOIN secgroups g ON g.secgroup_id = ${col(10)}`,
    params: eventValues,
  });
  const insertAudit = new ValuesInsert<{ a: AuditEntry; events: number }>(d, {
    into: `INSERT INTO audit (${AUDIT_COLUMNS})`,
    types: AUDIT_TYPES,
    select: () => cols(AUDIT_TYPES.length),
    params: ({ a, events }) => auditValues(a, events),
  });
  const pendingRecord = `WITH t AS (SELECT nextval('feed_tx_seq') AS s),
ev AS (
  INSERT INTO feed_pending (tx_seq, ordinal, ${EVENT_COLUMNS})
  SELECT t.s, e.ordinal, e.time_ms,
    CASE WHEN e.scope_group IS NULL THEN e.company_id ELSE g.company_id END,
    CASE WHEN e.scope_group IS NULL THEN e.project_id ELSE g.project_id END,
    CASE WHEN e.scope_group IS NULL THEN e.region ELSE g.region END,
    e.request_id, e.action, e.type, e.object_id, e.state
  FROM t, json_to_recordset(?::json) AS e(ordinal integer, time_ms bigint, company_id integer, project_id text,
    region text, request_id text, action text, type text, object_id text, state text, scope_group text)
  LEFT JOIN secgroups g ON g.secgroup_id = e.scope_group
)
INSERT INTO audit (${AUDIT_COLUMNS}) SELECT ${AUDIT_COLUMNS} FROM json_to_recordset(?::json) AS a(${AUDIT_RECORD})`;
  const appendAuditJson = `INSERT INTO audit (${AUDIT_COLUMNS})
SELECT ${AUDIT_COLUMNS} FROM json_to_recordset(?::json) AS a(${AUDIT_RECORD})`;
  const EVENT_KEYS = [...EVENT_COLUMNS.split(",").map((c) => c.trim()), "scope_group"];

  return {
    /** Returns how many events it wrote. */
    async write(conn: SqlConn, record: FeedRecord): Promise<number> {
      const { events, audit } = record;
      if (events.length === 0 && audit === undefined) return 0;
      const rows = events.map((e) => ({
        e,
        timeMs: record.timeMs,
        requestId: record.requestId,
        action: record.action,
      }));
      if (d.feedPositions === "in-transaction") {
        for (const chunk of insertEvents.chunks(rows)) await conn.run(chunk.sql, chunk.params);
        if (audit !== undefined) await appendAudit(conn, [{ a: audit, events: events.length }]);
        return events.length;
      }
      const eventsJson = JSON.stringify(
        rows.map((r, i) => ({
          ordinal: i + 1,
          ...Object.fromEntries(eventValues(r).map((v, k) => [EVENT_KEYS[k], v])),
        })),
      );
      await conn.run(pendingRecord, [
        eventsJson,
        audit === undefined ? "[]" : auditJson([{ a: audit, events: events.length }]),
      ]);
      return events.length;
    },
    appendAudit: (conn: SqlConn, entries: readonly AuditEntry[]) =>
      appendAudit(
        conn,
        entries.map((a) => ({ a, events: 0 })),
      ),
  };

  async function appendAudit(conn: SqlConn, entries: readonly { a: AuditEntry; events: number }[]): Promise<void> {
    if (entries.length === 0) return;
    if (d.feedPositions === "in-transaction") {
      for (const chunk of insertAudit.chunks(entries)) await conn.run(chunk.sql, chunk.params);
    } else {
      await conn.run(appendAuditJson, [auditJson(entries)]);
    }
  }
}

export type FeedWriter = ReturnType<typeof feedWriterFor>;
