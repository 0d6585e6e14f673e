// SqlDriver over better-sqlite3: WAL, cached prepared statements, serial writes with group commit (never a conflict).
import Database from "better-sqlite3";
import { StoreError, type StoreErrorKind } from "../errors.ts";
import { AsyncMutex } from "../sql/async-mutex.ts";
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
import { FeedSignal } from "../sql/feed-signal.ts";
import { IDS } from "../sql/in-list.ts";

export const sqliteDialect: SqlDialect = {
  engine: "sqlite",
  // Writers are serial, so MAX + 1 (a single index probe on the UNIQUE seq index) cannot race. An INSERT … SELECT
  // that reads its own table computes all its rows before inserting any, so each row adds its position to MAX.
  nextSeq: (table: SeqTable, ordinal?: string) =>
    ordinal === undefined
      ? `(SELECT COALESCE(MAX(seq), 0) + 1 FROM ${table})`
      : `((SELECT COALESCE(MAX(seq), 0) FROM ${table}) + ${ordinal})`,
  // A bare parameter: SQLite's CAST converts (1.5 → 1, 'x' → 0), where its STRICT tables refuse a mistyped value.
  typedParam: () => "?",
  // The count kept by migration 002's triggers: exact inside the one writer's transaction, so no lock is needed.
  lockedGroupLoads: `SELECT secgroup_id, binding_count AS n FROM secgroups WHERE secgroup_id IN ${IDS}`,
  groupLoad: "binding_count",
  pinRowsInIdOrder: (idColumn: string) => `ORDER BY ${idColumn}`,
  // One writer at a time: a position drawn in the transaction is already in commit order.
  feedPositions: "in-transaction",
};

const CONSTRAINT_KINDS: Readonly<Record<string, StoreErrorKind>> = {
  SQLITE_CONSTRAINT_UNIQUE: "unique",
  SQLITE_CONSTRAINT_PRIMARYKEY: "unique",
  SQLITE_CONSTRAINT_FOREIGNKEY: "foreign-key",
  SQLITE_CONSTRAINT_CHECK: "check",
  SQLITE_CONSTRAINT_DATATYPE: "check",
  SQLITE_CONSTRAINT_NOTNULL: "not-null",
};

function translate(e: unknown): unknown {
  if (e instanceof Database.SqliteError) {
    const kind = CONSTRAINT_KINDS[e.code];
    if (kind !== undefined) return new StoreError(kind, e.message, { cause: e });
  }
  return e;
}

/** One database handle and its prepared statements, keyed by SQL text. */
class Connection {
  readonly #statements = new Map<string, Database.Statement<unknown[], unknown>>();
  readonly #arrayStatements = new Map<string, Database.Statement<unknown[], unknown[]>>();
  readonly begin: Database.Statement;
  readonly commit: Database.Statement;
  readonly rollback: Database.Statement;
  // One fixed name serves every callback of a batch: they run one after the other, never nested.
  readonly savepoint: Database.Statement;
  readonly release: Database.Statement;
  readonly rollbackTo: Database.Statement;

  constructor(
    readonly db: Database.Database,
    beginSql: string,
  ) {
    this.begin = db.prepare(beginSql);
    this.commit = db.prepare("COMMIT");
    this.rollback = db.prepare("ROLLBACK");
    this.savepoint = db.prepare("SAVEPOINT w");
    this.release = db.prepare("RELEASE w");
    this.rollbackTo = db.prepare("ROLLBACK TO w");
  }

  statement(sql: string): Database.Statement<unknown[], unknown> {
    let stmt = this.#statements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare<unknown[], unknown>(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  /** The same SQL prepared in raw mode (a statement's mode is a setting of the statement, so a second one). */
  arrayStatement(sql: string): Database.Statement<unknown[], unknown[]> {
    let stmt = this.#arrayStatements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare<unknown[], unknown[]>(sql).raw(true);
      this.#arrayStatements.set(sql, stmt);
    }
    return stmt;
  }
}

/** The connection as one callback sees it; unusable once that callback has ended. */
class TxConn implements SqlConn {
  #open = true;
  /** Rows to write before COMMIT (writeAtCommit); a batch collects those of the callbacks that succeeded. */
  readonly staged: StagedRows = new Map();
  constructor(private readonly c: Connection) {}

  writeAtCommit<R>(sink: CommitSink<R>, row: R): void {
    this.#check();
    stage(this.staged, sink as CommitSink<unknown>, row);
  }

  end(): void {
    this.#open = false;
  }

  #check(): void {
    if (!this.#open) throw new Error("store transaction already finished (a query outlived its write/read callback)");
    // SQLite rolls a whole transaction back on some errors (SQLITE_FULL, IOERR, a trigger's RAISE(ROLLBACK)); a
    // statement after that would run in autocommit mode, outside any transaction (and outside a batch), and stay.
    if (!this.c.db.inTransaction) throw new Error("store transaction was rolled back by SQLite after an error");
  }

  #stmt(sql: string): Database.Statement<unknown[], unknown> {
    this.#check();
    return this.c.statement(sql);
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    try {
      // The row type is the caller's claim about its own SELECT; rows.ts narrows enums and JSON.
      return this.#stmt(sql).all(...params) as T[];
    } catch (e) {
      throw translate(e);
    }
  }

  async allArrays(sql: string, params: readonly SqlValue[] = []): Promise<unknown[][]> {
    this.#check();
    try {
      return this.c.arrayStatement(sql).all(...params) as unknown[][];
    } catch (e) {
      throw translate(e);
    }
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    try {
      return this.#stmt(sql).get(...params) as T | undefined;
    } catch (e) {
      throw translate(e);
    }
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    try {
      return { changes: this.#stmt(sql).run(...params).changes };
    } catch (e) {
      throw translate(e);
    }
  }

  async exec(script: string): Promise<void> {
    this.#check();
    try {
      this.c.db.exec(script);
    } catch (e) {
      throw translate(e);
    }
  }

  async lockRows(_table: LockableTable, _ids: readonly (string | number)[], _purpose?: "delete"): Promise<void> {
    // Nothing to do: one callback at a time on the writer plus BEGIN IMMEDIATE already make every writer exclusive.
  }

  async lockNamed(_name: "seed-load"): Promise<void> {
    // Likewise: a write callback already excludes every other writer, in this process and others.
  }
}

/** A write callback waiting for the writer, and its caller's promise. */
interface WriteJob {
  /** Runs the callback; resolves to what acknowledges its caller, to be called only once its changes committed. */
  run(conn: SqlConn): Promise<() => void>;
  fail(error: unknown): void;
}

/**
 * By default at most this many callbacks share one transaction, and no callback joins a batch that has already
 * run for MAX_BATCH_MS (checked before each callback). A batch holds SQLite's write lock (other processes wait) and
 * acknowledges its first caller only after its last callback, so it must stay short: 5 ms (~100–200 typical
 * mutations) bounds the delay added to the first request's reply (and a slow callback, e.g. a seed load, ends its
 * batch rather than delaying others' replies). The count cap is set above what one turn usually reads, because
 * splitting a turn's writes makes the rest wait a turn more: at 100 connections the mutating loop measured p50
 * 8.5 → 6.5 ms and +6–13 % req/s with 256 instead of 64 (docs/performance.md).
 */
export const MAX_BATCH = 256;
const MAX_BATCH_MS = 5;

export interface SqliteOptions {
  /** How long a statement waits for another process's lock (default 5000). */
  readonly busyTimeoutMs?: number;
  /** Told, after each write transaction commits, how many write callbacks it carried (statistics, tests). */
  readonly onCommit?: (writes: number) => void;
  /** Group-commit caps: callbacks per transaction (default MAX_BATCH; 1 turns batching off) and milliseconds. */
  readonly maxBatchWrites?: number;
  readonly maxBatchMs?: number;
}

/**
 * Writes: one writer connection, one write callback running at a time (a callback awaits between statements, so
 * two running at once would interleave inside one SQLite transaction), and BEGIN IMMEDIATE takes SQLite's write
 * lock up front, so another process on the same file waits (busy_timeout) instead of failing at the first write.
 *
 * Group commit: callbacks queue; whenever the writer is free, everything queued by then (up to the caps)
 * runs as one batch in ONE transaction — `BEGIN IMMEDIATE`, then per callback in FIFO order `SAVEPOINT w`, the
 * callback on its own TxConn, and `RELEASE w` (or, if it threw, `ROLLBACK TO w; RELEASE w`, undoing just its
 * changes), then one `COMMIT`. A lone callback runs in a plain BEGIN … COMMIT. A batch starts at the end of the
 * event-loop turn in which its first write arrived (setImmediate), so the writes of all requests read in that turn
 * join it; no write waits for a timer or for more work to arrive, and one that arrives during a batch goes into
 * the next one. This keeps the port's promise (a write
 * resolved is a transaction committed, a write rejected changed nothing) because: callbacks still run one at a
 * time, each seeing every earlier one's changes, so the batch equals running them serially; each callback's
 * savepoint makes it all-or-nothing on its own; and no caller is answered — resolved or rejected — before the
 * COMMIT succeeded. If the batch's transaction is lost instead (COMMIT fails, e.g. a deferred constraint, or
 * SQLite rolled the whole transaction back after SQLITE_FULL/IOERR/a trigger's RAISE(ROLLBACK)), nothing in it
 * committed and every outcome was decided on state that never existed: each callback runs again alone, in its own
 * transaction, and reports that run (the SqlDriver contract allows a re-run) — except the one whose own error
 * ended the transaction, which gets that error.
 *
 * Reads on a file: a separate read-only connection, so a read never sees a write callback's uncommitted rows
 * and never waits for a writer (WAL). Its BEGIN … COMMIT pins one snapshot for the whole callback; because the
 * callbacks on that one connection must not interleave either, reads take their own mutex (they are short).
 *
 * Reads of `:memory:`: a second connection would open a different, empty database, so reads share the writer
 * connection and its mutex (each batch holds it throughout): a read then runs strictly between write transactions.
 * (Never call store.read from inside a store.write callback there: it would wait for itself.)
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = sqliteDialect;
  readonly feed: FeedPlumbing;
  readonly #writer: Connection;
  readonly #reader: Connection;
  readonly #writeLock = new AsyncMutex();
  readonly #readLock: AsyncMutex;
  readonly #onCommit: ((writes: number) => void) | undefined;
  readonly #maxBatchWrites: number;
  readonly #maxBatchMs: number;
  readonly #queue: WriteJob[] = [];
  #batchScheduled = false;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(writer: Connection, reader: Connection | undefined, options: SqliteOptions) {
    this.#writer = writer;
    this.#reader = reader ?? writer;
    this.#readLock = reader === undefined ? this.#writeLock : new AsyncMutex();
    this.#onCommit = options.onCommit;
    this.#maxBatchWrites = Math.max(1, options.maxBatchWrites ?? MAX_BATCH);
    this.#maxBatchMs = options.maxBatchMs ?? MAX_BATCH_MS;
    this.feed = sqliteFeed(this);
  }

  /** Opens (creating if missing) a database file, or `:memory:`. */
  static open(path: string, options: SqliteOptions = {}): SqliteDriver {
    const timeout = options.busyTimeoutMs ?? 5000;
    const writerDb = new Database(path, { timeout });
    try {
      // Small pages for small rows: a bind/unbind dirties ~5 index pages, and on this kind of disk the WAL bytes
      // written per commit dominate (measured: 1 KiB pages ≈1.5× the write tx/s of 4 KiB at 1M bindings, reads
      // unchanged). Takes effect only when the file is created; an existing database keeps its page size.
      writerDb.pragma("page_size = 1024");
      writerDb.pragma("journal_mode = WAL");
      // NORMAL in WAL mode: a crash cannot corrupt the file; only the last commits before a power loss may roll back.
      writerDb.pragma("synchronous = NORMAL");
      // Checkpoint (the only fsyncs under NORMAL) every 4 MiB of WAL rather than every 1,000 pages.
      writerDb.pragma("wal_autocheckpoint = 4096");
      // Page cache: 32 MiB for the reader, which serves most requests (at 1M bindings the mixed bench ran ~5 %
      // faster than with 16 MiB), 16 MiB for the writer, whose transactions touch few pages: RSS stays well under
      // 200 MB at 1M bindings (with 32 MiB each it reached 181–206 MB).
      writerDb.pragma("cache_size = -16384");
      writerDb.pragma("foreign_keys = ON");
      const writer = new Connection(writerDb, "BEGIN IMMEDIATE");
      if (path === ":memory:") return new SqliteDriver(writer, undefined, options);
      const readerDb = new Database(path, { timeout, readonly: true });
      readerDb.pragma("cache_size = -32768");
      return new SqliteDriver(writer, new Connection(readerDb, "BEGIN"), options);
    } catch (e) {
      writerDb.close();
      throw e;
    }
  }

  read<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    return this.#readLock.run(() => this.#transaction(this.#reader, fn));
  }

  write<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(new Error("store is closed"));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        run: async (conn) => {
          const value = await fn(conn);
          return () => resolve(value);
        },
        fail: reject,
      });
      this.#scheduleBatch();
    });
  }

  /** Queues one batch on the write lock unless one is already waiting there (it will take these jobs too). */
  #scheduleBatch(): void {
    if (this.#batchScheduled || this.#queue.length === 0) return;
    this.#batchScheduled = true;
    void this.#writeLock.run(async () => {
      // Over HTTP each request runs to its write within the socket's I/O callback, so without this every batch would
      // hold one write: the writer waits until the end of the current event-loop turn (setImmediate: the check
      // phase, right after I/O — no timer), and the writes of every request read in this turn share the commit.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.#batchScheduled = false;
      try {
        await this.#runBatch(this.#queue.splice(0, this.#maxBatchWrites));
      } finally {
        // Jobs left over by the caps; behind whatever queued on the lock meanwhile (a :memory: read).
        this.#scheduleBatch();
      }
    });
  }

  /** Runs jobs in one transaction and settles every one of them; never rejects. */
  async #runBatch(jobs: readonly WriteJob[]): Promise<void> {
    const [first] = jobs;
    if (first === undefined) return;
    // Alone: the transaction is the callback's own, so no savepoint (measured ~0.5–1 µs; the pre-batching path).
    if (jobs.length === 1) return this.#runAlone(first);
    const w = this.#writer;
    try {
      if (this.#closed) throw new Error("store is closed");
      w.begin.run();
    } catch (e) {
      // Nothing ran (e.g. another process held the write lock past busy_timeout): the same answer as alone.
      for (const job of jobs) job.fail(e);
      return;
    }
    const acks: (() => void)[] = [];
    // The rows the callbacks that succeeded asked to have written last: all of them in one go, before COMMIT.
    const staged: StagedRows = new Map();
    const startedAt = performance.now();
    let ran = 0;
    for (; ran < jobs.length; ran++) {
      if (ran > 0 && performance.now() - startedAt > this.#maxBatchMs) break;
      const job = jobs[ran] as WriteJob;
      try {
        w.savepoint.run();
      } catch {
        return this.#abandon(jobs, undefined);
      }
      const conn = new TxConn(w);
      let ack: () => void;
      try {
        ack = await job.run(conn);
      } catch (e) {
        conn.end();
        // SQLite dropped the whole transaction on this callback's error: it keeps that error, the rest run again.
        if (!w.db.inTransaction) return this.#abandon(jobs, { job, error: e });
        try {
          w.rollbackTo.run();
          w.release.run();
        } catch {
          return this.#abandon(jobs, { job, error: e });
        }
        acks.push(() => job.fail(e));
        continue;
      }
      conn.end();
      // Lost all the same when the callback caught an error that made SQLite roll back, and carried on.
      if (!w.db.inTransaction) return this.#abandon(jobs, undefined);
      try {
        w.release.run();
      } catch {
        return this.#abandon(jobs, undefined);
      }
      for (const [sink, rows] of conn.staged) for (const row of rows) stage(staged, sink, row);
      acks.push(ack);
    }
    // Cut short by the time cap: the rest go first in the next batch.
    this.#queue.unshift(...jobs.slice(ran));
    try {
      const last = new TxConn(w);
      await flushStaged(last, staged);
      last.end();
      if (!w.db.inTransaction) throw new Error("store transaction was rolled back by SQLite after an error");
      w.commit.run();
    } catch {
      return this.#abandon(jobs.slice(0, ran), undefined);
    }
    for (const ack of acks) ack();
    this.#onCommit?.(ran);
  }

  /**
   * The batch's transaction is lost, so none of it committed: roll back what is left of it, then run each job
   * again in a transaction of its own — except `aborter`, whose own error ended the transaction.
   */
  async #abandon(jobs: readonly WriteJob[], aborter: { job: WriteJob; error: unknown } | undefined): Promise<void> {
    try {
      if (this.#writer.db.inTransaction) this.#writer.rollback.run();
    } catch {
      // A failed ROLLBACK leaves SQLite's own rollback (or the next BEGIN's failure) to answer.
    }
    for (const job of jobs) {
      if (job === aborter?.job) job.fail(aborter.error);
      else await this.#runAlone(job);
    }
  }

  /** One job in a transaction of its own. */
  async #runAlone(job: WriteJob): Promise<void> {
    let ack: () => void;
    try {
      ack = await this.#transaction(this.#writer, (conn) => job.run(conn));
    } catch (e) {
      job.fail(e);
      return;
    }
    ack();
    this.#onCommit?.(1);
  }

  async #transaction<T>(c: Connection, fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error("store is closed");
    c.begin.run();
    const conn = new TxConn(c);
    let result: T;
    try {
      result = await fn(conn);
      await flushStaged(conn, conn.staged);
    } catch (e) {
      conn.end();
      if (c.db.inTransaction) c.rollback.run();
      throw e;
    }
    conn.end();
    if (!c.db.inTransaction) {
      // SQLite rolled the transaction back after an error the callback caught and did not rethrow.
      throw new Error("store transaction was rolled back by SQLite after an error");
    }
    try {
      c.commit.run();
    } catch (e) {
      // E.g. a deferred foreign key still violated: COMMIT refuses and leaves the transaction open.
      if (c.db.inTransaction) c.rollback.run();
      throw translate(e);
    }
    return result;
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    // Each migration's check-and-apply is one BEGIN IMMEDIATE transaction, which already excludes other processes.
    return fn();
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new Error("store is closed");
    // Outside the mutex on purpose: a bare SELECT is harmless beside an open read snapshot and must not queue.
    this.#reader.statement("SELECT 1").get();
  }

  close(): Promise<void> {
    // Writes already queued finish first; any called after this find the store closed.
    this.#closing ??= this.#writeLock.run(async () => {
      // Batches already on the lock ran before this; what the caps left over runs now.
      while (this.#queue.length > 0) await this.#runBatch(this.#queue.splice(0, this.#maxBatchWrites));
      const drain = async (): Promise<void> => {
        this.#closed = true;
        if (this.#reader !== this.#writer) this.#reader.db.close();
        this.#writer.db.close();
      };
      return this.#readLock === this.#writeLock ? drain() : this.#readLock.run(drain);
    });
    return this.#closing;
  }
}

/**
 * Positions are drawn inside the serial writers' transactions, so a commit is all there is to announce, and any
 * read transaction sees a complete prefix of the feed. Another process writing the same file is not heard here: its
 * events are read at this process's next wake-up (feed/hub.ts also checks the head every second).
 */
function sqliteFeed(driver: SqliteDriver): FeedPlumbing {
  const signal = new FeedSignal();
  return {
    committed: () => signal.emit(),
    onAdvance: (listener) => signal.subscribe(listener),
    settled: async () => {},
    readAtHead: (fn) =>
      driver.read(async (conn) => {
        const row = await conn.get<{ head: number | bigint }>("SELECT head FROM feed_state WHERE id = 1");
        return fn(conn, Number(row?.head ?? 0));
      }),
    close: async () => {},
  };
}
