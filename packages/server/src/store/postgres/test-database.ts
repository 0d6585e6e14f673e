// Test support: throwaway PostgreSQL databases on the server named by SGPLANE_TEST_PG (required when CI=true).
import { randomBytes } from "node:crypto";
import { Client } from "pg";

/** A database on the test server that may be connected to for CREATE / DROP DATABASE. */
export const PG_TEST_URL = process.env.SGPLANE_TEST_PG || "postgres://postgres@127.0.0.1:5432/test";

/** In CI an unreachable PostgreSQL fails the PostgreSQL tests instead of skipping them. */
export const PG_REQUIRED = process.env.CI === "true";

const redacted = (url: string): string => url.replace(/\/\/[^@/]*@/, "//…@");

const withAdmin = <T>(fn: (client: Client) => Promise<T>): Promise<T> => queryDatabase(PG_TEST_URL, fn);

/**
 * Whether PostgreSQL tests run here: undefined when the server answers; otherwise why they are skipped. Under
 * CI=true an unreachable server is not a reason: the result is undefined and the tests themselves fail.
 */
export async function postgresSkipReason(): Promise<string | undefined> {
  try {
    await withAdmin((c) => c.query("SELECT 1"));
    return undefined;
  } catch (e) {
    if (PG_REQUIRED) return undefined;
    return `PostgreSQL at ${redacted(PG_TEST_URL)} is unreachable (${(e as Error).message}); set SGPLANE_TEST_PG to run these (CI=true makes them mandatory)`;
  }
}

export interface TestDatabase {
  /** A postgres:// URL for the new, empty database (query parameters of SGPLANE_TEST_PG kept). */
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** CREATE DATABASE sgplane_test_<random>; drop() removes it, disconnecting whoever is still on it. */
export async function createTestDatabase(label = "test"): Promise<TestDatabase> {
  const name = `sgplane_${label}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  try {
    await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  } catch (e) {
    throw new Error(
      `cannot create a test database on ${redacted(PG_TEST_URL)} (SGPLANE_TEST_PG): ${(e as Error).message}`,
      { cause: e },
    );
  }
  const url = new URL(PG_TEST_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

/** Runs SQL on a test database directly (bypassing the store), e.g. to check invariants. */
export async function queryDatabase<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}
