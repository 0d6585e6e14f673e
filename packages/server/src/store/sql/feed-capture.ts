// What a write transaction changed, as feed events, and writing them (with the call's audit record) as its last step.
import type { EventType } from "@sgplane/catalogue";
import {
  bindingId,
  bindingState,
  companyState,
  firewallGrantState,
  firewallState,
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
  FirewallGrantRow,
  FirewallRow,
  KeyRef,
  ProjectRow,
  ResourceRow,
  RuleRow,
  SecGroupRow,
  UserRow,
  VpcRow,
} from "../port.ts";
import type { CommitSink, SqlConn, SqlDialect, SqlValue } from "./driver.ts";
import { expandIds, IDS, idChunks } from "./in-list.ts";
import { cols, ValuesInsert } from "./multi-row.ts";
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
  /** The state itself, kept for a dry run (which reports it and writes nothing). */
  readonly object?: object;
}

const GLOBAL: Place = { companyId: null, projectId: null, region: null };
const ofCompany = (companyId: number): EventScope => ({ companyId, projectId: null, region: null });
const placed = (r: { companyId: number; projectId: string; region: string }): Place => ({
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
  /** The scope of every group this transaction wrote: where its rules' and bindings' events belong. */
  readonly groupPlaces = new Map<string, Place>();

  constructor(
    readonly enabled: boolean,
    private readonly keepObjects = false,
  ) {}

  get size(): number {
    return this.#events.length;
  }

  drain(): readonly CapturedEvent[] {
    return this.#events.splice(0);
  }

  #add(type: EventType, objectId: string, state: object, scope: EventScope): void {
    if (!this.enabled) return;
    if (this.keepObjects) this.#events.push({ type, objectId, state: "", scope, object: state });
    else this.#events.push({ type, objectId, state: JSON.stringify(state), scope });
  }

  secGroup(type: "SecGroupCreated" | "SecGroupUpdated" | "SecGroupDeleted", g: SecGroupRow): void {
    const place = placed(g);
    this.groupPlaces.set(g.secGroupId, place);
    this.#add(type, g.secGroupId, secGroupState(g), place);
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

  firewall(type: "FirewallCreated" | "FirewallUpdated" | "FirewallDeleted", f: FirewallRow): void {
    this.#add(type, f.fwId, firewallState(f), placed(f));
  }

  /** `place`: the resource's (and so the firewall's) company, project and region. */
  firewallGrant(
    type: "FirewallGranted" | "FirewallGrantChanged" | "FirewallGrantRemoved",
    g: FirewallGrantRow,
    place: { companyId: number; projectId: string; region: string },
  ): void {
    this.#add(type, g.resourceId, firewallGrantState(g), placed(place));
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

/** audit's columns, in the order auditValues gives them, with their PostgreSQL types (for json_to_recordset). */
const AUDIT_COLUMN_TYPES = [
  ["time_ms", "bigint"],
  ["request_id", "text"],
  ["action", "text"],
  ["public_key", "text"],
  ["authenticated", "integer"],
  ["operator", "integer"],
  ["company_id", "integer"],
  ["user_name", "text"],
  ["sub_account", "integer"],
  ["source_ip", "text"],
  ["user_agent", "text"],
  ["region", "text"],
  ["project_id", "text"],
  ["params", "text"],
  ["ret_code", "integer"],
  ["message", "text"],
  ["mutating", "integer"],
  ["dry_run", "integer"],
  ["event_count", "integer"],
  ["first_position", "bigint"],
  ["last_position", "bigint"],
] as const;
const AUDIT_KEYS = AUDIT_COLUMN_TYPES.map(([name]) => name);
const AUDIT_WIDTH = AUDIT_KEYS.length;
export const AUDIT_COLUMNS = AUDIT_KEYS.join(", ");
/** audit's columns as a json_to_recordset column list (PostgreSQL). */
const AUDIT_RECORD = AUDIT_COLUMN_TYPES.map(([name, type]) => `${name} ${type}`).join(", ");

/**
 * Writes an audit row's values into `out` from `at` (a statement's parameter array, filled in place: no array per
 * row to copy, on the path of every write); its events' positions (the last two columns) are filled in where they
 * become known.
 */
function putAuditValues(out: SqlValue[], at: number, a: AuditEntry, eventCount: number, first?: number): void {
  const known = first !== undefined && eventCount > 0;
  out[at] = a.timeMs;
  out[at + 1] = a.requestId;
  out[at + 2] = a.action;
  out[at + 3] = a.publicKey;
  out[at + 4] = bool(a.authenticated);
  out[at + 5] = bool(a.operator);
  out[at + 6] = a.companyId;
  out[at + 7] = a.userName;
  out[at + 8] = bool(a.subAccount);
  out[at + 9] = a.sourceIp;
  out[at + 10] = a.userAgent;
  out[at + 11] = a.region;
  out[at + 12] = a.projectId;
  out[at + 13] = a.params;
  out[at + 14] = a.retCode;
  out[at + 15] = a.message;
  out[at + 16] = bool(a.mutating);
  out[at + 17] = bool(a.dryRun === true);
  out[at + 18] = eventCount;
  out[at + 19] = known ? first : null;
  out[at + 20] = known ? first + eventCount - 1 : null;
}

function auditValues(a: AuditEntry, eventCount: number, first?: number): SqlValue[] {
  const out: SqlValue[] = new Array(AUDIT_WIDTH);
  putAuditValues(out, 0, a, eventCount, first);
  return out;
}

/** 21 parameters a row: 512 rows stay under SQLite's 32,766 parameters a statement. */
const AUDIT_ROWS_PER_INSERT = 512;

const floorPow2 = (n: number): number => {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
};

interface AuditInsert {
  readonly a: AuditEntry;
  readonly events: number;
  /** Where the call's events start, when known as it is written (SQLite). */
  readonly first?: number;
}

const auditJson = (entries: readonly AuditInsert[]): string =>
  JSON.stringify(
    entries.map(({ a, events, first }) =>
      Object.fromEntries(auditValues(a, events, first).map((v, i) => [AUDIT_KEYS[i], v])),
    ),
  );

/** The events of one transaction and its audit record, written as its last statements. */
export interface FeedRecord {
  readonly events: readonly CapturedEvent[];
  /**
   * Where its rules' and bindings' events belong without asking the database: the groups it wrote, then the scope of
   * the tenant request (whose groups are all in it); the rest are looked up.
   */
  readonly groupPlaces: ReadonlyMap<string, Place>;
  readonly scope: Place | undefined;
  readonly requestId: string;
  readonly action: string;
  readonly audit: AuditEntry | undefined;
  readonly timeMs: number;
}

/** A run of consecutive events of one company (or of global objects: null), as one row of `events`. */
interface Run {
  readonly companyId: number | null;
  readonly count: number;
  /** The JSON array of its events: [time_ms, project_id, region, request_id, action, type, object_id, state]. */
  readonly events: string;
}

/**
 * Cuts events (in position order) into runs of one company each. An element is spliced from its parts: the state is
 * already JSON. A rule's or binding's scope is its group's (`scopes`).
 */
function runsOf(records: readonly FeedRecord[], scopes: ReadonlyMap<string, Place>): Run[] {
  const runs: Run[] = [];
  let company: number | null | undefined;
  let text = "";
  let count = 0;
  const close = () => {
    if (company !== undefined && count > 0) runs.push({ companyId: company, count, events: `[${text}]` });
    text = "";
    count = 0;
  };
  // An element's project and region as JSON, once per place: a batch's events mostly share a handful of places.
  const placeTexts = new Map<Place, string>();
  for (const r of records) {
    const common = `${JSON.stringify(r.requestId)},${JSON.stringify(r.action)}`;
    for (const e of r.events) {
      const place = "group" in e.scope ? (scopes.get(e.scope.group) ?? GLOBAL) : e.scope;
      if (place.companyId !== company) {
        close();
        company = place.companyId;
      }
      let where = placeTexts.get(place);
      if (where === undefined) {
        where = `${JSON.stringify(place.projectId)},${JSON.stringify(place.region)}`;
        placeTexts.set(place, where);
      }
      text += `${count === 0 ? "" : ","}[${r.timeMs},${where},${common},"${e.type}",${JSON.stringify(e.objectId)},${e.state}]`;
      count++;
    }
  }
  close();
  return runs;
}

/** The scope of each group whose rules' or bindings' events these records hold; one query for those not known. */
async function groupScopes(conn: SqlConn, records: readonly FeedRecord[]): Promise<Map<string, Place>> {
  const scopes = new Map<string, Place>();
  const ids = new Set<string>();
  for (const r of records) {
    for (const e of r.events) {
      if (!("group" in e.scope) || scopes.has(e.scope.group)) continue;
      const known = r.groupPlaces.get(e.scope.group) ?? r.scope;
      if (known !== undefined) scopes.set(e.scope.group, known);
      else ids.add(e.scope.group);
    }
  }
  for (const chunk of idChunks([...ids])) {
    const rows = await conn.all<{
      secgroup_id: string;
      company_id: number | string;
      project_id: string;
      region: string;
    }>(
      expandIds(
        `SELECT secgroup_id, company_id, project_id, region FROM secgroups WHERE secgroup_id IN ${IDS}`,
        chunk.length,
      ),
      chunk,
    );
    for (const g of rows) {
      scopes.set(g.secgroup_id, { companyId: Number(g.company_id), projectId: g.project_id, region: g.region });
    }
  }
  return scopes;
}

/**
 * Writes transactions' feed records (a CommitSink: the driver hands it every record of a transaction at once, after
 * the last callback). SQLite (positions in the transaction): a group-commit batch's events as runs, numbered after
 * the head in callback order (the order they commit in), then its audit records, which therefore know their events'
 * positions. PostgreSQL (positions after commit): per transaction, one statement that draws the transaction's number
 * — its last statement, after every lock, so a transaction that waited for another draws a larger one — and writes
 * its runs to feed_pending and its audit row.
 */
export function feedWriterFor(d: SqlDialect) {
  const insertRuns = new ValuesInsert<Run & { first: number; timeMs: number }>(d, {
    into: "INSERT INTO events (first_position, last_position, company_id, time_ms, events)",
    types: ["BIGINT", "BIGINT", "INTEGER", "BIGINT", "TEXT"],
    select: () => cols(5),
    params: (r) => [r.first, r.first + r.count - 1, r.companyId, r.timeMs, r.events],
  });
  // SQLite: plain multi-row VALUES. Nothing is computed per row and the order is the insert order, so ValuesInsert's
  // casts and ORDER BY buy nothing here (measured: no difference, 11.3 against 11.7 µs a record in 500-record batches).
  // Rows go in power-of-two statements (83 rows: 64 + 16 + 2 + 1), so there are at most 10 texts: a text per row
  // count meant up to 512 prepared statements of up to 10,240 parameters each, all kept in the statement cache
  // (preparing one took 0.5 ms at 80 rows, 3 ms at 500).
  const auditTexts = new Map<number, string>();
  const auditRows = (n: number): string => {
    let text = auditTexts.get(n);
    if (text === undefined) {
      const tuple = `(${AUDIT_KEYS.map(() => "?").join(", ")})`;
      text = `INSERT INTO audit (${AUDIT_COLUMNS}) VALUES ${Array.from({ length: n }, () => tuple).join(", ")}`;
      auditTexts.set(n, text);
    }
    return text;
  };
  const pendingRecord = `WITH t AS (SELECT nextval('feed_tx_seq') AS s),
ev AS (
  INSERT INTO feed_pending (tx_seq, run, company_id, count, events)
  SELECT t.s, r.run, r.company_id, r.count, r.events
  FROM t, json_to_recordset(?::json) AS r(run integer, company_id integer, count integer, events text)
)
INSERT INTO audit (${AUDIT_COLUMNS}, tx_seq)
SELECT ${AUDIT_COLUMNS}, (SELECT s FROM t) FROM json_to_recordset(?::json) AS a(${AUDIT_RECORD})`;
  const appendAuditJson = `INSERT INTO audit (${AUDIT_COLUMNS})
SELECT ${AUDIT_COLUMNS} FROM json_to_recordset(?::json) AS a(${AUDIT_RECORD})`;

  async function appendAudit(conn: SqlConn, entries: readonly AuditInsert[]): Promise<void> {
    if (entries.length === 0) return;
    if (d.feedPositions === "in-transaction") {
      for (let i = 0; i < entries.length; ) {
        const n = floorPow2(Math.min(AUDIT_ROWS_PER_INSERT, entries.length - i));
        const params: SqlValue[] = new Array(n * AUDIT_WIDTH);
        for (let r = 0; r < n; r++) {
          const { a, events, first } = entries[i + r] as AuditInsert;
          putAuditValues(params, r * AUDIT_WIDTH, a, events, first);
        }
        await conn.run(auditRows(n), params);
        i += n;
      }
    } else {
      await conn.run(appendAuditJson, [auditJson(entries)]);
    }
  }

  async function writeInTransaction(conn: SqlConn, records: readonly FeedRecord[]): Promise<void> {
    const head = Number((await conn.get<{ head: number | bigint }>("SELECT head FROM feed_state WHERE id = 1"))?.head);
    const scopes = await groupScopes(conn, records);
    let position = head;
    const audits: AuditInsert[] = [];
    for (const r of records) {
      if (r.audit !== undefined) audits.push({ a: r.audit, events: r.events.length, first: position + 1 });
      position += r.events.length;
    }
    if (position > head) {
      let first = head + 1;
      const timeMs = records[records.length - 1]?.timeMs ?? Date.now();
      const rows = runsOf(records, scopes).map((run) => {
        const row = { ...run, first, timeMs };
        first += run.count;
        return row;
      });
      for (const chunk of insertRuns.chunks(rows)) await conn.run(chunk.sql, chunk.params);
      await conn.run("UPDATE feed_state SET head = ? WHERE id = 1", [position]);
    }
    await appendAudit(conn, audits);
  }

  async function writeSequenced(conn: SqlConn, r: FeedRecord): Promise<void> {
    const runs = runsOf([r], await groupScopes(conn, [r])).map((run, i) => ({
      run: i + 1,
      company_id: run.companyId,
      count: run.count,
      events: run.events,
    }));
    const audit = r.audit === undefined ? "[]" : auditJson([{ a: r.audit, events: r.events.length }]);
    await conn.run(pendingRecord, [JSON.stringify(runs), audit]);
  }

  return {
    sink: {
      async write(conn: SqlConn, records: readonly FeedRecord[]): Promise<void> {
        const worth = records.filter((r) => r.events.length > 0 || r.audit !== undefined);
        if (worth.length === 0) return;
        if (d.feedPositions === "in-transaction") await writeInTransaction(conn, worth);
        else for (const r of worth) await writeSequenced(conn, r);
      },
    } satisfies CommitSink<FeedRecord>,
    appendAudit: (conn: SqlConn, entries: readonly AuditEntry[]) =>
      appendAudit(
        conn,
        entries.map((a) => ({ a, events: 0 })),
      ),
  };
}

export type FeedWriter = ReturnType<typeof feedWriterFor>;
