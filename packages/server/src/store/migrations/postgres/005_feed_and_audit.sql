-- The change feed and the audit trail (docs/feed.md, docs/audit.md); sqlite/005 is the same schema for SQLite.
--
-- Why PostgreSQL's events get their positions after commit (docs/architecture.md, "The change feed"): a number
-- drawn inside a transaction can become visible after a larger one committed, so "everything after N" would skip
-- it. Writers therefore put their events in feed_pending, tagged with a transaction number drawn by their last
-- statement, after every lock they take. sgplane_sequence_feed(), one caller at a time (an advisory lock), moves
-- every pending row its statement can see into events, numbering them after the current head in (transaction,
-- run) order. So the events a reader can see are always exactly positions 1..head, and a position is never
-- handed to an event after a reader could have read past it.
CREATE TABLE feed_state (
  id      integer NOT NULL PRIMARY KEY CHECK (id = 1),
  feed_id text NOT NULL,
  head    bigint NOT NULL DEFAULT 0,
  floor   bigint NOT NULL DEFAULT 0
);
INSERT INTO feed_state (id, feed_id, head, floor)
  VALUES (1, substr(md5(random()::text || clock_timestamp()::text), 1, 16), 0, 0);

CREATE SEQUENCE feed_tx_seq;

-- A committed transaction's events, not yet numbered: one row per run of one company's events (as in `events`).
CREATE TABLE feed_pending (
  tx_seq     bigint NOT NULL,
  run        integer NOT NULL,
  company_id integer,
  count      integer NOT NULL CHECK (count > 0),
  events     text NOT NULL,
  PRIMARY KEY (tx_seq, run)
);

CREATE TABLE events (
  first_position bigint NOT NULL PRIMARY KEY,
  last_position  bigint NOT NULL,
  company_id     integer,
  time_ms        bigint NOT NULL,
  events         text NOT NULL,
  CHECK (last_position >= first_position)
);
CREATE INDEX events_by_company ON events (company_id, first_position);

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
  ret_code      integer NOT NULL,
  message       text NOT NULL,
  mutating      integer NOT NULL CHECK (mutating IN (0, 1)),
  event_count   integer NOT NULL,
  first_position bigint,
  last_position  bigint,
  -- The writer's transaction number (feed_tx_seq): the sequencer fills in the positions of the transactions it numbers.
  tx_seq        bigint
);
CREATE INDEX audit_by_time ON audit (time_ms);
CREATE INDEX audit_by_company ON audit (company_id, id);
CREATE INDEX audit_by_tx ON audit (tx_seq) WHERE tx_seq IS NOT NULL;

-- Numbers every pending run this call can see, after the head, in (transaction, run) order, and moves it into
-- events; fills in the positions of those transactions' audit records; returns the new head. Called outside any
-- transaction, so each statement below sees everything committed before it began; the advisory lock (class 'sgpl',
-- key 3) keeps two callers from numbering at once. One NOTIFY per batch wakes every server's followers (a NOTIFY per
-- writer would serialise their commits on PostgreSQL's notification queue lock).
CREATE FUNCTION sgplane_sequence_feed() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  top bigint;
  moved bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(1936158828, 3);
  SELECT head INTO top FROM feed_state WHERE id = 1;
  WITH batch AS (DELETE FROM feed_pending RETURNING *),
  numbered AS (
    SELECT batch.*, top + SUM(count) OVER (ORDER BY tx_seq, run ROWS UNBOUNDED PRECEDING) AS last_position
    FROM batch
  ),
  moved_runs AS (
    INSERT INTO events (first_position, last_position, company_id, time_ms, events)
    SELECT last_position - count + 1, last_position, company_id,
           (extract(epoch FROM clock_timestamp()) * 1000)::bigint, events
    FROM numbered
    RETURNING last_position
  ),
  -- Each numbered transaction's audit record learns where its events are.
  positioned AS (
    UPDATE audit a SET first_position = t.first, last_position = t.last
    FROM (SELECT tx_seq, MIN(last_position - count + 1) AS first, MAX(last_position) AS last
          FROM numbered GROUP BY tx_seq) t
    WHERE a.tx_seq = t.tx_seq
  )
  SELECT MAX(last_position) INTO moved FROM moved_runs;
  IF moved IS NOT NULL THEN
    UPDATE feed_state SET head = moved WHERE id = 1;
    PERFORM pg_notify('sgplane_feed', moved::text);
    RETURN moved;
  END IF;
  RETURN top;
END $$;
