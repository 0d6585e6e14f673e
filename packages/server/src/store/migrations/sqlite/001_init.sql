-- 001_init (SQLite): the whole schema. postgres/001_init.sql is the same schema in PostgreSQL's dialect.
-- Constraints back every domain rule a single row or pair can express, so no code path can store an illegal
-- state. STRICT makes SQLite enforce column types. `seq` records creation / bind order (list results).

CREATE TABLE regions (
  region   TEXT NOT NULL PRIMARY KEY,
  position INTEGER NOT NULL UNIQUE
) STRICT;

CREATE TABLE companies (
  company_id              INTEGER NOT NULL PRIMARY KEY CHECK (company_id > 0),
  name                    TEXT NOT NULL,
  sec_groups_per_company  INTEGER NOT NULL DEFAULT 50 CHECK (sec_groups_per_company >= 0),
  sec_groups_per_resource INTEGER NOT NULL DEFAULT 5 CHECK (sec_groups_per_resource BETWEEN 1 AND 5),
  resources_per_sec_group INTEGER NOT NULL DEFAULT 500 CHECK (resources_per_sec_group >= 0),
  rules_per_direction     INTEGER NOT NULL DEFAULT 50 CHECK (rules_per_direction >= 0),
  not_bound_policy        TEXT NOT NULL DEFAULT 'Ignore' CHECK (not_bound_policy IN ('Ignore', 'Error')),
  seq                     INTEGER NOT NULL UNIQUE
) STRICT;

CREATE TABLE projects (
  project_id TEXT NOT NULL PRIMARY KEY,
  company_id INTEGER NOT NULL REFERENCES companies (company_id),
  name       TEXT NOT NULL,
  is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
  seq        INTEGER NOT NULL UNIQUE,
  UNIQUE (project_id, company_id)
) STRICT;
CREATE UNIQUE INDEX projects_one_default ON projects (company_id) WHERE is_default = 1;
CREATE INDEX projects_by_company ON projects (company_id, seq);

CREATE TABLE users (
  company_id  INTEGER NOT NULL REFERENCES companies (company_id),
  name        TEXT NOT NULL,
  sub_account INTEGER NOT NULL CHECK (sub_account IN (0, 1)),
  seq         INTEGER NOT NULL UNIQUE,
  PRIMARY KEY (company_id, name)
) STRICT;

-- Projects a sub-account is granted; a grant can only name a project of the user's own company.
CREATE TABLE user_projects (
  company_id INTEGER NOT NULL,
  user_name  TEXT NOT NULL,
  project_id TEXT NOT NULL,
  position   INTEGER NOT NULL,
  PRIMARY KEY (company_id, user_name, project_id),
  FOREIGN KEY (company_id, user_name) REFERENCES users (company_id, name) ON DELETE CASCADE,
  FOREIGN KEY (project_id, company_id) REFERENCES projects (project_id, company_id)
) STRICT;
CREATE INDEX user_projects_by_project ON user_projects (project_id, company_id);

-- Operator keys have neither company nor user; company keys have both.
CREATE TABLE api_keys (
  public_key  TEXT NOT NULL PRIMARY KEY,
  private_key TEXT NOT NULL,
  company_id  INTEGER,
  user_name   TEXT,
  seq         INTEGER NOT NULL UNIQUE,
  CHECK ((company_id IS NULL) = (user_name IS NULL)),
  FOREIGN KEY (company_id, user_name) REFERENCES users (company_id, name) ON DELETE CASCADE
) STRICT;
CREATE INDEX api_keys_by_user ON api_keys (company_id, user_name);

CREATE TABLE vpcs (
  vpc_id     TEXT NOT NULL PRIMARY KEY,
  company_id INTEGER NOT NULL,
  project_id TEXT NOT NULL,
  region     TEXT NOT NULL,
  name       TEXT NOT NULL,
  seq        INTEGER NOT NULL UNIQUE,
  UNIQUE (vpc_id, company_id, project_id, region),
  FOREIGN KEY (project_id, company_id) REFERENCES projects (project_id, company_id)
) STRICT;
CREATE INDEX vpcs_by_company ON vpcs (company_id, seq);
CREATE INDEX vpcs_by_project ON vpcs (project_id, company_id);

-- A resource lives in the company, project and region of its VPC (composite foreign key).
CREATE TABLE resources (
  resource_id       TEXT NOT NULL PRIMARY KEY,
  company_id        INTEGER NOT NULL,
  project_id        TEXT NOT NULL,
  region            TEXT NOT NULL,
  vpc_id            TEXT NOT NULL,
  resource_type     TEXT NOT NULL,
  name              TEXT NOT NULL,
  security_mode     TEXT NOT NULL CHECK (security_mode IN ('SecGroup', 'Firewall')),
  private_ip        TEXT NOT NULL DEFAULT '',
  zone              INTEGER NOT NULL DEFAULT 0,
  eip               TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(eip) AND json_type(eip) = 'array'),
  super_resource_id TEXT NOT NULL DEFAULT '',
  seq               INTEGER NOT NULL UNIQUE,
  UNIQUE (resource_id, vpc_id),
  FOREIGN KEY (vpc_id, company_id, project_id, region) REFERENCES vpcs (vpc_id, company_id, project_id, region)
) STRICT;
CREATE INDEX resources_in_scope ON resources (company_id, project_id, region, seq);
CREATE INDEX resources_by_vpc ON resources (vpc_id, company_id, project_id, region);
CREATE INDEX resources_by_parent ON resources (super_resource_id) WHERE super_resource_id <> '';

CREATE TABLE secgroups (
  secgroup_id TEXT NOT NULL PRIMARY KEY,
  company_id  INTEGER NOT NULL,
  project_id  TEXT NOT NULL,
  region      TEXT NOT NULL,
  vpc_id      TEXT NOT NULL,
  name        TEXT NOT NULL,
  remark      TEXT NOT NULL DEFAULT '',
  tag         TEXT NOT NULL DEFAULT 'Default',
  type        TEXT NOT NULL DEFAULT 'user defined',
  create_time INTEGER NOT NULL,
  seq         INTEGER NOT NULL UNIQUE,
  UNIQUE (secgroup_id, vpc_id),
  FOREIGN KEY (vpc_id, company_id, project_id, region) REFERENCES vpcs (vpc_id, company_id, project_id, region)
) STRICT;
CREATE INDEX secgroups_in_scope ON secgroups (company_id, project_id, region, seq);
CREATE INDEX secgroups_by_vpc ON secgroups (vpc_id, company_id, project_id, region);

CREATE TABLE rules (
  rule_id       TEXT NOT NULL PRIMARY KEY,
  secgroup_id   TEXT NOT NULL REFERENCES secgroups (secgroup_id) ON DELETE CASCADE,
  direction     TEXT NOT NULL CHECK (direction IN ('Ingress', 'Egress')),
  protocol_type TEXT NOT NULL CHECK (protocol_type IN ('TCP', 'UDP', 'ICMP', 'ICMPv6', 'ALL')),
  dst_port      TEXT NOT NULL,
  ip_range      TEXT NOT NULL,
  priority      INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 200),
  rule_action   TEXT NOT NULL CHECK (rule_action IN ('Accept', 'Drop')),
  remark        TEXT NOT NULL DEFAULT '',
  ip_version    TEXT NOT NULL DEFAULT 'IPv4' CHECK (ip_version IN ('IPv4', 'IPv6')),
  seq           INTEGER NOT NULL UNIQUE,
  UNIQUE (secgroup_id, direction, priority)
) STRICT;

-- At most one group per (resource, priority) and priorities 1-5: hence at most 5 groups per resource.
-- vpc_id is the group's VPC; the two composite foreign keys make "a group binds only resources in its own VPC"
-- a database rule. No ON DELETE action: a bound group or a bound resource cannot be deleted.
CREATE TABLE bindings (
  resource_id TEXT NOT NULL,
  secgroup_id TEXT NOT NULL,
  priority    INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 5),
  vpc_id      TEXT NOT NULL,
  seq         INTEGER NOT NULL UNIQUE,
  PRIMARY KEY (resource_id, secgroup_id),
  UNIQUE (resource_id, priority),
  FOREIGN KEY (resource_id, vpc_id) REFERENCES resources (resource_id, vpc_id),
  FOREIGN KEY (secgroup_id, vpc_id) REFERENCES secgroups (secgroup_id, vpc_id)
) STRICT;
CREATE INDEX bindings_by_secgroup ON bindings (secgroup_id, seq);
