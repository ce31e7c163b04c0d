-- 0006: the audits asked for from the observatory's public page (vigie
-- serve --on-demand). They belong to no campaign and no organisation:
-- kept apart, so that the campaigns, their statistics, the history and
-- the exports never count them. A permalink is the row's id.

CREATE TABLE ondemand_audits (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	domain     text COLLATE "C" NOT NULL,
	audited_at timestamptz NOT NULL,
	grade      text,                        -- NULL when nothing could be graded
	points     integer,
	result     bytea NOT NULL               -- the audit.Result as gzip-compressed JSON
);
-- Already compressed: do not let TOAST try again.
ALTER TABLE ondemand_audits ALTER COLUMN result SET STORAGE EXTERNAL;
-- The cool-down: the newest audit of a domain.
CREATE INDEX ondemand_audits_domain ON ondemand_audits (domain, audited_at);
