-- 0001: organisations, campaigns, their jobs and the audits that answer them.
-- Times are INTEGER microseconds since the Unix epoch, UTC.

CREATE TABLE organisations (
	id       TEXT PRIMARY KEY,            -- SIREN, INSEE code, or the domain of a plain list
	name     TEXT NOT NULL DEFAULT '',
	category TEXT NOT NULL DEFAULT '',
	domains  TEXT NOT NULL DEFAULT '[]'   -- JSON array, as given by the latest campaign
);

CREATE TABLE campaigns (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	name        TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	finished_at INTEGER,                  -- NULL while running
	options     TEXT,                     -- JSON, opaque to the store
	total       INTEGER NOT NULL          -- number of jobs
);

-- One row per (organisation, domain) to audit in a campaign.
CREATE TABLE jobs (
	campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
	org_id      TEXT NOT NULL REFERENCES organisations (id),
	domain      TEXT NOT NULL,
	PRIMARY KEY (campaign_id, org_id, domain)
) WITHOUT ROWID;

-- At most one audit per job: the unique key is the exactly-once guarantee,
-- and the index PendingJobs and Progress use.
CREATE TABLE audits (
	id          INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL,
	org_id      TEXT NOT NULL,
	domain      TEXT NOT NULL,
	audited_at  INTEGER NOT NULL,
	grade       TEXT,                     -- NULL when nothing could be graded
	points      INTEGER,
	result      BLOB NOT NULL,            -- the audit.Result as gzip-compressed JSON
	UNIQUE (campaign_id, org_id, domain),
	FOREIGN KEY (campaign_id, org_id, domain) REFERENCES jobs (campaign_id, org_id, domain)
);

-- LatestAudits: the newest audit of each (organisation, domain).
CREATE INDEX audits_latest ON audits (org_id, domain, audited_at, campaign_id);
-- History: every audit of a domain, oldest first.
CREATE INDEX audits_domain ON audits (domain, audited_at);
