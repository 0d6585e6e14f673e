// A postgres:// URL as the driver's settings: sgplane's own `?pool=N` is taken out, the rest goes to `pg` as is.

export const DEFAULT_POOL_SIZE = 16;
const MAX_POOL_SIZE = 1000;

export interface PostgresUrl {
  /** The URL without sgplane's parameters. */
  readonly connectionString: string;
  readonly poolSize: number;
}

export function parsePostgresUrl(url: string): PostgresUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not echoed: the URL may carry a password.
    throw new Error("database URL: not a valid postgres:// URL");
  }
  const pool = parsed.searchParams.get("pool");
  let poolSize = DEFAULT_POOL_SIZE;
  if (pool !== null) {
    poolSize = /^\d{1,4}$/.test(pool) ? Number(pool) : Number.NaN;
    if (!(poolSize >= 1 && poolSize <= MAX_POOL_SIZE)) {
      throw new Error(
        `database URL: pool must be an integer from 1 to ${MAX_POOL_SIZE} (connections per server), got ${JSON.stringify(pool)}`,
      );
    }
    parsed.searchParams.delete("pool");
  }
  return { connectionString: pool === null ? url : parsed.toString(), poolSize };
}
