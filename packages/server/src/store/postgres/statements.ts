// The repository's `?` SQL as PostgreSQL statements: `$n` placeholders and a stable prepared-statement name.

/** Distinct statement texts that get a name; beyond this, statements still run, just unprepared (a safety cap). */
const MAX_NAMED = 2000;

export interface PgStatement {
  readonly text: string;
  /** A per-text name for a server-side prepared statement, or undefined past MAX_NAMED. */
  readonly name: string | undefined;
}

const cache = new Map<string, PgStatement>();

/**
 * Rewrites each `?` to `$1`, `$2`, … in order, leaving quoted strings, quoted identifiers and comments alone.
 * (The repository writes no `?` operators: PostgreSQL's jsonb `?` would need `jsonb_exists` here.)
 */
export function toPositional(sql: string): string {
  let out = "";
  let n = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end === -1 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === "?") {
      out += `$${++n}`;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * The statement for a repository SQL text, memoised. Every text the repository sends is a constant (in-list.ts
 * buckets id lists to a few sizes), so a few hundred names cover all of it, and each pooled connection parses and
 * plans each statement once instead of on every call.
 */
export function statementFor(sql: string): PgStatement {
  let s = cache.get(sql);
  if (s === undefined) {
    s = { text: toPositional(sql), name: cache.size < MAX_NAMED ? `sgp_${cache.size + 1}` : undefined };
    cache.set(sql, s);
  }
  return s;
}
