-- 0008: what the public sees. A campaign is public once published: the
-- campaigns that existed before this migration were all public, and stay
-- so (published = 1); the site creates its campaigns unpublished. An
-- organisation that asked to be left out is hidden: the public pages,
-- the API and the open data show it as hidden, with the date and the
-- reason, and none of its audits.

ALTER TABLE campaigns ADD COLUMN published INTEGER NOT NULL DEFAULT 1;

CREATE TABLE hidden_organisations (
	org_id    TEXT PRIMARY KEY,
	name      TEXT NOT NULL,            -- its name when it was hidden
	reason    TEXT NOT NULL,            -- shown to the public
	hidden_at INTEGER NOT NULL,         -- microseconds since the epoch, UTC
	operator  TEXT NOT NULL             -- who hid it
);

-- The public record of an organisation is its newest published campaign's.
CREATE INDEX campaign_organisations_org ON campaign_organisations (org_id, campaign_id);
