// The tiny driver interface the one SQL repository is written against (SQLite and PostgreSQL).

/** Booleans are passed as 0/1 and arrays as JSON text: the common ground of both engines' drivers. */
export type SqlValue = string | number | bigint | null;

/**
 * Tables whose rows writers may lock (PostgreSQL `SELECT … FOR NO KEY UPDATE`; `FOR UPDATE` to delete them). See
 * docs/architecture.md, "Concurrency", for the order writers take them in.
 */
export type LockableTable = "companies" | "secgroups" | "resources" | "firewalls";

/** Tables with a creation-order `seq` column. */
export type SeqTable =
  | "companies"
  | "projects"
  | "users"
  | "api_keys"
  | "vpcs"
  | "resources"
  | "secgroups"
  | "rules"
  | "bindings"
  | "firewalls"
  | "firewall_grants";

/**
 * One connection inside one transaction. SQL uses `?` placeholders; a PostgreSQL driver rewrites
 * them to `$n`. Counts may come back as strings or bigints from some drivers: callers use Number().
 */
export interface SqlConn {
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /**
   * Rows as arrays of column values in SELECT order: no object per row, for reads of hundreds of rows on the hot
   * path (better-sqlite3 spends most of a wide read building row objects). Integers may be strings or bigints.
   */
  allArrays(sql: string, params?: readonly SqlValue[]): Promise<unknown[][]>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /** Several statements, no parameters (migrations). */
  exec(script: string): Promise<void>;
  /**
   * Serialise concurrent writers on these rows; ids arrive sorted. `delete` also waits for, and then shuts out,
   * transactions holding the rows as a foreign key's target (a binding being inserted holds its group so). A no-op
   * where writers are already serial.
   */
  lockRows(table: LockableTable, ids: readonly (string | number)[], purpose?: "delete"): Promise<void>;
  /** Serialise with every other transaction that takes the same named lock, in any process; released at commit. */
  lockNamed(name: "seed-load"): Promise<void>;
  /**
   * Has `row` written by `sink` as the transaction's last statements, after every callback that shares the
   * transaction (SQLite's group commit writes all of a batch's rows in one go). A callback that fails takes its rows
   * with it.
   */
  writeAtCommit<R>(sink: CommitSink<R>, row: R): void;
}

/** Rows a transaction writes last, all at once (the feed's events and audit records: feed-capture.ts). */
export interface CommitSink<R> {
  write(conn: SqlConn, rows: readonly R[]): Promise<void>;
}

/** A sink and the rows staged for it, in the order they were staged. */
export type StagedRows = Map<CommitSink<unknown>, unknown[]>;

export function stage(staged: StagedRows, sink: CommitSink<unknown>, row: unknown): void {
  const rows = staged.get(sink);
  if (rows === undefined) staged.set(sink, [row]);
  else rows.push(row);
}

/** Writes what was staged, sink by sink, in the order the sinks were first used. */
export async function flushStaged(conn: SqlConn, staged: StagedRows): Promise<void> {
  for (const [sink, rows] of staged) await sink.write(conn, rows);
  staged.clear();
}

/** The few SQL fragments that differ between engines. */
export interface SqlDialect {
  readonly engine: "sqlite" | "postgres";
  /**
   * An SQL expression giving the next creation-order number of a table. In an `INSERT … SELECT` of several rows,
   * `ordinal` is an SQL expression for the row's 1-based position, and the rows are selected in that order (an
   * engine drawing from a sequence as it goes may ignore it; one reading MAX(seq) once per statement adds it).
   */
  nextSeq(table: SeqTable, ordinal?: string): string;
  /**
   * A `?` whose value must be of this SQL type where the statement gives it none (a VALUES list in FROM); when
   * absent, `CAST(? AS type)`. A mistyped value must still be refused (StoreError "check"), not converted.
   */
  typedParam?(type: "INTEGER" | "BIGINT"): string;
  /**
   * A query over the ids in `IDS` giving (secgroup_id, n): how many bindings each group has, this transaction's
   * own included, counted under a lock that one transaction at a time takes on a group, held until it ends. A
   * writer that adds bindings runs it after writing them, so two cannot both fill a group's last slot.
   */
  readonly lockedGroupLoads: string;
  /** An SQL expression, in a query `FROM secgroups`, for the row's number of bindings, with no lock taken. */
  readonly groupLoad: string;
  /**
   * The tail of a SELECT of the groups a writer is about to bind, ordering by `idColumn`: the rows cannot be deleted
   * until it ends (a delete in progress is waited for), yet other binders and rule writers go on. Rows are pinned in
   * id order, the order lockRows takes.
   */
  pinRowsInIdOrder(idColumn: string): string;
  /**
   * How events get their positions: inside the writer's transaction (serial writers: the order they commit in), or
   * by a sequencer after commit (concurrent writers: feed_pending, migration 005).
   */
  readonly feedPositions: "in-transaction" | "sequenced";
}

/** How an engine tells readers about new events, and reads at a known feed position. */
export interface FeedPlumbing {
  /** A write that recorded events has committed in this process. */
  committed(): void;
  /**
   * Calls listener whenever events may have become readable (here or, where the engine can tell, elsewhere); for a
   * commit in this process, before the write that made it resolves.
   */
  onAdvance(listener: () => void): () => void;
  /** Resolves once every event committed in this process so far can be read (PostgreSQL: it has its position). */
  settled(): Promise<void>;
  /**
   * A read transaction and the feed head it sees exactly: every event up to head describes a change visible to
   * it, and every change visible to it has its event at or below head.
   */
  readAtHead<T>(fn: (conn: SqlConn, head: number) => Promise<T>): Promise<T>;
  /** Stops what the plumbing runs in the background (before the driver closes). */
  close(): Promise<void>;
}

/**
 * An engine behind the repository: sqlite/sqlite-driver.ts (one serial writer) and postgres/postgres-driver.ts
 * (READ COMMITTED writers serialised by row locks, retried on deadlock). A failed statement aborts a PostgreSQL
 * transaction, so the repository never catches a database error to carry on.
 */
export interface SqlDriver {
  readonly dialect: SqlDialect;
  readonly feed: FeedPlumbing;
  /** A consistent snapshot of committed data. */
  read<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T>;
  /**
   * One transaction; committed when fn resolves, rolled back when it throws. Where the engine can lose a
   * transaction to a concurrent one (StoreError "conflict"), fn may run again from the start, a bounded number of
   * times; when those run out the driver throws ApiError TransactionConflict. fn must therefore keep no state
   * outside the transaction that a second run would get wrong.
   */
  write<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T>;
  /** Runs fn while no other process runs an exclusive section on this database (migrations at start-up). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  /** Waits for transactions in flight, then closes. */
  close(): Promise<void>;
}
