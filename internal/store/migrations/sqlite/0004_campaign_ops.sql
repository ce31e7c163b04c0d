-- 0004: what keeps a campaign honest while it runs and after.
-- abandoned_at: set by "vigie campaign abandon" (status "abandoned").
-- attempts: how many audits of the job it took to get the stored one
-- (transient failures retried within the campaign).
-- campaign_leases: who runs the campaign now (one process at a time).
-- audit_retries: the stored audits that "vigie campaign retry" replaced,
-- kept as they were, so that the history never rewrites itself.

ALTER TABLE campaigns ADD COLUMN abandoned_at INTEGER;   -- NULL unless abandoned
ALTER TABLE audits ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;

CREATE TABLE campaign_leases (
	campaign_id INTEGER PRIMARY KEY REFERENCES campaigns (id),
	token       TEXT NOT NULL,      -- random, the holder's own
	host        TEXT NOT NULL,
	pid         INTEGER NOT NULL,
	since       INTEGER NOT NULL,
	heartbeat   INTEGER NOT NULL,
	expires     INTEGER NOT NULL    -- a lease not renewed by then is free
);

CREATE TABLE audit_retries (
	id          INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL,
	org_id      TEXT NOT NULL,
	domain      TEXT NOT NULL,
	audited_at  INTEGER NOT NULL,
	attempts    INTEGER NOT NULL,
	result      BLOB NOT NULL,      -- the replaced audit.Result, as stored
	replaced_at INTEGER NOT NULL,
	FOREIGN KEY (campaign_id, org_id, domain) REFERENCES jobs (campaign_id, org_id, domain)
);
CREATE INDEX audit_retries_job ON audit_retries (campaign_id, org_id, domain);
