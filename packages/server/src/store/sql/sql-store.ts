// The Store port over any SqlDriver: one repository, whichever engine runs it.
import type { FeedInfo, ReadTx, Store, WriteMeta, WriteTx } from "../port.ts";
import type { SqlDriver } from "./driver.ts";
import { FeedCapture, type FeedWriter, feedWriterFor } from "./feed-capture.ts";
import { SqlReadTx } from "./read-tx.ts";
import { SecGroupCache } from "./secgroup-cache.ts";
import { type WriteSql, writeSqlFor } from "./write-sql.ts";
import { SqlWriteTx } from "./write-tx.ts";

export interface SqlStoreOptions {
  /** Record changes as feed events (default true; sgplane serve --feed off turns it off). */
  readonly feed?: boolean;
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
    let events = 0;
    const value = await this.driver.write(async (conn) => {
      const capture = new FeedCapture(this.feedEnabled && meta?.internal !== true);
      const tx = new SqlWriteTx(conn, this.#sql, capture, this.#feedWriter, meta);
      const result = await fn(tx);
      events = tx.finish();
      return result;
    });
    if (events > 0) this.driver.feed.committed();
    return value;
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
