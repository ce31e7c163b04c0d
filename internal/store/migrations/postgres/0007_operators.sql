-- 0007: the observatory's operators and the log of what they do. An
-- operator signs in with a password (an argon2id hash, internal/operator)
-- and a one-time code (the TOTP secret, base32). The admin log is
-- append-only: the trigger refuses to change or delete a line.

CREATE TABLE operators (
	name       text COLLATE "C" PRIMARY KEY,
	password   text NOT NULL,           -- argon2id, PHC string format
	totp       text NOT NULL,           -- the TOTP secret, base32
	created_at timestamptz NOT NULL
);

CREATE TABLE admin_log (
	id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at       timestamptz NOT NULL,
	operator text NOT NULL,             -- who ("" before sign-in: a failed login)
	action   text NOT NULL,             -- what, a stable code ("operator.create", "login.fail")
	detail   text NOT NULL
);
CREATE FUNCTION admin_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'admin_log is append-only';
END $$;
CREATE TRIGGER admin_log_append_only BEFORE UPDATE OR DELETE ON admin_log
	FOR EACH STATEMENT EXECUTE FUNCTION admin_log_append_only();
