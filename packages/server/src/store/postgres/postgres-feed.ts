// The feed on PostgreSQL: the sequencer that numbers committed events (migration 005), the LISTEN connection that
// hears every server's batches, and reads at an exact feed position. docs/architecture.md, "The change feed".
import { Client, type ClientConfig, type Pool } from "pg";
import type { FeedPlumbing, SqlConn } from "../sql/driver.ts";
import { FeedSignal } from "../sql/feed-signal.ts";

const CHANNEL = "sgplane_feed";
/** Advisory lock class 'sgpl', key 3: the sequencer's (sgplane_sequence_feed takes it too). */
const SEQUENCER_LOCK = [0x7367706c, 3] as const;
/**
 * Every server sequences after its own commits; this sweep also picks up what a server that died between its
 * commit and its sequencer run left pending, and re-checks after a lost LISTEN connection. It is a safety net:
 * followers are woken by commits and NOTIFY, not by it.
 */
const SWEEP_MS = 1000;
const RECONNECT_MS = 500;
/** Tries of a snapshot's sequencer batch that lost to a concurrent retention prune (serialization failure). */
const SNAPSHOT_ATTEMPTS = 5;

export interface PostgresFeedDeps {
  readonly pool: Pool;
  readonly config: ClientConfig;
  /** A REPEATABLE READ READ ONLY transaction that imports this exported snapshot; ready() once it has. */
  readonly readWithSnapshot: <T>(snapshot: string, ready: () => void, fn: (conn: SqlConn) => Promise<T>) => Promise<T>;
}

export class PostgresFeed implements FeedPlumbing {
  readonly #signal = new FeedSignal();
  #running: Promise<void> | undefined;
  #again = false;
  /** The head this server's sequencer last saw (its own batches or others'). */
  #head = 0;
  /** Commits asked to be sequenced, and how many of them a finished batch covered (batches count requests). */
  #requested = 0;
  #completed = 0;
  #settling: { target: number; resolve: () => void }[] = [];
  #listener: Client | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #reconnect: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(private readonly deps: PostgresFeedDeps) {}

  committed(): void {
    this.#sequence();
    this.#signal.emit();
  }

  /** Resolves after a sequencer batch that began after this process's latest commit (under load, the next one). */
  settled(): Promise<void> {
    const target = this.#requested;
    if (this.#completed >= target) return Promise.resolve();
    return new Promise((resolve) => this.#settling.push({ target, resolve }));
  }

  onAdvance(listener: () => void): () => void {
    this.#start();
    return this.#signal.subscribe(listener);
  }

  /** Runs the sequencer now, or once more right after the run in progress (whose snapshot may predate a commit). */
  #sequence(): void {
    this.#requested++;
    if (this.#closed) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          const covers = this.#requested;
          const { rows } = await this.deps.pool.query<{ head: string }>("SELECT sgplane_sequence_feed() AS head");
          const head = Number(rows[0]?.head ?? 0);
          if (head > this.#head) {
            this.#head = head;
            this.#signal.emit();
          }
          this.#settle(covers);
        } while (this.#again && !this.#closed);
      } catch {
        // The database is away: the next commit, NOTIFY or sweep tries again; readers waiting need not wait for it.
        this.#settle(this.#requested);
      } finally {
        this.#running = undefined;
      }
    })();
  }

  #settle(covered: number): void {
    this.#completed = Math.max(this.#completed, covered);
    const ready = this.#settling.filter((s) => s.target <= this.#completed);
    this.#settling = this.#settling.filter((s) => s.target > this.#completed);
    for (const s of ready) s.resolve();
  }

  #start(): void {
    if (this.#sweep !== undefined || this.#closed) return;
    this.#sweep = setInterval(() => {
      this.#sequence();
      // Also a wake-up: events sequenced while no NOTIFY could reach us (reconnecting) are read now.
      this.#signal.emit();
    }, SWEEP_MS);
    this.#sweep.unref();
    void this.#listen();
    this.#sequence();
  }

  async #listen(): Promise<void> {
    if (this.#closed) return;
    const client = new Client(this.deps.config);
    const retry = () => {
      if (this.#listener === client) this.#listener = undefined;
      client.end().catch(() => {});
      if (this.#closed || this.#reconnect !== undefined) return;
      this.#reconnect = setTimeout(() => {
        this.#reconnect = undefined;
        void this.#listen();
      }, RECONNECT_MS);
      this.#reconnect.unref();
    };
    client.on("error", retry);
    client.on("end", retry);
    client.on("notification", () => this.#signal.emit());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch {
      retry();
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#listener = client;
    // Whatever was announced while we were not listening is read now.
    this.#signal.emit();
  }

  /**
   * Holding the sequencer's lock (session level, on a connection of its own), run one sequencer batch in a
   * REPEATABLE READ transaction and export its snapshot; a pooled transaction imports it, then the batch commits
   * and the lock is released at once. The imported snapshot was taken after every earlier batch committed and
   * before any later one: it sees exactly the changes whose events are at or below the head this batch returned,
   * so the reader gets that head with a snapshot that matches it, without holding up the feed while it reads.
   */
  async readAtHead<T>(fn: (conn: SqlConn, head: number) => Promise<T>): Promise<T> {
    const a = new Client(this.deps.config);
    a.on("error", () => {});
    await a.connect();
    try {
      await a.query("SELECT pg_advisory_lock($1, $2)", [...SEQUENCER_LOCK]);
      let result: Promise<T> | undefined;
      // The batch runs at REPEATABLE READ, so a retention prune committing meanwhile (it updates feed_state and
      // deletes audit rows the batch may update) fails it with a serialization error: then it simply runs again.
      for (let attempt = 1; result === undefined; attempt++) {
        try {
          await a.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
          const { rows } = await a.query<{ head: string; snapshot: string }>(
            "SELECT sgplane_sequence_feed() AS head, pg_export_snapshot() AS snapshot",
          );
          const row = rows[0];
          if (row === undefined) throw new Error("sgplane_sequence_feed returned no row");
          const head = Number(row.head);
          let imported: () => void = () => {};
          const ready = new Promise<void>((resolve) => {
            imported = resolve;
          });
          result = this.deps.readWithSnapshot(row.snapshot, imported, (conn) => fn(conn, head));
          // The snapshot can be imported only while its transaction is open; a failed import rejects result.
          await Promise.race([
            ready,
            result.then(
              () => {},
              () => {},
            ),
          ]);
          await a.query("COMMIT");
        } catch (e) {
          await a.query("ROLLBACK").catch(() => {});
          const code = (e as { code?: string }).code;
          if (result === undefined && code === "40001" && attempt < SNAPSHOT_ATTEMPTS) continue;
          throw e;
        }
      }
      await a.query("SELECT pg_advisory_unlock($1, $2)", [...SEQUENCER_LOCK]).catch(() => {});
      this.#signal.emit();
      return await result;
    } finally {
      await a.end().catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#settle(this.#requested);
    if (this.#sweep !== undefined) clearInterval(this.#sweep);
    if (this.#reconnect !== undefined) clearTimeout(this.#reconnect);
    await this.#running;
    await this.#listener?.end().catch(() => {});
  }
}
