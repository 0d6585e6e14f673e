-- Per-group version and binding count, kept by triggers so that no write path (requests, seed loads, imports)
-- can forget them.
--
-- version: a value never used before (a global counter, never reset) whenever the group's row or any of its
-- rules change; readers cache a rendered group under (secgroup_id, version), which stays correct across processes
-- because the version is read in the same snapshot as the data. A version drawn by a transaction that rolls back
-- may be drawn again, which is harmless: only committed versions are ever cached.
-- binding_count: the group's number of bindings (the ResourcesPerSecGroup quota check without counting rows).

CREATE TABLE secgroup_versions (
  id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  last INTEGER NOT NULL
) STRICT;
INSERT INTO secgroup_versions (id, last) VALUES (1, 0);

ALTER TABLE secgroups ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE secgroups ADD COLUMN binding_count INTEGER NOT NULL DEFAULT 0 CHECK (binding_count >= 0);
UPDATE secgroups SET binding_count = (SELECT COUNT(*) FROM bindings b WHERE b.secgroup_id = secgroups.secgroup_id);

CREATE TRIGGER secgroups_version_on_insert AFTER INSERT ON secgroups BEGIN
  UPDATE secgroup_versions SET last = last + 1;
  UPDATE secgroups SET version = (SELECT last FROM secgroup_versions) WHERE secgroup_id = NEW.secgroup_id;
END;

-- Every column a reader renders; not version or binding_count, so the triggers' own updates do not fire it.
CREATE TRIGGER secgroups_version_on_update
AFTER UPDATE OF company_id, project_id, region, vpc_id, name, remark, tag, type, create_time, seq ON secgroups BEGIN
  UPDATE secgroup_versions SET last = last + 1;
  UPDATE secgroups SET version = (SELECT last FROM secgroup_versions) WHERE secgroup_id = NEW.secgroup_id;
END;

CREATE TRIGGER rules_version_on_insert AFTER INSERT ON rules BEGIN
  UPDATE secgroup_versions SET last = last + 1;
  UPDATE secgroups SET version = (SELECT last FROM secgroup_versions) WHERE secgroup_id = NEW.secgroup_id;
END;

CREATE TRIGGER rules_version_on_update AFTER UPDATE ON rules BEGIN
  UPDATE secgroup_versions SET last = last + 1;
  UPDATE secgroups SET version = (SELECT last FROM secgroup_versions)
    WHERE secgroup_id IN (OLD.secgroup_id, NEW.secgroup_id);
END;

CREATE TRIGGER rules_version_on_delete AFTER DELETE ON rules BEGIN
  UPDATE secgroup_versions SET last = last + 1;
  UPDATE secgroups SET version = (SELECT last FROM secgroup_versions) WHERE secgroup_id = OLD.secgroup_id;
END;

CREATE TRIGGER bindings_count_on_insert AFTER INSERT ON bindings BEGIN
  UPDATE secgroups SET binding_count = binding_count + 1 WHERE secgroup_id = NEW.secgroup_id;
END;

CREATE TRIGGER bindings_count_on_delete AFTER DELETE ON bindings BEGIN
  UPDATE secgroups SET binding_count = binding_count - 1 WHERE secgroup_id = OLD.secgroup_id;
END;

CREATE TRIGGER bindings_count_on_move AFTER UPDATE OF secgroup_id ON bindings BEGIN
  UPDATE secgroups SET binding_count = binding_count - 1 WHERE secgroup_id = OLD.secgroup_id;
  UPDATE secgroups SET binding_count = binding_count + 1 WHERE secgroup_id = NEW.secgroup_id;
END;
