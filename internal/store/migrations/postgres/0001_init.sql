-- 0001: organisations, campaigns, their jobs and the audits that answer them.
-- Text keys use the "C" collation so that rows sort byte by byte, as in
-- SQLite, whatever the locale of the cluster.

CREATE TABLE organisations (
	id       text COLLATE "C" PRIMARY KEY,  -- SIREN, INSEE code, or the domain of a plain list
	name     text NOT NULL DEFAULT '',
	category text NOT NULL DEFAULT '',
	domains  text NOT NULL DEFAULT '[]'     -- JSON array, as given by the latest campaign
);

CREATE TABLE campaigns (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name        text NOT NULL,
	created_at  timestamptz NOT NULL,
	finished_at timestamptz,                -- NULL while running
	options     json,                       -- opaque to the store, kept as written
	total       integer NOT NULL            -- number of jobs
);

-- One row per (organisation, domain) to audit in a campaign.
CREATE TABLE jobs (
	campaign_id bigint NOT NULL REFERENCES campaigns (id),
	org_id      text COLLATE "C" NOT NULL REFERENCES organisations (id),
	domain      text COLLATE "C" NOT NULL,
	PRIMARY KEY (campaign_id, org_id, domain)
);

-- At most one audit per job: the unique key is the exactly-once guarantee,
-- and the index PendingJobs and Progress use.
CREATE TABLE audits (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	campaign_id bigint NOT NULL,
	org_id      text COLLATE "C" NOT NULL,
	domain      text COLLATE "C" NOT NULL,
	audited_at  timestamptz NOT NULL,
	grade       text,                       -- NULL when nothing could be graded
	points      integer,
	result      bytea NOT NULL,             -- the audit.Result as gzip-compressed JSON
	UNIQUE (campaign_id, org_id, domain),
	FOREIGN KEY (campaign_id, org_id, domain) REFERENCES jobs (campaign_id, org_id, domain)
);
-- Already compressed: do not let TOAST try again.
ALTER TABLE audits ALTER COLUMN result SET STORAGE EXTERNAL;

-- LatestAudits: the newest audit of each (organisation, domain).
CREATE INDEX audits_latest ON audits (org_id, domain, audited_at, campaign_id);
-- History: every audit of a domain, oldest first.
CREATE INDEX audits_domain ON audits (domain, audited_at);
