-- PostgreSQL no longer keeps a binding count on the group row. With a count there, every bind and every unbind of a
-- group updated that one row and so held its lock until COMMIT: all writers of a busy group ran one at a time, each
-- holding the row for its whole transaction (about 1,000 transactions a second here, whatever the core count).
--
-- Instead, only a transaction that adds bindings to a group takes that group's lock, as its last step before COMMIT
-- (sgplane_lock_group_loads below), and counts the group's bindings there. Unbinding never touches the group row.
-- The count is exact: the lock serialises the transactions that grow the group, each one counts after the previous
-- holder has committed, and a volatile function's every statement sees everything committed before it began.
-- SQLite keeps its count (migration 002): its writers are serial anyway, and counting 1,000 bindings costs 21 µs
-- there against nothing for the counter.

DROP TRIGGER bindings_count_insert ON bindings;
DROP TRIGGER bindings_count_delete ON bindings;
DROP TRIGGER bindings_count_update ON bindings;
DROP FUNCTION bindings_count_secgroup_load();
ALTER TABLE secgroups DROP COLUMN binding_count;

-- Locks the groups (id order, the store's lock order) against other transactions growing them, then counts each
-- one's bindings, this transaction's own changes included. VARIADIC so the store can pass its `(?, ?, …)` id lists.
CREATE FUNCTION sgplane_lock_group_loads(VARIADIC ids text[])
RETURNS TABLE (group_id text, bound bigint) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM 1 FROM secgroups g WHERE g.secgroup_id = ANY (ids) ORDER BY g.secgroup_id COLLATE "C" FOR NO KEY UPDATE;
  RETURN QUERY
    SELECT g.secgroup_id, (SELECT COUNT(*) FROM bindings b WHERE b.secgroup_id = g.secgroup_id)
    FROM secgroups g WHERE g.secgroup_id = ANY (ids);
END $$;
