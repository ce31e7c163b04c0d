-- 0006: the audits asked for from the observatory's public page (vigie
-- serve --on-demand). They belong to no campaign and no organisation:
-- kept apart, so that the campaigns, their statistics, the history and
-- the exports never count them. A permalink is the row's id.

CREATE TABLE ondemand_audits (
	id         INTEGER PRIMARY KEY,
	domain     TEXT NOT NULL,
	audited_at INTEGER NOT NULL,          -- microseconds since the epoch, UTC
	grade      TEXT,                      -- NULL when nothing could be graded
	points     INTEGER,
	result     BLOB NOT NULL              -- the audit.Result as gzip-compressed JSON
);
-- The cool-down: the newest audit of a domain.
CREATE INDEX ondemand_audits_domain ON ondemand_audits (domain, audited_at);
