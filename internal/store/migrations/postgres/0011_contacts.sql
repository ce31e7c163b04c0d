-- 0009: the contacts of organisations and the alert e-mails sent to
-- them. A contact (its e-mail, name and role) is kept only as age
-- ciphertext (internal/secret), with a blind index of its e-mail (an
-- HMAC with a key derived from the key file) that keeps it unique per
-- organisation without storing it in clear. The operators' e-mail
-- addresses are sealed the same way. An alert is sent at most once per
-- campaign and organisation: the row is claimed before the sending.

CREATE TABLE contacts (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id      text COLLATE "C" NOT NULL,
	sealed      bytea NOT NULL,          -- age ciphertext of {"email","name","role"}
	email_index bytea NOT NULL,          -- HMAC-SHA256 of the lower-case e-mail
	created_at  timestamptz NOT NULL,
	UNIQUE (org_id, email_index)
);

CREATE TABLE alert_sendings (
	campaign_id bigint NOT NULL,
	org_id      text COLLATE "C" NOT NULL,
	at          timestamptz NOT NULL,
	outcome     text NOT NULL,           -- sending, sent, failed
	recipients  integer NOT NULL,
	detail      text NOT NULL,           -- why it failed; never an address
	PRIMARY KEY (campaign_id, org_id)
);

ALTER TABLE operators ADD COLUMN email bytea;  -- age ciphertext, NULL for none
