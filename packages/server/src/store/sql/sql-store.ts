// The Store port over any SqlDriver: one repository, whichever engine runs it.
import type { ReadTx, Store, WriteTx } from "../port.ts";
import type { SqlDriver } from "./driver.ts";
import { SqlReadTx } from "./read-tx.ts";
import { SecGroupCache } from "./secgroup-cache.ts";
import { SqlWriteTx, type WriteSql, writeSqlFor } from "./write-tx.ts";

export class SqlStore implements Store {
  readonly engine: "sqlite" | "postgres";
  readonly #sql: WriteSql;
  /** Shared by this store's read transactions only. */
  readonly #secGroups = new SecGroupCache();

  constructor(private readonly driver: SqlDriver) {
    this.engine = driver.dialect.engine;
    this.#sql = writeSqlFor(driver.dialect);
  }

  read<T>(fn: (tx: ReadTx) => Promise<T>): Promise<T> {
    return this.driver.read((conn) => fn(new SqlReadTx(conn, this.#secGroups)));
  }

  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.driver.write((conn) => fn(new SqlWriteTx(conn, this.#sql)));
  }

  ping(): Promise<void> {
    return this.driver.ping();
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
