-- The change feed and the audit trail (docs/feed.md, docs/audit.md; postgres/005 is the same in PostgreSQL's
-- dialect, plus the sequencer that gives PostgreSQL's events their positions).
--
-- events: the change feed. Each row is a run of consecutive events (positions first_position..last_position, no
-- gaps) of one company (NULL: global objects), written by the repository in the same transaction as the changes:
-- `events` is a JSON array with one element per event, [time_ms, project_id, region, request_id, action, type,
-- object_id, state], in position order. One row per run instead of one per event, because a row is what a write
-- costs here: a group-commit batch of a hundred changes of one company writes one row.
-- SQLite's writers are serial, so positions taken from `head` inside the transaction already follow commit order.
CREATE TABLE feed_state (
  id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  -- Random, per database: a cursor of another database is refused instead of resuming at the wrong place.
  feed_id TEXT NOT NULL,
  -- The latest position handed out: every event up to it is in `events` (or removed by retention).
  head    INTEGER NOT NULL DEFAULT 0,
  -- Events at or below this position were removed by retention; resuming from below it needs a new snapshot.
  floor   INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO feed_state (id, feed_id, head, floor) VALUES (1, lower(hex(randomblob(8))), 0, 0);

CREATE TABLE events (
  first_position INTEGER NOT NULL PRIMARY KEY,
  last_position  INTEGER NOT NULL,
  company_id     INTEGER,
  -- When the run was committed (PostgreSQL: numbered), for retention.
  time_ms        INTEGER NOT NULL,
  events         TEXT NOT NULL,
  CHECK (last_position >= first_position)
) STRICT;
-- The only index besides the position: followers of one company.
CREATE INDEX events_by_company ON events (company_id, first_position);

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
  -- JSON; Action, PublicKey and Region are left out where they equal the columns above (sgplane puts them back).
  params        TEXT NOT NULL,
  ret_code      INTEGER NOT NULL,
  message       TEXT NOT NULL,
  mutating      INTEGER NOT NULL CHECK (mutating IN (0, 1)),
  event_count   INTEGER NOT NULL,
  -- The call's feed events: known in the writer's transaction here (PostgreSQL fills them in when it numbers them).
  first_position INTEGER,
  last_position  INTEGER
) STRICT;
CREATE INDEX audit_by_time ON audit (time_ms);
CREATE INDEX audit_by_company ON audit (company_id, id);
