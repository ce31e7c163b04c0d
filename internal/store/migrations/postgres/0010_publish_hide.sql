-- 0009: what the public sees. A campaign is public once published: the
-- campaigns that existed before this migration were all public, and stay
-- so (published = true); the site creates its campaigns unpublished. An
-- organisation that asked to be left out is hidden: the public pages,
-- the API and the open data show it as hidden, with the date and the
-- reason, and none of its audits.

ALTER TABLE campaigns ADD COLUMN published boolean NOT NULL DEFAULT true;

CREATE TABLE hidden_organisations (
	org_id    text COLLATE "C" PRIMARY KEY,
	name      text NOT NULL,            -- its name when it was hidden
	reason    text NOT NULL,            -- shown to the public
	hidden_at timestamptz NOT NULL,
	operator  text NOT NULL             -- who hid it
);

-- The public record of an organisation is its newest published campaign's.
CREATE INDEX campaign_organisations_org ON campaign_organisations (org_id, campaign_id);
