// The Store port over any SqlDriver: one repository, whichever engine runs it.
import type { ClientTokenClaim, DryRunEvent, FeedInfo, ReadTx, Store, WriteMeta, WriteTx } from "../port.ts";
import { claimClientToken, saveClientTokenAnswer } from "./client-tokens.ts";
import type { SqlConn, SqlDriver } from "./driver.ts";
import { FeedCapture, type FeedWriter, feedWriterFor } from "./feed-capture.ts";
import { SqlReadTx } from "./read-tx.ts";
import { SecGroupCache } from "./secgroup-cache.ts";
import { type WriteSql, writeSqlFor } from "./write-sql.ts";
import { SqlWriteTx } from "./write-tx.ts";

export interface SqlStoreOptions {
  /** Record changes as feed events (default true; sgplane serve --feed off turns it off). */
  readonly feed?: boolean;
}

/** Thrown out of a dry run's transaction so the driver rolls it back; carries what it would have answered. */
class RolledBack {
  constructor(
    readonly value: unknown,
    readonly changes: readonly DryRunEvent[],
  ) {}
}

/** fn, unless the token already names a create (its answer, then); the answer is kept with the token. */
async function withClientToken<T>(
  conn: SqlConn,
  claim: ClientTokenClaim | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  if (claim === undefined) return fn();
  const outcome = await claimClientToken(conn, claim);
  if (outcome.kind === "replay") return outcome.answer as T;
  const value = await fn();
  await saveClientTokenAnswer(conn, claim, value);
  return value;
}

export class SqlStore implements Store {
  readonly engine: "sqlite" | "postgres";
  readonly feedEnabled: boolean;
  readonly #sql: WriteSql;
  readonly #feedWriter: FeedWriter;
  /** Shared by this store's read transactions only. */
  readonly #secGroups = new SecGroupCache();

  constructor(
    private readonly driver: SqlDriver,
    options: SqlStoreOptions = {},
  ) {
    this.engine = driver.dialect.engine;
    this.feedEnabled = options.feed ?? true;
    this.#sql = writeSqlFor(driver.dialect);
    this.#feedWriter = feedWriterFor(driver.dialect);
  }

  read<T>(fn: (tx: ReadTx) => Promise<T>): Promise<T> {
    return this.driver.read((conn) => fn(new SqlReadTx(conn, this.#secGroups)));
  }

  async write<T>(fn: (tx: WriteTx) => Promise<T>, meta?: WriteMeta): Promise<T> {
    if (meta?.dryRun !== undefined) return this.#dryRun(fn, meta, meta.dryRun);
    let events = 0;
    const value = await this.driver.write(async (conn) => {
      const capture = new FeedCapture(this.feedEnabled && meta?.internal !== true);
      const tx = new SqlWriteTx(conn, this.#sql, capture, this.#feedWriter, meta);
      const result = await withClientToken(conn, meta?.clientToken, () => fn(tx));
      events = tx.finish();
      return result;
    });
    if (events > 0) this.driver.feed.committed();
    return value;
  }

  /** fn in full, its changes captured (whether or not the feed is on), then the transaction rolled back. */
  async #dryRun<T>(
    fn: (tx: WriteTx) => Promise<T>,
    meta: WriteMeta,
    report: (changes: readonly DryRunEvent[]) => void,
  ): Promise<T> {
    try {
      await this.driver.write(async (conn) => {
        const capture = new FeedCapture(true, true);
        const tx = new SqlWriteTx(conn, this.#sql, capture, this.#feedWriter, { ...meta, internal: true });
        const result = await withClientToken(conn, meta.clientToken, () => fn(tx));
        const changes = capture.drain().map((e) => ({
          type: e.type,
          objectId: e.objectId,
          state: e.object ?? {},
        }));
        throw new RolledBack(result, changes);
      });
    } catch (error) {
      if (!(error instanceof RolledBack)) throw error;
      report(error.changes);
      return error.value as T;
    }
    throw new Error("a dry run's transaction committed");
  }

  readAtFeedHead<T>(fn: (tx: ReadTx, info: FeedInfo) => Promise<T>): Promise<T> {
    return this.driver.feed.readAtHead(async (conn, head) => {
      const tx = new SqlReadTx(conn, this.#secGroups);
      return fn(tx, { ...(await tx.feedInfo()), head });
    });
  }

  onFeedAdvance(listener: () => void): () => void {
    return this.driver.feed.onAdvance(listener);
  }

  feedSettled(): Promise<void> {
    return this.driver.feed.settled();
  }

  ping(): Promise<void> {
    return this.driver.ping();
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
