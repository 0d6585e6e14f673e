-- The change feed and the audit trail (docs/feed.md, docs/audit.md; postgres/005 is the same in PostgreSQL's
-- dialect, plus the sequencer that gives PostgreSQL's events their positions).
--
-- events: one row per change to one object, written by the repository in the same transaction as the change.
-- SQLite's writers are serial, so a position drawn inside the transaction already follows commit order:
-- AUTOINCREMENT numbers rows in insertion order and never hands a number out twice, even after retention deleted
-- it. Retention never deletes the newest event, so MAX(position) is always the feed's head.
CREATE TABLE feed_state (
  id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  -- Random, per database: a cursor of another database is refused instead of resuming at the wrong place.
  feed_id TEXT NOT NULL,
  -- Events at or below this position were removed by retention; resuming from below it needs a new snapshot.
  floor   INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO feed_state (id, feed_id, floor) VALUES (1, lower(hex(randomblob(8))), 0);

CREATE TABLE events (
  position   INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  time_ms    INTEGER NOT NULL,
  company_id INTEGER,
  project_id TEXT,
  region     TEXT,
  request_id TEXT NOT NULL,
  action     TEXT NOT NULL,
  type       TEXT NOT NULL,
  object_id  TEXT NOT NULL,
  state      TEXT NOT NULL
) STRICT;
CREATE INDEX events_by_company ON events (company_id, position);
CREATE INDEX events_by_request ON events (request_id);
CREATE INDEX events_by_time ON events (time_ms);

-- One row per API call, accepted or refused. An accepted change's row is written in its own transaction; the rest
-- arrive in batches (docs/audit.md says what a kill -9 can lose).
CREATE TABLE audit (
  id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  time_ms       INTEGER NOT NULL,
  request_id    TEXT NOT NULL,
  action        TEXT NOT NULL,
  public_key    TEXT NOT NULL,
  authenticated INTEGER NOT NULL CHECK (authenticated IN (0, 1)),
  operator      INTEGER NOT NULL CHECK (operator IN (0, 1)),
  company_id    INTEGER,
  user_name     TEXT NOT NULL,
  sub_account   INTEGER NOT NULL CHECK (sub_account IN (0, 1)),
  source_ip     TEXT NOT NULL,
  user_agent    TEXT NOT NULL,
  region        TEXT NOT NULL,
  project_id    TEXT NOT NULL,
  params        TEXT NOT NULL,
  -- ' id1 id2 … ': the ids the call named, for searching by resource or group.
  object_ids    TEXT NOT NULL,
  ret_code      INTEGER NOT NULL,
  message       TEXT NOT NULL,
  mutating      INTEGER NOT NULL CHECK (mutating IN (0, 1)),
  event_count   INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_by_time ON audit (time_ms);
CREATE INDEX audit_by_company ON audit (company_id, id);
