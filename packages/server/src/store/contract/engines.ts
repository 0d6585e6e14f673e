// The engines the store contract suite runs against; append a factory here to put a new engine under contract.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../open.ts";
import type { Store } from "../port.ts";

export interface EngineHandle {
  readonly store: Store;
  /** Closes the store and opens the same database again; undefined where the data cannot outlive the store. */
  readonly reopen: (() => Promise<Store>) | undefined;
  dispose(): Promise<void>;
}

export interface EngineFactory {
  readonly name: string;
  /** false, or why this engine is skipped here. */
  readonly skip: string | false;
  /** Whether a read may run (on committed data) while a write transaction is still open. */
  readonly concurrentReads: boolean;
  open(): Promise<EngineHandle>;
}

const sqliteMemory: EngineFactory = {
  name: "sqlite :memory:",
  skip: false,
  concurrentReads: false,
  async open() {
    const store = await openStore("sqlite::memory:");
    return { store, reopen: undefined, dispose: () => store.close() };
  },
};

const sqliteFile: EngineFactory = {
  name: "sqlite file",
  skip: false,
  concurrentReads: true,
  async open() {
    const dir = await mkdtemp(join(tmpdir(), "sgplane-store-"));
    // A directory that does not exist yet: openStore must create it.
    const url = `sqlite:${join(dir, "nested", "sgplane.db")}`;
    let store = await openStore(url);
    return {
      get store() {
        return store;
      },
      reopen: async () => {
        await store.close();
        store = await openStore(url);
        return store;
      },
      dispose: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: EngineFactory = {
  name: "postgres",
  skip: "no PostgreSQL driver yet: add store/postgres/, then run when SGPLANE_TEST_PG=postgres://… is set",
  concurrentReads: true,
  open() {
    return Promise.reject(new Error("not implemented"));
  },
};

export const ENGINES: readonly EngineFactory[] = [sqliteMemory, sqliteFile, postgres];
