-- 007 (issue 18): ClientToken answers, and the audit trail's dry-run flag; sqlite/007 is the same schema and says
-- how the rows are used. Two servers racing with one token: the second INSERT … ON CONFLICT DO NOTHING waits for the
-- first transaction, then reads its committed row (READ COMMITTED takes a new snapshot per statement).
CREATE TABLE client_tokens (
  scope       TEXT NOT NULL,
  token       TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  action      TEXT NOT NULL,
  answer      TEXT,
  created_ms  BIGINT NOT NULL,
  PRIMARY KEY (scope, token)
);
CREATE INDEX client_tokens_by_age ON client_tokens (created_ms);

ALTER TABLE audit ADD COLUMN dry_run integer NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1));
