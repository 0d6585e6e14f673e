// ClientToken answers (issue 18, migration 007): a create's token row is written with its answer in the create's own
// transaction, so a token names at most one committed create, and a repeat returns that create's answer.
//
// The row goes in after the create has run, in one statement: a token costs a create one round trip. A repeat, or
// the loser of two racing requests, finds the row taken (on PostgreSQL its INSERT waits for the holder's commit),
// rolls its own work back and answers from the row instead (`answerFromToken`).
import { ApiError } from "@sgplane/catalogue";
import type { ClientTokenClaim } from "../port.ts";
import type { SqlConn } from "./driver.ts";

/** Thrown out of a create's transaction when its token already names another live create: roll back, then reply. */
export class ClientTokenTaken {
  constructor(readonly claim: ClientTokenClaim) {}
}

interface TokenRow {
  fingerprint: string;
  action: string;
  answer: string | null;
  created_ms: number | bigint | string;
}

/**
 * Keeps the token with the create's answer; a row past its time to live is taken over. Throws ClientTokenTaken when
 * a live row holds the token.
 */
export async function recordClientToken(conn: SqlConn, claim: ClientTokenClaim, answer: unknown): Promise<void> {
  const { scope, token, fingerprint, action, nowMs, ttlMs } = claim;
  const written = await conn.run(
    `INSERT INTO client_tokens (scope, token, fingerprint, action, answer, created_ms) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (scope, token) DO UPDATE SET fingerprint = excluded.fingerprint, action = excluded.action,
       answer = excluded.answer, created_ms = excluded.created_ms
     WHERE client_tokens.created_ms <= ?`,
    [scope, token, fingerprint, action, JSON.stringify(answer), nowMs, nowMs - ttlMs],
  );
  if (written.changes !== 1) throw new ClientTokenTaken(claim);
}

/**
 * After a create with a token failed or found its token taken: the answer of the live create that holds the token
 * (58304 when that create had other parameters), or undefined when none holds it.
 */
export async function answerFromToken(
  conn: SqlConn,
  claim: ClientTokenClaim,
): Promise<{ answer: unknown } | undefined> {
  const { scope, token, fingerprint, action, nowMs, ttlMs } = claim;
  const row = await conn.get<TokenRow>(
    "SELECT fingerprint, action, answer, created_ms FROM client_tokens WHERE scope = ? AND token = ?",
    [scope, token],
  );
  if (row === undefined || Number(row.created_ms) <= nowMs - ttlMs) return undefined;
  if (row.fingerprint !== fingerprint || row.action !== action || row.answer === null) {
    throw new ApiError("ClientTokenMismatch", { token, action: row.action, ttl: describeTtl(ttlMs) });
  }
  return { answer: JSON.parse(row.answer) };
}

/** Removes tokens past their time to live (retention); returns how many. */
export async function pruneClientTokens(conn: SqlConn, olderThanMs: number): Promise<number> {
  return (await conn.run("DELETE FROM client_tokens WHERE created_ms <= ?", [olderThanMs])).changes;
}

function describeTtl(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}
