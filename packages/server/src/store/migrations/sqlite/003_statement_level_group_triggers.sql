-- PostgreSQL's migration 003 moves the group version and binding count triggers of 002 to statement level, so a
-- 500-resource unbind updates a group row once. SQLite has no statement-level triggers and its row-level ones are
-- cheap (an in-process B-tree update, no new row version), so its 002 triggers stay as they are. This file keeps the
-- two engines' migration versions in step.
SELECT 1;
