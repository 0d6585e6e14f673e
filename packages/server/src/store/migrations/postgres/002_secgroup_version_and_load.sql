-- Per-group version and binding count, kept by triggers so that no write path (requests, seed loads, imports)
-- can forget them.
--
-- version: a value never used before (a sequence, never reset; nextval is never rolled back) whenever the group's
-- row or any of its rules change; readers cache a rendered group under (secgroup_id, version), which stays correct
-- across servers because the version is read in the same snapshot as the data. The SQLite schema keeps the same
-- counter in a one-row table of the same name.
-- binding_count: the group's number of bindings (the ResourcesPerSecGroup quota check without counting rows).
-- Writers already hold the group's row lock when they bind or unbind it, so the count adds no new lock.

CREATE SEQUENCE secgroup_versions;

ALTER TABLE secgroups ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE secgroups ADD COLUMN binding_count INTEGER NOT NULL DEFAULT 0 CHECK (binding_count >= 0);
UPDATE secgroups g SET binding_count = (SELECT COUNT(*) FROM bindings b WHERE b.secgroup_id = g.secgroup_id);

CREATE FUNCTION secgroups_new_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := nextval('secgroup_versions');
  RETURN NEW;
END $$;

-- Every column a reader renders; not version or binding_count, so the triggers' own updates do not fire it.
CREATE TRIGGER secgroups_version
BEFORE INSERT OR UPDATE OF company_id, project_id, region, vpc_id, name, remark, tag, type, create_time, seq
ON secgroups FOR EACH ROW EXECUTE FUNCTION secgroups_new_version();

CREATE FUNCTION rules_bump_secgroup_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE secgroups SET version = nextval('secgroup_versions') WHERE secgroup_id = OLD.secgroup_id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE secgroups SET version = nextval('secgroup_versions') WHERE secgroup_id = NEW.secgroup_id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER rules_version AFTER INSERT OR UPDATE OR DELETE ON rules
FOR EACH ROW EXECUTE FUNCTION rules_bump_secgroup_version();

CREATE FUNCTION bindings_count_secgroup_load() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE secgroups SET binding_count = binding_count - 1 WHERE secgroup_id = OLD.secgroup_id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE secgroups SET binding_count = binding_count + 1 WHERE secgroup_id = NEW.secgroup_id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER bindings_count AFTER INSERT OR DELETE OR UPDATE OF secgroup_id ON bindings
FOR EACH ROW EXECUTE FUNCTION bindings_count_secgroup_load();
