-- PostgreSQL's migration 004 drops the group rows' binding count and counts a group's bindings under a lock taken
-- only by transactions that add bindings, so unbinding never waits on a busy group's row. SQLite's writers are
-- serial, so its count (migration 002) costs no waiting and saves counting rows: it stays. This file keeps the two
-- engines' migration versions in step.
SELECT 1;
