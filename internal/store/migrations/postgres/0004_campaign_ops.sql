-- 0004: what keeps a campaign honest while it runs and after.
-- abandoned_at: set by "vigie campaign abandon" (status "abandoned").
-- attempts: how many audits of the job it took to get the stored one
-- (transient failures retried within the campaign).
-- campaign_leases: who runs the campaign now, for the messages (the lock
-- itself is an advisory lock held on a connection of the holder's).
-- audit_retries: the stored audits that "vigie campaign retry" replaced,
-- kept as they were, so that the history never rewrites itself.

ALTER TABLE campaigns ADD COLUMN abandoned_at timestamptz;  -- NULL unless abandoned
ALTER TABLE audits ADD COLUMN attempts integer NOT NULL DEFAULT 1;

CREATE TABLE campaign_leases (
	campaign_id bigint PRIMARY KEY REFERENCES campaigns (id),
	token       text NOT NULL,
	host        text NOT NULL,
	pid         integer NOT NULL,
	since       timestamptz NOT NULL,
	heartbeat   timestamptz NOT NULL,
	expires     timestamptz NOT NULL
);

CREATE TABLE audit_retries (
	id          bigserial PRIMARY KEY,
	campaign_id bigint NOT NULL,
	org_id      text COLLATE "C" NOT NULL,
	domain      text NOT NULL,
	audited_at  timestamptz NOT NULL,
	attempts    integer NOT NULL,
	result      bytea NOT NULL,
	replaced_at timestamptz NOT NULL,
	FOREIGN KEY (campaign_id, org_id, domain) REFERENCES jobs (campaign_id, org_id, domain)
);
CREATE INDEX audit_retries_job ON audit_retries (campaign_id, org_id, domain);
