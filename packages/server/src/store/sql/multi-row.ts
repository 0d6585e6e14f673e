// Multi-row inserts: `INSERT INTO t (…) SELECT … FROM (VALUES (?, …, 1), (?, …, 2), …) AS v ORDER BY <position>`.
//
// Why this shape: the VALUES tuples hold bare parameters (plus the row's position), and whatever a row computes
// (a group's VPC, a creation-order number) is written once, in the SELECT list, over v's columns. Subqueries
// inside a multi-row `INSERT … VALUES` cost SQLite time that grows with the row count (measured: ~27 µs a row at
// 512 rows, against ~1 µs here and ~3 µs for one row per statement), and PostgreSQL plans one per tuple (~2× the
// time of this shape at 512 rows). ORDER BY the position makes the rows arrive in the caller's order, so numbers
// drawn as they arrive (PostgreSQL's nextval, evaluated after the sort) follow it.
//
// Rows go in statements of a few power-of-two sizes, so an insert has at most ~10 SQL texts however many rows
// (PostgreSQL prepares a named statement per text; in-list.ts does the same for IN lists).
import type { SqlDialect, SqlValue } from "./driver.ts";

/** Rows per statement at most (a power of two): few round trips, few shapes, texts of tens of KiB. */
const MAX_ROWS = 512;
/** SQLite's default limit on parameters per statement (PostgreSQL's is 65,535). */
const MAX_PARAMS = 32_766;

const floorPow2 = (n: number): number => {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
};

/** The SQL type of a parameter; TEXT needs no cast on either engine (an untyped value is text). */
export type ParamType = "TEXT" | "INTEGER" | "BIGINT";

/** The i-th (1-based) column of the VALUES list, for a spec's SELECT list. */
export const col = (i: number): string => `v.column${i}`;

/** Columns 1..n of the VALUES list. */
export const cols = (n: number): string => Array.from({ length: n }, (_, i) => col(i + 1)).join(", ");

export interface ValuesInsertSpec<T> {
  /** `INSERT INTO t (…)`. */
  readonly into: string;
  /** The type of each parameter of a row: row values are v.column1, v.column2, … in this order. */
  readonly types: readonly ParamType[];
  /** The SELECT list building a table row from v's columns; `ordinal` is the row's 1-based position. */
  readonly select: (ordinal: string) => string;
  /** A join after the VALUES list (`LEFT JOIN t ON … v.column3`), for columns the SELECT list looks up. */
  readonly join?: string;
  /** What follows (an ON CONFLICT clause), if anything. */
  readonly tail?: string;
  readonly params: (row: T) => readonly SqlValue[];
  /** Rows with one key never share a statement: an upsert may not touch one row twice in one statement. */
  readonly key?: (row: T) => string;
}

export interface ValuesChunk<T> {
  readonly sql: string;
  readonly params: SqlValue[];
  /** The rows this statement writes, in order. */
  readonly rows: readonly T[];
}

export class ValuesInsert<T> {
  readonly #texts = new Map<number, string>();
  readonly #maxRows: number;
  readonly #tuple: (i: number) => string;
  readonly #ordinal: string;

  constructor(
    dialect: SqlDialect,
    private readonly spec: ValuesInsertSpec<T>,
  ) {
    this.#maxRows = Math.min(MAX_ROWS, floorPow2(Math.floor(MAX_PARAMS / Math.max(1, spec.types.length))));
    const marks = spec.types
      .map((t) => (t === "TEXT" ? "?" : (dialect.typedParam?.(t) ?? `CAST(? AS ${t})`)))
      .join(", ");
    this.#tuple = (i) => `(${marks}, ${i + 1})`;
    this.#ordinal = col(spec.types.length + 1);
  }

  /** The statement for n rows (memoised: the same string object each time, a cheap statement-cache key). */
  sql(n: number): string {
    let text = this.#texts.get(n);
    if (text === undefined) {
      const tuples = Array.from({ length: n }, (_, i) => this.#tuple(i)).join(",\n  ");
      // WHERE true: SQLite could otherwise read an upsert's ON CONFLICT as a join's ON.
      text = `${this.spec.into}
SELECT ${this.spec.select(this.#ordinal)}
FROM (VALUES
  ${tuples}) AS v${this.spec.join === undefined ? "" : ` ${this.spec.join}`}
WHERE true ORDER BY ${this.#ordinal}${this.spec.tail === undefined ? "" : `\n${this.spec.tail}`}`;
      this.#texts.set(n, text);
    }
    return text;
  }

  /** The rows as statements, in order: each of a power-of-two size (largest first), at most MAX_ROWS. */
  chunks(rows: readonly T[]): ValuesChunk<T>[] {
    const out: ValuesChunk<T>[] = [];
    const width = this.spec.types.length;
    for (const segment of this.#segments(rows)) {
      for (let i = 0; i < segment.length; ) {
        const n = floorPow2(Math.min(this.#maxRows, segment.length - i));
        // Filled in a loop: slice and flatMap cost about a microsecond a row here, on the hot path of every write.
        const params: SqlValue[] = new Array(n * width);
        for (let r = 0; r < n; r++) {
          const values = this.spec.params(segment[i + r] as T);
          if (values.length !== width) throw new Error(`${this.spec.into}: parameter count`);
          for (let c = 0; c < width; c++) params[r * width + c] = values[c] as SqlValue;
        }
        out.push({ sql: this.sql(n), params, rows: n === segment.length ? segment : segment.slice(i, i + n) });
        i += n;
      }
    }
    return out;
  }

  /** Consecutive runs of rows without a repeated key (one run when there is no key). */
  #segments(rows: readonly T[]): (readonly T[])[] {
    const key = this.spec.key;
    if (key === undefined || rows.length === 1) return [rows];
    const segments: T[][] = [];
    let current: T[] = [];
    let seen = new Set<string>();
    for (const row of rows) {
      const k = key(row);
      if (seen.has(k)) {
        segments.push(current);
        current = [];
        seen = new Set();
      }
      seen.add(k);
      current.push(row);
    }
    if (current.length > 0) segments.push(current);
    return segments;
  }
}
