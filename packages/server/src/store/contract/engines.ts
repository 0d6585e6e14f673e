// The engines the store contract suite runs against; append a factory here to put a new engine under contract.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../open.ts";
import type { Store } from "../port.ts";
import { createTestDatabase, postgresSkipReason, queryDatabase, type TestDatabase } from "../postgres/test-database.ts";

export interface EngineHandle {
  readonly store: Store;
  /** Closes the store and opens the same database again; undefined where the data cannot outlive the store. */
  readonly reopen: (() => Promise<Store>) | undefined;
  /** A second store on the same database (another server); the caller closes it. Undefined where none can be. */
  readonly openPeer: (() => Promise<Store>) | undefined;
  dispose(): Promise<void>;
}

export interface EngineFactory {
  readonly name: string;
  /** false, or why this engine is skipped here. */
  readonly skip: string | false;
  /** Whether a read may run (on committed data) while a write transaction is still open. */
  readonly concurrentReads: boolean;
  /** Whether one write transaction runs at a time (so a write never loses to another and is never re-run). */
  readonly serialWriters: boolean;
  open(): Promise<EngineHandle>;
  /** Once, after the engine's last test (drops what open() created for the run). */
  teardown?(): Promise<void>;
}

const sqliteMemory: EngineFactory = {
  name: "sqlite :memory:",
  skip: false,
  concurrentReads: false,
  serialWriters: true,
  async open() {
    const store = await openStore("sqlite::memory:");
    return { store, reopen: undefined, openPeer: undefined, dispose: () => store.close() };
  },
};

const sqliteFile: EngineFactory = {
  name: "sqlite file",
  skip: false,
  concurrentReads: true,
  serialWriters: true,
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
      openPeer: () => openStore(url),
      dispose: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

/** Every table migrations create, emptied between tests (one database per run: creating one per test is slow). */
const TABLES =
  "regions, companies, projects, users, user_projects, api_keys, vpcs, resources, secgroups, rules, bindings, " +
  "firewalls, firewall_grants, events, feed_pending, audit";

/** One fresh database per run (created on first use, dropped by teardown), emptied before each test. */
function postgresEngine(skip: string | undefined): EngineFactory {
  let database: Promise<TestDatabase> | undefined;
  return {
    name: "postgres",
    skip: skip ?? false,
    concurrentReads: true,
    serialWriters: false,
    async open() {
      database ??= createTestDatabase("contract");
      const { url } = await database;
      let store = await openStore(url);
      await queryDatabase(url, async (c) => {
        await c.query(`TRUNCATE ${TABLES} RESTART IDENTITY`);
        // The feed starts over with the tables, as in a new database (its id is kept: nothing outlives the test).
        await c.query("UPDATE feed_state SET head = 0, floor = 0 WHERE id = 1");
      });
      return {
        get store() {
          return store;
        },
        reopen: async () => {
          await store.close();
          store = await openStore(url);
          return store;
        },
        openPeer: () => openStore(url),
        dispose: () => store.close(),
      };
    },
    async teardown() {
      const db = await database?.catch(() => undefined);
      await db?.drop();
    },
  };
}

export const ENGINES: readonly EngineFactory[] = [sqliteMemory, sqliteFile, postgresEngine(await postgresSkipReason())];
