-- 0008: the operators' passkeys (WebAuthn credentials), a second factor
-- besides the TOTP code. The server keeps the public key only; the
-- private key never leaves the authenticator. A passkey is removed with
-- its operator.

CREATE TABLE operator_passkeys (
	id           BLOB PRIMARY KEY,      -- the credential ID the authenticator chose
	operator     TEXT NOT NULL REFERENCES operators (name) ON DELETE CASCADE,
	name         TEXT NOT NULL,         -- the operator's name for it ("security key")
	public_key   BLOB NOT NULL,         -- COSE_Key (RFC 9052 section 7)
	sign_count   INTEGER NOT NULL,      -- the authenticator's signature counter, last seen
	transports   TEXT NOT NULL,         -- "usb,internal", as the browser reported them
	flags        INTEGER NOT NULL,      -- authenticator data flags (UP, UV, BE, BS) at registration
	aaguid       BLOB NOT NULL,         -- the authenticator model, 16 bytes (zeros: not said)
	format       TEXT NOT NULL,         -- the attestation statement format ("none", "packed")
	created_at   INTEGER NOT NULL,      -- microseconds since the epoch, UTC
	last_used_at INTEGER                -- NULL before its first sign-in
);
CREATE INDEX operator_passkeys_operator ON operator_passkeys (operator);
