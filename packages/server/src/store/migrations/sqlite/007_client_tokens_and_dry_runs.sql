-- 007 (issue 18): ClientToken answers, and the audit trail's dry-run flag; postgres/007 is the same schema.
-- One row per (scope, token): scope is 'c<CompanyId>' for a company's keys, 'operator' for operator keys. The row is
-- written in the create's own transaction (claimed first, its answer filled in before commit), so a token names at
-- most one committed create; a row older than --client-token-ttl is taken over by the next request with its token.
CREATE TABLE client_tokens (
  scope       TEXT NOT NULL,
  token       TEXT NOT NULL,
  -- sha256 of the action and its parameters (without ClientToken and DryRun).
  fingerprint TEXT NOT NULL,
  action      TEXT NOT NULL,
  -- The create's answer (JSON), replayed to every repeat.
  answer      TEXT,
  created_ms  INTEGER NOT NULL,
  PRIMARY KEY (scope, token)
) STRICT, WITHOUT ROWID;
CREATE INDEX client_tokens_by_age ON client_tokens (created_ms);

ALTER TABLE audit ADD COLUMN dry_run INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1));
