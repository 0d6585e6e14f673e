-- 006_firewalls (SQLite): the UNet firewalls (issue 20) and which resource each is granted to. postgres/006 is the
-- same schema in PostgreSQL's dialect. A project's two default firewalls are rows only once a write touched them
-- (domain/default-firewalls.ts): their ids are derived from the scope.

-- A firewall lives in one company, project and region (not in a VPC). rules: a JSON array of
-- {protocol, port, cidr, action, priority, remark}, replaced whole (UpdateFirewall replaces the rule set).
CREATE TABLE firewalls (
  fw_id       TEXT NOT NULL PRIMARY KEY,
  company_id  INTEGER NOT NULL,
  project_id  TEXT NOT NULL,
  region      TEXT NOT NULL,
  name        TEXT NOT NULL,
  tag         TEXT NOT NULL DEFAULT 'Default',
  remark      TEXT NOT NULL DEFAULT '',
  type        TEXT NOT NULL CHECK (type IN ('user defined', 'recommend web', 'recommend non web')),
  create_time INTEGER NOT NULL,
  rules       TEXT NOT NULL CHECK (json_valid(rules) AND json_type(rules) = 'array'),
  seq         INTEGER NOT NULL UNIQUE,
  UNIQUE (fw_id, company_id, project_id, region),
  FOREIGN KEY (project_id, company_id) REFERENCES projects (project_id, company_id)
) STRICT;
CREATE INDEX firewalls_in_scope ON firewalls (company_id, project_id, region, seq);

-- The target of firewall_grants' resource key: a grant names its resource's scope and mode.
CREATE UNIQUE INDEX resources_scope_and_mode ON resources (resource_id, company_id, project_id, region, security_mode);

-- One firewall per resource (the primary key), granted only within its own scope (both composite keys carry the
-- scope) and only to a resource in Firewall mode (the CHECK with the key on security_mode: a writer moving a
-- resource to SecGroup mode removes its grant first). No ON DELETE action towards firewalls: a granted firewall
-- cannot be deleted. A deregistered resource takes its grant with it.
CREATE TABLE firewall_grants (
  resource_id   TEXT NOT NULL PRIMARY KEY,
  fw_id         TEXT NOT NULL,
  company_id    INTEGER NOT NULL,
  project_id    TEXT NOT NULL,
  region        TEXT NOT NULL,
  security_mode TEXT NOT NULL DEFAULT 'Firewall' CHECK (security_mode = 'Firewall'),
  seq           INTEGER NOT NULL UNIQUE,
  FOREIGN KEY (resource_id, company_id, project_id, region, security_mode)
    REFERENCES resources (resource_id, company_id, project_id, region, security_mode) ON DELETE CASCADE,
  FOREIGN KEY (fw_id, company_id, project_id, region) REFERENCES firewalls (fw_id, company_id, project_id, region)
) STRICT;
CREATE INDEX firewall_grants_by_firewall ON firewall_grants (fw_id, seq);
