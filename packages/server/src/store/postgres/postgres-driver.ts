// SqlDriver over PostgreSQL (`pg`): a connection pool; READ COMMITTED writers serialised by row locks, retried on conflict.
import { Client, DatabaseError, Pool, type PoolClient, type PoolConfig, type QueryResult } from "pg";
import { StoreError, type StoreErrorKind } from "../errors.ts";
import {
  type CommitSink,
  type FeedPlumbing,
  flushStaged,
  type LockableTable,
  type SeqTable,
  type SqlConn,
  type SqlDialect,
  type SqlDriver,
  type SqlValue,
  type StagedRows,
  stage,
} from "../sql/driver.ts";
import { IDS } from "../sql/in-list.ts";
import { DEFAULT_RETRY, type RetryPolicy, retryOnConflict } from "../sql/retry.ts";
import { PostgresFeed } from "./postgres-feed.ts";
import { statementFor } from "./statements.ts";

export const postgresDialect: SqlDialect = {
  engine: "postgres",
  // A sequence, not MAX + 1: concurrent writers never draw the same number (a rolled-back draw leaves a gap).
  nextSeq: (table: SeqTable) => `nextval(pg_get_serial_sequence('${table}', 'seq'))`,
  // Migration 004: the function locks, then counts; VARIADIC takes the `(?, ?, …)` list as its arguments.
  lockedGroupLoads: `SELECT group_id AS secgroup_id, bound AS n FROM sgplane_lock_group_loads${IDS}`,
  groupLoad: "(SELECT COUNT(*) FROM bindings b WHERE b.secgroup_id = secgroups.secgroup_id)",
  // KEY SHARE: the lock a foreign-key check takes. It conflicts only with FOR UPDATE (lockRows' "delete").
  pinRowsInIdOrder: (idColumn: string) => `ORDER BY ${idColumn} COLLATE "C" FOR KEY SHARE`,
  // Concurrent writers: positions are given after commit, by sgplane_sequence_feed (migration 005).
  feedPositions: "sequenced",
};

const KINDS: Readonly<Record<string, StoreErrorKind>> = {
  "23505": "unique",
  "23503": "foreign-key",
  "23514": "check",
  "23502": "not-null",
  // Lost to a concurrent transaction: serialization failure, deadlock, lock wait past lock_timeout.
  "40001": "conflict",
  "40P01": "conflict",
  "55P03": "conflict",
};

function translate(e: unknown): unknown {
  if (e instanceof DatabaseError && e.code !== undefined) {
    // Class 22 (a value the column type refuses, e.g. eip that is not JSON) is SQLite STRICT's DATATYPE: "check".
    const kind = KINDS[e.code] ?? (e.code.startsWith("22") ? "check" : undefined);
    if (kind !== undefined) return new StoreError(kind, e.message, { cause: e });
  }
  return e;
}

/**
 * FOR NO KEY UPDATE, not FOR UPDATE: it excludes every other locker and every UPDATE or DELETE of the row, but not
 * the KEY SHARE locks that foreign-key checks take (and binders take to pin their groups, `pinRowsInIdOrder`), so
 * binding to a group never waits on a writer of its rules or name. Deleting rows needs FOR UPDATE, which does wait
 * for them.
 * ORDER BY sits below the row locking, so rows are locked in id order; COLLATE "C" makes it byte order (JS sort).
 */
const LOCK_KEYS: Readonly<Record<LockableTable, { key: string; type: string }>> = {
  companies: { key: "company_id", type: "integer" },
  secgroups: { key: "secgroup_id", type: "text" },
  resources: { key: "resource_id", type: "text" },
  firewalls: { key: "fw_id", type: "text" },
};

function lockSql(table: LockableTable, purpose: "update" | "delete"): { name: string; text: string } {
  const { key, type } = LOCK_KEYS[table];
  const order = type === "text" ? `${key} COLLATE "C"` : key;
  const strength = purpose === "delete" ? "FOR UPDATE" : "FOR NO KEY UPDATE";
  return {
    name: `sgp_lock_${table}_${purpose}`,
    text: `SELECT 1 FROM ${table} WHERE ${key} = ANY($1::${type}[]) ORDER BY ${order} ${strength}`,
  };
}

const lockStatements = (table: LockableTable) => ({
  update: lockSql(table, "update"),
  delete: lockSql(table, "delete"),
});
const LOCK_SQL: Readonly<Record<LockableTable, ReturnType<typeof lockStatements>>> = {
  companies: lockStatements("companies"),
  secgroups: lockStatements("secgroups"),
  resources: lockStatements("resources"),
  firewalls: lockStatements("firewalls"),
};

/** Advisory lock keys: ("sgpl", n). */
const ADVISORY_CLASS = 0x7367706c;
const ADVISORY = { migrate: 1, "seed-load": 2 } as const;

const BEGIN_WRITE = "BEGIN ISOLATION LEVEL READ COMMITTED";
// One snapshot for the whole read callback; READ ONLY so a read can never take a lock or write.
const BEGIN_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

/** The TransactionConflict scope: what the last run locked (the first few ids), or the database as a whole. */
function describeLocks(locked: readonly string[]): string {
  if (locked.length === 0) return "database";
  const shown = locked.slice(0, 8).join(",");
  return locked.length > 8 ? `${shown},… (${locked.length} rows)` : shown;
}

const param = (v: SqlValue): string | number | null => (typeof v === "bigint" ? v.toString() : v);

/** One pooled connection inside one transaction; unusable once that transaction has ended. */
class TxConn implements SqlConn {
  #open = true;
  /** What this transaction locked, for the TransactionConflict message. */
  readonly locked: string[] = [];
  /** Rows to write before COMMIT (writeAtCommit). */
  readonly staged: StagedRows = new Map();

  /** The last query sent: a connection runs one query at a time, so callers' concurrent queries queue here. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: PoolClient) {}

  /** No more queries; resolves once those already queued have finished (before COMMIT / ROLLBACK). */
  end(): Promise<unknown> {
    this.#open = false;
    return this.#tail;
  }

  #query(config: { name?: string; text: string; values?: unknown[]; rowMode?: "array" }): Promise<QueryResult> {
    if (!this.#open) {
      return Promise.reject(new Error("store transaction already finished (a query outlived its write/read callback)"));
    }
    const result = this.#tail.then(() =>
      this.client.query(config).catch((e: unknown) => {
        throw translate(e);
      }),
    );
    this.#tail = result.catch(() => {});
    return result;
  }

  #run(sql: string, params: readonly SqlValue[], rowMode?: "array"): Promise<QueryResult> {
    const s = statementFor(sql);
    const values = params.map(param);
    const named = s.name === undefined ? {} : { name: s.name };
    return this.#query({ ...named, text: s.text, values, ...(rowMode && { rowMode }) });
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    // The row type is the caller's claim about its own SELECT; rows.ts narrows enums and JSON.
    return (await this.#run(sql, params)).rows as T[];
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.#run(sql, params)).rows[0] as T | undefined;
  }

  async allArrays(sql: string, params: readonly SqlValue[] = []): Promise<unknown[][]> {
    return (await this.#run(sql, params, "array")).rows as unknown[][];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return { changes: (await this.#run(sql, params)).rowCount ?? 0 };
  }

  async exec(script: string): Promise<void> {
    // No parameters: the simple query protocol, which runs a multi-statement script.
    await this.#query({ text: script });
  }

  async lockRows(table: LockableTable, ids: readonly (string | number)[], purpose?: "delete"): Promise<void> {
    if (ids.length === 0) return;
    this.locked.push(...ids.map(String));
    await this.#query({ ...LOCK_SQL[table][purpose ?? "update"], values: [[...ids]] });
  }

  writeAtCommit<R>(sink: CommitSink<R>, row: R): void {
    stage(this.staged, sink as CommitSink<unknown>, row);
  }

  async lockNamed(name: "seed-load"): Promise<void> {
    this.locked.push(name);
    await this.#query({
      name: "sgp_advisory_xact",
      text: "SELECT pg_advisory_xact_lock($1, $2)",
      values: [ADVISORY_CLASS, ADVISORY[name]],
    });
  }
}

export interface PostgresOptions {
  /** Pooled connections per process (each transaction holds one for its whole callback). */
  readonly poolSize: number;
  /** How long a statement may wait for a lock before the transaction counts as lost and is retried. */
  readonly lockTimeoutMs?: number;
  readonly retry?: RetryPolicy;
}

/**
 * Writes: READ COMMITTED. Handlers lock the rows they will decide on (the company, then resources, then groups,
 * each set in id order; store/port.ts) before reading them, and every statement after the lock sees everything
 * committed before it, so read-decide-write runs as if alone on those rows. A conflict (deadlock, lock timeout)
 * rolls the transaction back; it runs again from the start, bounded, jittered (sql/retry.ts).
 *
 * Reads: REPEATABLE READ READ ONLY, one snapshot per callback; they never wait for writers.
 */
export class PostgresDriver implements SqlDriver {
  readonly dialect = postgresDialect;
  readonly feed: FeedPlumbing;
  readonly #pool: Pool;
  readonly #config: PoolConfig;
  readonly #retry: RetryPolicy;
  #closed = false;
  #closing: Promise<void> | undefined;
  #inFlight = 0;
  #drained: (() => void)[] = [];

  constructor(connectionString: string, options: PostgresOptions) {
    this.#config = { connectionString, application_name: "sgplane" };
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#pool = new Pool({
      ...this.#config,
      max: options.poolSize,
      lock_timeout: options.lockTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 15_000,
    });
    // An idle pooled connection that dies (server restart) is dropped by the pool; without a listener, the
    // 'error' event would crash the process. The next transaction simply gets a fresh connection.
    this.#pool.on("error", () => {});
    this.feed = new PostgresFeed({
      pool: this.#pool,
      config: this.#config,
      readWithSnapshot: (snapshot, ready, fn) =>
        this.#track(() => this.#transaction(BEGIN_READ, fn, undefined, { snapshot, ready })),
    });
  }

  read<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    return this.#track(() => this.#transaction(BEGIN_READ, fn));
  }

  write<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    let locked: readonly string[] = [];
    return this.#track(() =>
      retryOnConflict(
        () =>
          this.#transaction(BEGIN_WRITE, fn, (conn) => {
            locked = conn.locked;
          }),
        () => describeLocks(locked),
        this.#retry,
      ),
    );
  }

  async #transaction<T>(
    begin: string,
    fn: (conn: SqlConn) => Promise<T>,
    seen?: (conn: TxConn) => void,
    imported?: { snapshot: string; ready: () => void },
  ): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      try {
        await client.query(begin);
        if (imported !== undefined) {
          // The id is pg_export_snapshot()'s output; a literal is the only form SET TRANSACTION SNAPSHOT takes.
          await client.query(`SET TRANSACTION SNAPSHOT '${imported.snapshot.replace(/'/g, "''")}'`);
          imported.ready();
        }
      } catch (e) {
        broken = e as Error;
        throw translate(e);
      }
      const conn = new TxConn(client);
      seen?.(conn);
      try {
        const result = await fn(conn);
        await flushStaged(conn, conn.staged);
        await conn.end();
        await client.query("COMMIT");
        return result;
      } catch (e) {
        await conn.end();
        try {
          await client.query("ROLLBACK");
        } catch (rollbackError) {
          // The connection is unusable (it died mid-transaction): destroy it rather than return it to the pool.
          broken = rollbackError as Error;
        }
        throw translate(e);
      }
    } finally {
      client.release(broken);
    }
  }

  /** Counts work in flight so close() can wait for it; refuses new work once closing. */
  async #track<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error("store is closed");
    this.#inFlight++;
    try {
      return await work();
    } finally {
      if (--this.#inFlight === 0) for (const resolve of this.#drained.splice(0)) resolve();
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    // A session lock on a connection of its own (outside the pool, so a pool of 1 cannot starve fn): another
    // process starting at the same moment waits here until this one's migrations have committed.
    const client = new Client(this.#config);
    client.on("error", () => {});
    await client.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1, $2)", [ADVISORY_CLASS, ADVISORY.migrate]);
      return await fn();
    } finally {
      // Ending the session releases the lock even if the unlock below fails.
      await client.query("SELECT pg_advisory_unlock($1, $2)", [ADVISORY_CLASS, ADVISORY.migrate]).catch(() => {});
      await client.end().catch(() => {});
    }
  }

  ping(): Promise<void> {
    return this.#track(async () => {
      await this.#pool.query("SELECT 1");
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.feed.close();
      this.#closed = true;
      if (this.#inFlight > 0) await new Promise<void>((resolve) => this.#drained.push(resolve));
      await this.#pool.end();
    })();
    return this.#closing;
  }
}
