-- 0009: the operators' passkeys (WebAuthn credentials), a second factor
-- besides the TOTP code. The server keeps the public key only; the
-- private key never leaves the authenticator. A passkey is removed with
-- its operator.

CREATE TABLE operator_passkeys (
	id           bytea PRIMARY KEY,     -- the credential ID the authenticator chose
	operator     text COLLATE "C" NOT NULL REFERENCES operators (name) ON DELETE CASCADE,
	name         text NOT NULL,         -- the operator's name for it ("security key")
	public_key   bytea NOT NULL,        -- COSE_Key (RFC 9052 section 7)
	sign_count   bigint NOT NULL,       -- the authenticator's signature counter, last seen
	transports   text NOT NULL,         -- "usb,internal", as the browser reported them
	flags        smallint NOT NULL,     -- authenticator data flags (UP, UV, BE, BS) at registration
	aaguid       bytea NOT NULL,        -- the authenticator model, 16 bytes (zeros: not said)
	format       text NOT NULL,         -- the attestation statement format ("none", "packed")
	created_at   timestamptz NOT NULL,
	last_used_at timestamptz            -- NULL before its first sign-in
);
CREATE INDEX operator_passkeys_operator ON operator_passkeys (operator);
