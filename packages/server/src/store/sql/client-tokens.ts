// ClientToken answers (issue 18, migration 007): a create's token is claimed in the create's own transaction, so a
// token names at most one committed create, and a repeat reads that create's answer instead of running again.
import { ApiError } from "@sgplane/catalogue";
import type { ClientTokenClaim } from "../port.ts";
import type { SqlConn } from "./driver.ts";

export type TokenOutcome = { readonly kind: "owned" } | { readonly kind: "replay"; readonly answer: unknown };

interface TokenRow {
  fingerprint: string;
  action: string;
  answer: string | null;
  created_ms: number | bigint | string;
}

/**
 * Claims the token for this transaction, or finds the answer of the create that holds it. A concurrent holder's
 * INSERT makes ours wait (PostgreSQL) until it commits, after which its row is read; SQLite writers are serial. A row
 * older than the time to live is taken over.
 */
export async function claimClientToken(conn: SqlConn, claim: ClientTokenClaim): Promise<TokenOutcome> {
  const { scope, token, fingerprint, action, nowMs, ttlMs } = claim;
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await conn.run(
      `INSERT INTO client_tokens (scope, token, fingerprint, action, answer, created_ms) VALUES (?, ?, ?, ?, NULL, ?)
       ON CONFLICT (scope, token) DO NOTHING`,
      [scope, token, fingerprint, action, nowMs],
    );
    if (inserted.changes === 1) return { kind: "owned" };
    const row = await conn.get<TokenRow>(
      "SELECT fingerprint, action, answer, created_ms FROM client_tokens WHERE scope = ? AND token = ?",
      [scope, token],
    );
    if (row === undefined) continue; // Removed by retention meanwhile: claim it again.
    const createdMs = Number(row.created_ms);
    if (createdMs <= nowMs - ttlMs) {
      // Expired: the next request with the token starts afresh (only one of two racing ones wins the row).
      const taken = await conn.run(
        `UPDATE client_tokens SET fingerprint = ?, action = ?, answer = NULL, created_ms = ?
         WHERE scope = ? AND token = ? AND created_ms = ?`,
        [fingerprint, action, nowMs, scope, token, createdMs],
      );
      if (taken.changes === 1) return { kind: "owned" };
      continue;
    }
    if (row.fingerprint !== fingerprint || row.action !== action || row.answer === null) {
      throw new ApiError("ClientTokenMismatch", { token, action: row.action, ttl: describeTtl(ttlMs) });
    }
    return { kind: "replay", answer: JSON.parse(row.answer) };
  }
  throw new ApiError("TransactionConflict", { scope: `ClientToken ${token}` });
}

export async function saveClientTokenAnswer(conn: SqlConn, claim: ClientTokenClaim, answer: unknown): Promise<void> {
  await conn.run("UPDATE client_tokens SET answer = ? WHERE scope = ? AND token = ?", [
    JSON.stringify(answer),
    claim.scope,
    claim.token,
  ]);
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
