-- The change feed and the audit trail (docs/feed.md, docs/audit.md); sqlite/005 is the same schema for SQLite.
--
-- Why PostgreSQL's events get their positions after commit (docs/architecture.md, "The change feed"): a number
-- drawn inside a transaction can become visible after a larger one committed, so "everything after N" would skip
-- it. Writers therefore put their events in feed_pending, tagged with a transaction number drawn by their last
-- statement, after every lock they take. sgplane_sequence_feed(), one caller at a time (an advisory lock), moves
-- every pending row its statement can see into events, numbering them after the current head in (transaction,
-- ordinal) order. So the events a reader can see are always exactly positions 1..head, and a position is never
-- handed to an event after a reader could have read past it.
CREATE TABLE feed_state (
  id      integer NOT NULL PRIMARY KEY CHECK (id = 1),
  feed_id text NOT NULL,
  floor   bigint NOT NULL DEFAULT 0
);
INSERT INTO feed_state (id, feed_id, floor) VALUES (1, substr(md5(random()::text || clock_timestamp()::text), 1, 16), 0);

CREATE SEQUENCE feed_tx_seq;

CREATE TABLE feed_pending (
  tx_seq     bigint NOT NULL,
  ordinal    integer NOT NULL,
  time_ms    bigint NOT NULL,
  company_id integer,
  project_id text,
  region     text,
  request_id text NOT NULL,
  action     text NOT NULL,
  type       text NOT NULL,
  object_id  text NOT NULL,
  state      text NOT NULL,
  PRIMARY KEY (tx_seq, ordinal)
);

CREATE TABLE events (
  position   bigint NOT NULL PRIMARY KEY,
  time_ms    bigint NOT NULL,
  company_id integer,
  project_id text,
  region     text,
  request_id text NOT NULL,
  action     text NOT NULL,
  type       text NOT NULL,
  object_id  text NOT NULL,
  state      text NOT NULL
);
CREATE INDEX events_by_company ON events (company_id, position);
CREATE INDEX events_by_request ON events (request_id);
CREATE INDEX events_by_time ON events (time_ms);

CREATE TABLE audit (
  id            bigserial PRIMARY KEY,
  time_ms       bigint NOT NULL,
  request_id    text NOT NULL,
  action        text NOT NULL,
  public_key    text NOT NULL,
  authenticated integer NOT NULL CHECK (authenticated IN (0, 1)),
  operator      integer NOT NULL CHECK (operator IN (0, 1)),
  company_id    integer,
  user_name     text NOT NULL,
  sub_account   integer NOT NULL CHECK (sub_account IN (0, 1)),
  source_ip     text NOT NULL,
  user_agent    text NOT NULL,
  region        text NOT NULL,
  project_id    text NOT NULL,
  params        text NOT NULL,
  object_ids    text NOT NULL,
  ret_code      integer NOT NULL,
  message       text NOT NULL,
  mutating      integer NOT NULL CHECK (mutating IN (0, 1)),
  event_count   integer NOT NULL
);
CREATE INDEX audit_by_time ON audit (time_ms);
CREATE INDEX audit_by_company ON audit (company_id, id);

-- Moves every pending event that this call can see into events, after the head; returns the new head. Called
-- outside any transaction, so each statement below sees everything committed before it began; the advisory lock
-- (class 'sgpl', key 3) keeps two callers from numbering at once. One NOTIFY per batch wakes every server's
-- followers (a NOTIFY per writer would serialise their commits on PostgreSQL's notification queue lock).
CREATE FUNCTION sgplane_sequence_feed() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  top bigint;
  moved bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(1936158828, 3);
  SELECT COALESCE(MAX(position), 0) INTO top FROM events;
  WITH batch AS (DELETE FROM feed_pending RETURNING *)
  INSERT INTO events (position, time_ms, company_id, project_id, region, request_id, action, type, object_id, state)
  SELECT top + row_number() OVER (ORDER BY tx_seq, ordinal), time_ms, company_id, project_id, region, request_id,
         action, type, object_id, state
  FROM batch;
  GET DIAGNOSTICS moved = ROW_COUNT;
  IF moved > 0 THEN
    PERFORM pg_notify('sgplane_feed', (top + moved)::text);
  END IF;
  RETURN top + moved;
END $$;
