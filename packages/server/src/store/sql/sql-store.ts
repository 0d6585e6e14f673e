// The Store port over any SqlDriver: one repository, whichever engine runs it.

import { ApiError } from "@sgplane/catalogue";
import type { ClientTokenClaim, DryRunEvent, FeedInfo, ReadTx, Store, WriteMeta, WriteTx } from "../port.ts";
import { answerFromToken, ClientTokenTaken, recordClientToken } from "./client-tokens.ts";
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

/** Thrown out of a dry run's transaction so the driver rolls it back; carries what it would have answered. */
class RolledBack {
  constructor(
    readonly value: unknown,
    readonly changes: readonly DryRunEvent[],
  ) {}
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
    const claim = meta?.clientToken;
    let events = 0;
    try {
      const value = await this.driver.write(async (conn) => {
        const capture = new FeedCapture(this.feedEnabled && meta?.internal !== true);
        const tx = new SqlWriteTx(conn, this.#sql, capture, this.#feedWriter, meta);
        const result = await fn(tx);
        if (claim !== undefined) await recordClientToken(conn, claim, result);
        events = tx.finish();
        return result;
      });
      if (events > 0) this.driver.feed.committed();
      return value;
    } catch (error) {
      if (claim === undefined) throw error;
      return this.#answerOfToken(claim, error);
    }
  }

  /**
   * A create with a token that failed, or found its token taken, answers as the create holding the token did: a
   * repeat after a lost reply may meet a state its first run made (a quota now full, an id now taken).
   */
  async #answerOfToken<T>(claim: ClientTokenClaim, error: unknown): Promise<T> {
    const stored = await this.driver.read((conn) => answerFromToken(conn, claim));
    if (stored !== undefined) return stored.answer as T;
    // The holder's row expired or was pruned between our INSERT and this read: a retry starts afresh.
    if (error instanceof ClientTokenTaken)
      throw new ApiError("TransactionConflict", { scope: `ClientToken ${claim.token}` });
    throw error;
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
        const result = await fn(tx);
        if (meta.clientToken !== undefined) await recordClientToken(conn, meta.clientToken, result);
        const changes = capture.drain().map((e) => ({
          type: e.type,
          objectId: e.objectId,
          state: e.object ?? {},
        }));
        throw new RolledBack(result, changes);
      });
    } catch (error) {
      if (error instanceof RolledBack) {
        report(error.changes);
        return error.value as T;
      }
      if (meta.clientToken === undefined) throw error;
      // What the real call would answer: the create that holds the token, which changes nothing.
      const answer = await this.#answerOfToken<T>(meta.clientToken, error);
      report([]);
      return answer;
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
