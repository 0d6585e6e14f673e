// The Store port over any SqlDriver: one repository, whichever engine runs it.
import type { ReadTx, Store, WriteTx } from "../port.ts";
import type { SqlDriver } from "./driver.ts";
import { SqlReadTx } from "./read-tx.ts";
import { SqlWriteTx, type WriteSql, writeSqlFor } from "./write-tx.ts";

export class SqlStore implements Store {
  readonly engine: "sqlite" | "postgres";
  readonly #sql: WriteSql;

  constructor(private readonly driver: SqlDriver) {
    this.engine = driver.dialect.engine;
    this.#sql = writeSqlFor(driver.dialect);
  }

  read<T>(fn: (tx: ReadTx) => Promise<T>): Promise<T> {
    return this.driver.read((conn) => fn(new SqlReadTx(conn)));
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
