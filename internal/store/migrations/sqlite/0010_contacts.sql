-- 0008: the contacts of organisations and the alert e-mails sent to
-- them. A contact (its e-mail, name and role) is kept only as age
-- ciphertext (internal/secret), with a blind index of its e-mail (an
-- HMAC with a key derived from the key file) that keeps it unique per
-- organisation without storing it in clear. The operators' e-mail
-- addresses are sealed the same way. An alert is sent at most once per
-- campaign and organisation: the row is claimed before the sending.

CREATE TABLE contacts (
	id          INTEGER PRIMARY KEY,
	org_id      TEXT NOT NULL,
	sealed      BLOB NOT NULL,          -- age ciphertext of {"email","name","role"}
	email_index BLOB NOT NULL,          -- HMAC-SHA256 of the lower-case e-mail
	created_at  INTEGER NOT NULL,       -- microseconds since the epoch, UTC
	UNIQUE (org_id, email_index)
);

CREATE TABLE alert_sendings (
	campaign_id INTEGER NOT NULL,
	org_id      TEXT NOT NULL,
	at          INTEGER NOT NULL,       -- microseconds since the epoch, UTC
	outcome     TEXT NOT NULL,          -- sending, sent, failed
	recipients  INTEGER NOT NULL,
	detail      TEXT NOT NULL,          -- why it failed; never an address
	PRIMARY KEY (campaign_id, org_id)
);

ALTER TABLE operators ADD COLUMN email BLOB;  -- age ciphertext, NULL for none
