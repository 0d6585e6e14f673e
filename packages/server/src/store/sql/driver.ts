// The tiny driver interface the one SQL repository is written against (SQLite now, PostgreSQL later).

/** Booleans are passed as 0/1 and arrays as JSON text: the common ground of both engines' drivers. */
export type SqlValue = string | number | bigint | null;

/** Tables whose rows writers may lock (PostgreSQL `SELECT … FOR UPDATE`). */
export type LockableTable = "resources" | "secgroups";

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
  | "bindings";

/**
 * One connection inside one transaction. SQL uses `?` placeholders; a PostgreSQL driver rewrites
 * them to `$n`. Counts may come back as strings or bigints from some drivers: callers use Number().
 */
export interface SqlConn {
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /** Several statements, no parameters (migrations). */
  exec(script: string): Promise<void>;
  /** Serialise concurrent writers on these rows; ids arrive sorted. A no-op where writers are already serial. */
  lockRows(table: LockableTable, ids: readonly string[]): Promise<void>;
}

/** The few SQL fragments that differ between engines. */
export interface SqlDialect {
  readonly engine: "sqlite" | "postgres";
  /** An SQL expression giving the next creation-order number of a table. */
  nextSeq(table: SeqTable): string;
}

/**
 * An engine behind the repository. Notes for the PostgreSQL driver still to come: rewrite `?` to `$n`; `read` is a
 * REPEATABLE READ READ ONLY transaction, `write` READ COMMITTED plus the row locks below (or SERIALIZABLE with
 * retry); `nextSeq` is `nextval(pg_get_serial_sequence('<table>', 'seq'))`; `lockRows` is
 * `SELECT 1 FROM <table> WHERE <id> = ANY($1) ORDER BY <id> FOR UPDATE`; map SQLSTATE 23505/23503/23514/23502 to
 * StoreError kinds; hold an advisory lock while migrating. A failed statement aborts a PostgreSQL transaction,
 * so the repository never catches a database error to carry on.
 */
export interface SqlDriver {
  readonly dialect: SqlDialect;
  /** A consistent snapshot of committed data. */
  read<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T>;
  /** One transaction; committed when fn resolves, rolled back when it throws. */
  write<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  /** Waits for transactions in flight, then closes. */
  close(): Promise<void>;
}
