-- 0002: the options of a campaign as a typed value (store.CampaignOptions
-- as JSON), the trust anchors and certificate roots stored by value.
-- options keeps what vigie wrote before (the command line's own strings,
-- read by the store as legacy options); new campaigns leave it NULL.

ALTER TABLE campaigns ADD COLUMN run_options jsonb;  -- NULL for none
