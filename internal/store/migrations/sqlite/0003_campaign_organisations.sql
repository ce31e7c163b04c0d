-- 0003: an organisation as each campaign gave it (name, category,
-- domains), so that a later campaign that reuses an identifier for
-- another body never rewrites the history; and the DKIM selectors a
-- targets file gives for one domain, kept with its job so that a resume
-- uses them.
-- organisations stays, as the latest known record of each identifier.

CREATE TABLE campaign_organisations (
	campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
	org_id      TEXT NOT NULL,
	name        TEXT NOT NULL DEFAULT '',
	category    TEXT NOT NULL DEFAULT '',
	domains     TEXT NOT NULL DEFAULT '[]',  -- JSON array, as given by this campaign
	PRIMARY KEY (campaign_id, org_id)
) WITHOUT ROWID;

-- The campaigns stored before this migration: their organisations as the
-- shared table holds them (the best record there is).
INSERT INTO campaign_organisations (campaign_id, org_id, name, category, domains)
	SELECT DISTINCT j.campaign_id, o.id, o.name, o.category, o.domains
	FROM jobs j JOIN organisations o ON o.id = j.org_id;

ALTER TABLE jobs ADD COLUMN dkim_selectors TEXT;  -- JSON array, NULL for none
